/** `glueberry bench` hands its arguments to bench/run.ts's main() and returns its exit code. */
import { jest } from '@jest/globals'
import { runCli } from '../../cli/main.js'
import { memoryIO } from './helpers.js'

afterEach(() => { jest.restoreAllMocks() })

/** The suite writes to the process streams itself: capture them instead of polluting the test output. */
function captureProcessOutput (): () => string {
  let text = ''
  const capture = (chunk: unknown): boolean => { text += String(chunk); return true }
  jest.spyOn(process.stdout, 'write').mockImplementation(capture)
  jest.spyOn(process.stderr, 'write').mockImplementation(capture)
  return () => text
}

describe('glueberry bench', () => {
  it('passes --help through to the suite, which prints its own usage', async () => {
    const output = captureProcessOutput()
    expect(await runCli(['bench', '--help'], memoryIO())).toBe(0)
    expect(output()).toMatch(/usage: .*--quick.*--only.*--out/)
  })

  it("returns the suite's exit code for arguments it refuses, without running anything", async () => {
    const output = captureProcessOutput()
    expect(await runCli(['bench', '--only', 'nonsense'], memoryIO())).toBe(2)
    expect(output()).toContain('nonsense')
  })
})

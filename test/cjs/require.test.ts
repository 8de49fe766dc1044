import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { promisify } from 'node:util'
import { ensureBuilt } from '../helpers/build.js'

const run = promisify(execFile)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

describe('the built package', () => {
  beforeAll(async () => {
    await ensureBuilt()
  }, 180_000)

  it('loads with require() from CommonJS, installs its polyfill, and two nodes talk', async () => {
    const { stdout } = await run(process.execPath, [path.join(root, 'test/cjs/consumer.cjs')], {
      cwd: root,
      // The Jest process runs with --experimental-vm-modules; the consumer must not.
      env: { ...process.env, NODE_OPTIONS: '' },
      timeout: 60_000
    })
    const result = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { ok: boolean, testing: string, exports: number }
    expect(result.ok).toBe(true)
    expect(result.testing).toBe('function')
    expect(result.exports).toBeGreaterThan(10)
  }, 90_000)
})

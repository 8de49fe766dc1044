/**
 * The Angular example's component tests (examples/angular/src/app/*.spec.ts:
 * the service and the page against MockNode from glueberry/testing, marble
 * tests of the stream pipelines), run with Angular's own unit-test builder
 * (`ng test`, Vitest in jsdom) as part of `npm test`. The same preparation as
 * the end-to-end test: the package built (the example consumes it through
 * `glueberry: file:../..`) and the example's dependencies installed when
 * missing. Nothing is skipped: a missing piece fails the test.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ROOT, ensureBuilt } from '../helpers/build.js'

const run = promisify(execFile)
const EXAMPLE = join(ROOT, 'examples', 'angular')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'

/** The child's environment: without Jest's NODE_OPTIONS (VM modules), without colours, in CI mode (no watch, no prompts). */
function childEnv (): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true', NG_CLI_ANALYTICS: 'false' }
  delete env['NODE_OPTIONS']
  return env
}

/** How many `it(` the spec files declare: every one must run and pass. */
async function declaredSpecs (): Promise<number> {
  const dir = join(EXAMPLE, 'src', 'app')
  const files = (await readdir(dir)).filter((f) => f.endsWith('.spec.ts'))
  let count = 0
  for (const f of files) count += (await readFile(join(dir, f), 'utf8')).match(/^\s*it\(/gm)?.length ?? 0
  return count
}

describe('the Angular example\'s component tests (ng test, MockNode)', () => {
  it('pass, every declared spec', async () => {
    await ensureBuilt()
    expect(existsSync(join(ROOT, 'dist', 'lib', 'testing', 'index.js'))).toBe(true)
    if (!existsSync(join(EXAMPLE, 'node_modules', '@angular', 'core'))) {
      await run(npm, ['ci', '--no-audit', '--no-fund'], { cwd: EXAMPLE, env: childEnv(), maxBuffer: 64 << 20 })
    }
    const declared = await declaredSpecs()
    expect(declared).toBeGreaterThan(0)
    let out: string
    try {
      const result = await run(npx, ['ng', 'test', '--watch=false'], { cwd: EXAMPLE, env: childEnv(), maxBuffer: 64 << 20 })
      out = result.stdout + result.stderr
    } catch (e) {
      const failed = e as { stdout?: string, stderr?: string, code?: number }
      throw new Error(`ng test exited with ${String(failed.code)}:\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`, { cause: e })
    }
    // eslint-disable-next-line no-control-regex
    const plain = out.replace(/\u001b\[[0-9;]*m/g, '')
    const passed = Number(/Tests\s+(\d+) passed/.exec(plain)?.[1] ?? NaN)
    expect(plain).not.toMatch(/Tests\s+.*\d+ (failed|skipped|todo)/)
    expect(passed).toBe(declared)
    console.log(`examples/angular: ng test ran ${passed} specs, all passed`)
  }, 300_000)
})

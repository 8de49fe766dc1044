/**
 * Builds the package (dist/) for tests that load it the way a consumer
 * does. Several Jest workers may ask at once; a lock file makes them build
 * one at a time, and a worker that finds a build newer than its own start
 * reuses it instead of compiling again.
 */
import { execFile } from 'node:child_process'
import { stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import lockfile from 'proper-lockfile'

const run = promisify(execFile)
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const STAMP = path.join(ROOT, 'dist', '.built-at')
const started = Date.now()

async function builtAt (): Promise<number> {
  try { return (await stat(STAMP)).mtimeMs } catch { return 0 }
}

/** Compiles tsconfig.build.json into dist/ unless a build finished after this worker started. */
export async function ensureBuilt (): Promise<void> {
  const release = await lockfile.lock(ROOT, {
    lockfilePath: path.join(ROOT, '.build.lock'),
    retries: { retries: 600, minTimeout: 100, maxTimeout: 500 },
    stale: 120_000
  })
  try {
    if (await builtAt() >= started) return
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT })
    await writeFile(STAMP, String(Date.now()))
  } finally {
    await release()
  }
}

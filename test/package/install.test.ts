/**
 * The package as a new user gets it: `npm pack`, then `npm install
 * <tarball>` into a fresh application with no lockfile (ranges resolved on
 * the registry as it is now), then, from that application only:
 *
 * - every subpath imported from an ES module and required from CommonJS;
 * - a consumer .ts file type-checked against the published declarations;
 * - two nodes that handshake and exchange a message, and records sealed and
 *   opened with encryptWith / decryptWith (createRecordSealer / Opener);
 * - the `glueberry` bin: `--version`, and `bench`, which needs a clone;
 * - @arethetypeswrong/cli on the tarball (ESM-only profile).
 *
 * Needs the npm registry (npm's cache makes later runs quicker). Slow by
 * nature (an install, a compile, child processes): generous timeouts, and
 * every wait is on a process ending, never on a sleep.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, writeFile, copyFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import lockfile from 'proper-lockfile'
import { ensureBuilt, ROOT } from '../helpers/build.js'

const exec = promisify(execFile)
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures')
const SUBPATHS = ['glueberry', 'operators', 'testing', 'prometheus'] as const
const MINUTE = 60_000

/** The child processes must not inherit Jest's --experimental-vm-modules. */
const childEnv = (): NodeJS.ProcessEnv => ({ ...process.env, NODE_OPTIONS: '', npm_config_update_notifier: 'false' })

async function run (file: string, args: string[], cwd: string, timeout = 2 * MINUTE): Promise<{ stdout: string, stderr: string }> {
  return await exec(file, args, { cwd, env: childEnv(), timeout, maxBuffer: 32 * 1024 * 1024 })
}

/** Runs a command that is expected to fail; returns its exit code and output. */
async function runFailing (file: string, args: string[], cwd: string): Promise<{ code: number, output: string }> {
  try {
    const { stdout, stderr } = await run(file, args, cwd)
    return { code: 0, output: stdout + stderr }
  } catch (err) {
    const e = err as { code?: number, stdout?: string, stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` }
  }
}

const lastJsonLine = (stdout: string): Record<string, unknown> =>
  JSON.parse(stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>

describe('the packed package, installed into a fresh application', () => {
  let work: string
  let app: string
  let tarball: string
  let installLog: string
  let files: string[] = []
  const summary: string[] = []

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'glueberry-install-'))
    app = path.join(work, 'app')
    // dist/ is shared with the other tests that build it: build through the
    // same lock, and pack under it so no build rewrites dist/ mid-pack.
    await ensureBuilt()
    const release = await lockfile.lock(ROOT, {
      lockfilePath: path.join(ROOT, '.build.lock'),
      retries: { retries: 600, minTimeout: 100, maxTimeout: 500 },
      stale: 120_000
    })
    let packed: string
    try {
      // --ignore-scripts: dist/ is built above; `prepare` would rebuild it under the other tests' feet.
      packed = (await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT)).stdout
    } finally {
      await release()
    }
    const [info] = JSON.parse(packed) as Array<{ filename: string, entryCount: number, size: number, unpackedSize: number, files: Array<{ path: string }> }>
    tarball = path.join(work, info.filename)
    summary.push(`packed ${info.filename}: ${info.entryCount} files, ${(info.size / 1024).toFixed(1)} KiB (${(info.unpackedSize / 1024).toFixed(1)} KiB unpacked)`)
    files = info.files.map(f => f.path)

    await exec('mkdir', ['-p', app])
    await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'glueberry-consumer', private: true, version: '1.0.0' }, null, 2))
    for (const name of await readdir(FIXTURES)) await copyFile(path.join(FIXTURES, name), path.join(app, name))
    const started = Date.now()
    const { stdout, stderr } = await run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', tarball, 'rxjs', 'prom-client'], app, 8 * MINUTE)
    installLog = stdout + stderr
    summary.push(`npm install <tarball> rxjs prom-client: ${((Date.now() - started) / 1000).toFixed(1)} s, no lockfile`)
  }, 12 * MINUTE)

  afterAll(async () => {
    if (summary.length > 0) process.stdout.write(`\n[install test]\n  ${summary.join('\n  ')}\n`)
    if (work !== undefined) await rm(work, { recursive: true, force: true })
  })

  it('ships what a consumer needs and nothing else', () => {
    expect(files).toEqual(expect.arrayContaining([
      'package.json', 'README.md', 'LICENSE', 'docs/PROTOCOL.md', 'docs/ADDRESS_BOOK.md',
      'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/operators/index.js', 'dist/operators/index.d.ts',
      'dist/lib/testing/index.js', 'dist/lib/observability/prometheus.js', 'dist/cli/main.js'
    ]))
    const unexpected = files.filter(f => !/^(package\.json|README\.md|LICENSE|docs\/(PROTOCOL|ADDRESS_BOOK)\.md|dist\/(lib|operators|cli)\/.+\.(js|d\.ts))$/.test(f))
    expect(unexpected).toEqual([])
  })

  it('installs with no engine, peer or resolution warning', () => {
    const warnings = installLog.split('\n').filter(line => /npm (warn|error)/i.test(line) && !/install-scripts/.test(line))
    expect(warnings).toEqual([])
    summary.push(`npm warnings: ${warnings.length}`)
  })

  it('imports every subpath from an ES module', async () => {
    const result = lastJsonLine((await run(process.execPath, ['esm.mjs'], app)).stdout)
    for (const sub of SUBPATHS) expect((result[sub] as string[]).length).toBeGreaterThan(0)
    const main = result.glueberry as string[]
    expect(main).toEqual(expect.arrayContaining(['createNode', 'AddressBookCorruptError', 'createRecordSealer', 'createRecordOpener', 'FrameDecoder']))
    expect(main).not.toEqual(expect.arrayContaining(['resolveConfig']))
    expect(main).not.toContain('DEFAULTS')
    expect(result.operators).toEqual(expect.arrayContaining(['encryptWith', 'decryptWith']))
    expect(result.testing).toContain('MockNode')
    expect(result.prometheus).toContain('prometheusMetrics')
    summary.push(`ESM: ${SUBPATHS.map(s => `${s} ${(result[s] as string[]).length} exports`).join(', ')}`)
  }, 2 * MINUTE)

  it('requires every subpath from CommonJS, with the same exports', async () => {
    const esm = lastJsonLine((await run(process.execPath, ['esm.mjs'], app)).stdout)
    const cjs = lastJsonLine((await run(process.execPath, ['cjs.cjs'], app)).stdout)
    for (const sub of SUBPATHS) expect(cjs[sub]).toEqual(esm[sub])
    expect(cjs.version).toBe(esm.version)
    summary.push('CommonJS: require() of every subpath gives the same exports')
  }, 2 * MINUTE)

  it('type-checks a consumer against the published declarations', async () => {
    await writeFile(path.join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        // glueberry's own .d.ts files are checked; those of its dependencies are theirs.
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [path.join(ROOT, 'node_modules', '@types')]
      },
      files: ['consumer.ts']
    }, null, 2))
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    const result = await runFailing(process.execPath, [tsc, '-p', 'tsconfig.json'], app)
    // Only errors in glueberry's declarations or the consumer count; a dependency's own .d.ts is not ours to fix.
    const ours = result.output.split('\n').filter(line => /error TS/.test(line) && !/node_modules\/(?!glueberry\/)/.test(line))
    expect(ours).toEqual([])
    summary.push(`tsc (NodeNext, strict) on consumer.ts: ${ours.length} errors`)
  }, 3 * MINUTE)

  it('runs two nodes that exchange messages, and seals and opens records of its own', async () => {
    const result = lastJsonLine((await run(process.execPath, ['two-nodes.mjs'], app, 3 * MINUTE)).stdout)
    expect(result).toEqual({ ok: true, messages: ['hello from a', 'hello from b'], records: ['one', 'two', 'three'] })
    summary.push('two nodes: standard handshake, one message each way; records: sealed and opened')
  }, 4 * MINUTE)

  it('has a working bin, whose bench says it needs a clone', async () => {
    const bin = path.join(app, 'node_modules', '.bin', 'glueberry')
    const pkg = JSON.parse(await readFile(path.join(app, 'node_modules', 'glueberry', 'package.json'), 'utf8')) as { version: string }
    expect((await run(bin, ['--version'], app)).stdout.trim()).toContain(pkg.version)
    const bench = await runFailing(bin, ['bench', '--quick'], app)
    expect(bench.code).not.toBe(0)
    expect(bench.output).toMatch(/clone of the repository/)
    summary.push(`glueberry --version: ${pkg.version}; glueberry bench: exit ${bench.code}, "${bench.output.trim().split('\n')[0]}"`)
  }, 2 * MINUTE)

  it('has types that resolve for ES modules and bundlers (attw, ESM-only profile)', async () => {
    const attw = path.join(ROOT, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js')
    const result = await runFailing(process.execPath, [attw, tarball, '--profile', 'esm-only', '--format', 'json'], app)
    expect(result.code).toBe(0)
    const report = JSON.parse(result.output.slice(result.output.indexOf('{'))) as { analysis: { problems: Array<{ kind: string, entrypoint?: string, resolutionKind?: string }> } }
    // The ESM-only profile leaves out node10 (no "exports" support) and TypeScript's
    // node16 CommonJS mode (no require of ESM; "module": "node20" or "nodenext" has it).
    const problems = report.analysis.problems.filter(p => p.resolutionKind !== 'node10' && p.resolutionKind !== 'node16-cjs')
    expect(problems).toEqual([])
    summary.push(`attw --profile esm-only: exit ${result.code}, ${problems.length} problems`)
  }, 2 * MINUTE)
})

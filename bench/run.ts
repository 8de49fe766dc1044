/**
 * The foundation benchmark suite: record crypto (bench/crypto.ts) and the
 * in-memory send/receive paths (bench/paths.ts), written to
 * bench/results/foundation.{json,md} with the Go original's figures beside.
 *
 *   npm run bench                          # full run, about 2 minutes
 *   npm run bench -- --quick               # short timings, under 30 s
 *   npm run bench -- --only crypto|paths   # one suite
 *
 * Only a full run of both suites writes bench/results/foundation.{json,md}; a
 * --quick or --only run writes bench/results/tmp/foundation.<quick|crypto|paths>.{json,md}
 * (ignored by git), so a trial run never replaces the reference figures.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { runCryptoBench } from './crypto.js'
import { runPathsBench } from './paths.js'
import { METHOD, SCHEMA, comparison, cryptoFigures, pathFigures, renderMarkdown } from './report.js'
import type { Foundation, Machine } from './report.js'

type Suite = 'crypto' | 'paths'

export interface RunOptions {
  quick: boolean
  only: Suite | null
  /** Directory of a full run's results. Default bench/results (trial runs go to its tmp/). */
  outDir: string
}

const HERE = dirname(fileURLToPath(import.meta.url))
const USAGE = 'usage: node --import ./bench/register.js bench/run.ts [--quick] [--only crypto|paths] [--out <dir>]'

export function parseArgs (argv: readonly string[]): RunOptions {
  const options: RunOptions = { quick: false, only: null, outDir: join(HERE, 'results') }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split('=', 2) : [arg, undefined]
    const value = (): string => {
      const v = inline ?? argv[++i]
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`)
      return v
    }
    if (flag === '--quick') options.quick = true
    else if (flag === '--only') {
      const v = value()
      if (v !== 'crypto' && v !== 'paths') throw new Error(`--only takes crypto or paths, not ${v}\n${USAGE}`)
      options.only = v
    } else if (flag === '--out') options.outDir = value()
    else throw new Error(`unknown argument ${arg}\n${USAGE}`)
  }
  return options
}

function loadAverage (): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100)
}

function machine (start: number[]): Machine {
  const cpus = os.cpus()
  return {
    node: process.version,
    v8: process.versions.v8,
    openssl: process.versions.openssl,
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    loadAverage: { start, end: loadAverage() }
  }
}

/** Where the result files go, without extension: `<outDir>/foundation` for a full run of both suites. */
export function resultBase (options: RunOptions): string {
  const tags = [options.quick ? 'quick' : undefined, options.only ?? undefined].filter((t) => t !== undefined)
  if (tags.length === 0) return join(options.outDir, 'foundation')
  return join(options.outDir, 'tmp', ['foundation', ...tags].join('.'))
}

export async function runSuite (options: RunOptions, log: (line: string) => void = () => {}): Promise<Foundation> {
  const started = performance.now()
  const load = loadAverage()
  const date = new Date().toISOString()
  const wants = (suite: Suite): boolean => options.only === null || options.only === suite

  let crypto: Foundation['crypto']
  if (wants('crypto')) {
    log('crypto: record seal/open and key derivation')
    crypto = cryptoFigures(await runCryptoBench({ quick: options.quick, log: (l) => { log(`  ${l}`) } }))
  }
  let paths: Foundation['paths']
  if (wants('paths')) {
    log('paths: in-memory send and receive')
    paths = pathFigures(await runPathsBench({ quick: options.quick, log: (l) => { log(`  ${l}`) } }))
  }
  const args = [...(options.quick ? ['--quick'] : []), ...(options.only !== null ? ['--only', options.only] : [])]
  return {
    schema: SCHEMA,
    date,
    machine: machine(load),
    run: {
      quick: options.quick,
      only: options.only,
      command: `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`,
      durationSec: Math.round((performance.now() - started) / 100) / 10
    },
    method: METHOD,
    ...(crypto !== undefined ? { crypto } : {}),
    ...(paths !== undefined ? { paths } : {}),
    comparison: comparison(crypto, paths)
  }
}

/** JSON replacer: 6 significant digits are plenty for figures this noisy, and keep diffs readable. */
function roundFigures (_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(6)) : value
}

async function main (): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  const log = (line: string): void => { process.stderr.write(`${line}\n`) }
  const foundation = await runSuite(options, log)
  const markdown = renderMarkdown(foundation)
  const base = resultBase(options)
  await mkdir(dirname(base), { recursive: true })
  await writeFile(`${base}.json`, JSON.stringify(foundation, roundFigures, 2) + '\n')
  await writeFile(`${base}.md`, markdown + '\n')
  process.stdout.write(markdown + '\n')
  const shown = relative(process.cwd(), base)
  log(`\nwrote ${shown}.json and ${shown}.md (${foundation.run.durationSec} s)`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  })
}

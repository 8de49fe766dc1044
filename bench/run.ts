/**
 * The benchmark suite runner: the in-memory foundation suites (record crypto,
 * send/receive paths) and the network suites (throughput, round trip,
 * connect, memory; glueberry beside raw libp2p and raw TCP) in one run.
 *
 *   npm run bench                          # everything; the reference figures
 *   npm run bench -- --quick               # short timings, under 2 minutes
 *   npm run bench -- --only <suite>        # crypto|paths|net|throughput|rtt|connect|memory
 *
 * A full run writes bench/results/latest.{json,md,svg} (the whole suite) and
 * bench/results/foundation.{json,md} (the in-memory suites, as before). A
 * --quick or --only run writes the same files under bench/results/tmp/ with
 * the run's tags in their names (latest.quick.json, foundation.quick.crypto.md
 * ...), ignored by git, so a trial run never replaces the reference figures.
 * Progress goes to stderr, the Markdown to stdout.
 *
 * `main(argv)` is also what the `glueberry bench` command calls.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { runCryptoBench } from './crypto.js'
import { RESULTS_DIR } from './locations.js'
import { loadAverage, readMachine } from './machine.js'
import { runConnect } from './net/connect.js'
import { runMemory } from './net/memory.js'
import { buildLatest, renderLatestMarkdown } from './net/report.js'
import type { LatestDocument, LatestRun } from './net/report.js'
import { runRtt } from './net/rtt.js'
import { renderThroughputSvg } from './net/svg.js'
import { runThroughput } from './net/throughput.js'
import type { NetBenchOptions, NetBenchResult } from './net/types.js'
import { runPathsBench } from './paths.js'
import { METHOD, SCHEMA, comparison, cryptoFigures, pathFigures, renderMarkdown } from './report.js'
import type { Foundation, Machine } from './report.js'
import { ONLY_VALUES, isFoundationSuite, isNetSuite, isOnly, suitesFor } from './suites.js'
import type { Only, Suite } from './suites.js'

export interface RunOptions {
  quick: boolean
  only: Only | null
  /** Directory of a full run's results. Default bench/results (trial runs go to its tmp/). */
  outDir: string
}

export const USAGE = 'usage: npm run bench -- [--quick] [--only ' + ONLY_VALUES.join('|') + '] [--out <dir>]\n' +
  '   or: node --import ./bench/register.js bench/run.ts [same options]'

/** A bad command line: main() answers it with the usage and exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

export function parseArgs (argv: readonly string[]): RunOptions {
  const options: RunOptions = { quick: false, only: null, outDir: RESULTS_DIR }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split('=', 2) : [arg, undefined]
    const value = (): string => {
      const v = inline ?? argv[++i]
      if (v === undefined) throw new UsageError(`${flag} needs a value`)
      return v
    }
    if (flag === '--quick') options.quick = true
    else if (flag === '--only') {
      const v = value()
      if (!isOnly(v)) throw new UsageError(`--only takes ${ONLY_VALUES.join(', ')}; not ${v}`)
      options.only = v
    } else if (flag === '--out') options.outDir = value()
    else throw new UsageError(`unknown argument ${arg}`)
  }
  return options
}

/**
 * Where a report goes, without extension: `<outDir>/<name>` for a full run,
 * `<outDir>/tmp/<name>.<quick>.<only>` for a trial run.
 */
export function resultBase (options: RunOptions, name: 'foundation' | 'latest'): string {
  const tags = [options.quick ? 'quick' : undefined, options.only ?? undefined].filter((t) => t !== undefined)
  if (tags.length === 0) return join(options.outDir, name)
  return join(options.outDir, 'tmp', [name, ...tags].join('.'))
}

/** The command line that reproduces a run. */
export function commandOf (options: Pick<RunOptions, 'quick' | 'only'>): string {
  const args = [...(options.quick ? ['--quick'] : []), ...(options.only !== null ? ['--only', options.only] : [])]
  return `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`
}

type Log = (line: string) => void

/** What a run measured, before any file is written. */
export interface SuiteOutcome {
  /** The foundation report, when a foundation suite ran. */
  foundation?: Foundation
  /** The whole suite's report, when a network suite ran. */
  latest?: LatestDocument
}

const seconds = (since: number): number => Math.round((performance.now() - since) / 100) / 10

/** What the progress line says when a suite starts. */
const SUITE_TITLES: Readonly<Record<Suite, string>> = {
  crypto: 'record seal/open and key derivation (in memory)',
  paths: 'send and receive paths (in memory)',
  throughput: 'one-way throughput, tcp / libp2p / glueberry, in-proc and 2-proc',
  rtt: '64 B request/response round trips',
  connect: 'from nothing to a usable session',
  memory: 'heap and RSS per established peer'
}

/** The raw figures of the suites run so far. */
interface Measured {
  crypto?: Foundation['crypto']
  paths?: Foundation['paths']
  net: NetBenchResult
}

/** Runs one suite into `into`. One suite at a time: each owns the machine while it measures. */
async function measure (suite: Suite, options: RunOptions, log: Log, into: Measured): Promise<void> {
  const sub: Log = (l) => { log(`  ${l}`) }
  const net: NetBenchOptions = { quick: options.quick, log: sub }
  switch (suite) {
    case 'crypto': into.crypto = cryptoFigures(await runCryptoBench({ quick: options.quick, log: sub })); break
    case 'paths': into.paths = pathFigures(await runPathsBench({ quick: options.quick, log: sub })); break
    case 'throughput': into.net.throughput = await runThroughput(net); break
    case 'rtt': into.net.rtt = await runRtt(net); break
    case 'connect': into.net.connect = await runConnect(net); break
    case 'memory': into.net.memory = await runMemory(net); break
  }
}

/** Runs the selected suites and builds their reports; writes nothing. */
export async function runSuites (options: RunOptions, log: Log = () => {}): Promise<SuiteOutcome> {
  const started = performance.now()
  const startLoad = loadAverage()
  const date = new Date().toISOString()
  const suites = suitesFor(options.only)
  const suiteSec: Partial<Record<Suite, number>> = {}
  const measured: Measured = { net: { throughput: [], rtt: [], connect: [], memory: [] } }

  log(`bench: ${suites.join(', ')}${options.quick ? ' (quick)' : ''}; load average ${startLoad.join(' / ')}`)
  for (const [i, suite] of suites.entries()) {
    log(`[${i + 1}/${suites.length}] ${suite}: ${SUITE_TITLES[suite]}`)
    const t = performance.now()
    await measure(suite, options, log, measured)
    suiteSec[suite] = seconds(t)
    log(`  ${suite} done in ${suiteSec[suite]} s`)
  }

  const machine: Machine = readMachine(startLoad)
  const durationSec = seconds(started)
  const command = commandOf(options)
  const outcome: SuiteOutcome = {}
  if (suites.some(isFoundationSuite)) {
    const { crypto, paths } = measured
    outcome.foundation = {
      schema: SCHEMA,
      date,
      machine,
      run: {
        quick: options.quick,
        only: options.only === 'crypto' || options.only === 'paths' ? options.only : null,
        command,
        durationSec
      },
      method: METHOD,
      ...(crypto !== undefined ? { crypto } : {}),
      ...(paths !== undefined ? { paths } : {}),
      comparison: comparison(crypto, paths)
    }
  }
  if (suites.some(isNetSuite)) {
    const run: LatestRun = { quick: options.quick, only: options.only, suites, command, durationSec, suiteSec }
    outcome.latest = buildLatest({
      result: measured.net,
      machine,
      run,
      date,
      ...(outcome.foundation !== undefined ? { foundation: outcome.foundation } : {})
    })
  }
  return outcome
}

/** JSON replacer: 6 significant digits are plenty for figures this noisy, and keep diffs readable. */
function roundFigures (_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(6)) : value
}

export function toJson (value: unknown): string {
  return JSON.stringify(value, roundFigures, 2) + '\n'
}

/** A relative link between two result files, with forward slashes. */
function linkTo (fromFile: string, toFile: string): string {
  return relative(dirname(fromFile), toFile).split(sep).join('/')
}

export interface RenderedFile {
  path: string
  content: string
}

/** The files of a run and the Markdown for stdout. Pure. */
export function renderOutputs (options: RunOptions, outcome: SuiteOutcome): { files: RenderedFile[], markdown: string } {
  const files: RenderedFile[] = []
  const markdown: string[] = []
  const foundationBase = resultBase(options, 'foundation')
  if (outcome.foundation !== undefined) {
    const md = renderMarkdown(outcome.foundation)
    files.push({ path: `${foundationBase}.json`, content: toJson(outcome.foundation) }, { path: `${foundationBase}.md`, content: md + '\n' })
    markdown.push(md)
  }
  const latest = outcome.latest
  if (latest !== undefined) {
    const base = resultBase(options, 'latest')
    const chart = latest.throughput.length > 0
    if (chart) {
      const m = latest.machine
      const subtitle = `${latest.date.slice(0, 10)} · Node ${m.node} · ${m.cores} x ${m.cpuModel}${latest.run.quick ? ' · quick run, not for comparison' : ''}`
      files.push({ path: `${base}.svg`, content: renderThroughputSvg(latest.throughput, { subtitle }) })
    }
    const md = renderLatestMarkdown(latest, {
      json: `${basename(base)}.json`,
      ...(chart ? { chart: `${basename(base)}.svg` } : {}),
      ...(outcome.foundation !== undefined ? { foundation: linkTo(`${base}.md`, `${foundationBase}.md`) } : {})
    })
    files.push({ path: `${base}.json`, content: toJson(latest) }, { path: `${base}.md`, content: md + '\n' })
    markdown.push(md)
  }
  return { files, markdown: markdown.join('\n\n') }
}

/**
 * Runs the benchmark as `npm run bench` does, with `argv` its arguments;
 * resolves to the exit code (0 done, 1 a suite or a write failed, 2 a bad
 * command line). Files are written only once every suite has finished, so a
 * failed run leaves the previous results as they were.
 */
export async function main (argv: readonly string[]): Promise<number> {
  const log: Log = (line) => { process.stderr.write(`${line}\n`) }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  let options: RunOptions
  try {
    options = parseArgs(argv)
  } catch (err) {
    log(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`)
    return 2
  }
  try {
    const started = performance.now()
    const outcome = await runSuites(options, log)
    const { files, markdown } = renderOutputs(options, outcome)
    for (const file of files) {
      await mkdir(dirname(file.path), { recursive: true })
      await writeFile(file.path, file.content)
    }
    process.stdout.write(markdown + '\n')
    const shown = files.map((f) => relative(process.cwd(), f.path)).join(', ')
    log(`\nwrote ${shown} (${seconds(started)} s)`)
    return 0
  } catch (err) {
    log(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
    return 1
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  })
}

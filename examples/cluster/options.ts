/**
 * The cluster's command line: flags, defaults, limits and validation. Pure:
 * it never touches `process`; the caller prints what it returns and exits
 * with its code (2 for a bad flag, as most Unix tools do for usage errors).
 *
 * @module
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'

export interface ClusterOptions {
  /** Nodes in the cluster. */
  readonly nodes: number
  /** Seconds of traffic before the cluster stops by itself. */
  readonly duration: number
  /** Bytes per message, sequence-number header included. */
  readonly size: number
  /**
   * Messages per second on each directed link (node A to node B). Default:
   * 100, or less on big clusters so that the whole cluster sends at most
   * {@link DEFAULT_TOTAL_RATE} (see {@link defaultRate}).
   */
  readonly rate: number
  /** Print the summary as one JSON line on stdout (the live view goes to stderr). */
  readonly json: boolean
}

/** Every message starts with its 8-byte sequence number, so no message is smaller. */
export const MIN_SIZE = 8
/** The library's default `maxMessageSize`. */
export const MAX_SIZE = 1024 * 1024

export const LIMITS = Object.freeze({
  nodes: { min: 2, max: 50 },
  size: { min: MIN_SIZE, max: MAX_SIZE },
  // Per directed link: 5 nodes at 100 msg/s are 20 links, 2000 msg/s in all.
  rate: { max: 10_000 },
  duration: { max: 24 * 60 * 60 }
})

export const DEFAULT_OPTIONS: ClusterOptions = Object.freeze({
  nodes: 5,
  duration: 10,
  size: 1024,
  // Steady and visible in the live view, yet light enough for a laptop (or a
  // shared CI core) to run 50 nodes without falling behind.
  rate: 100,
  json: false
})

/**
 * Messages per second the whole cluster sends unless `--rate` says otherwise.
 * Every node shares one process and one core: 50 nodes at 100 msg/s on each
 * of their 2450 links would ask for 245,000 msg/s, far above what the core
 * encrypts and checks (about 13,000 1 KiB msg/s measured with 30 nodes), so
 * sends would queue up to the watermarks and some links would starve.
 */
export const DEFAULT_TOTAL_RATE = 5000

/** The default `--rate` for `nodes` nodes: 100, or DEFAULT_TOTAL_RATE shared by every link (2 msg/s at 50 nodes). */
export function defaultRate (nodes: number): number {
  const links = nodes * (nodes - 1)
  return Math.min(DEFAULT_OPTIONS.rate, Math.floor(100 * DEFAULT_TOTAL_RATE / links) / 100)
}

/** What the caller does next: run, or print `text` and exit with `code`. */
export type ParseResult =
  | { readonly kind: 'run', readonly options: ClusterOptions }
  | { readonly kind: 'exit', readonly code: number, readonly text: string, readonly stream: 'stdout' | 'stderr' }

/** Exit code of a bad command line. */
export const USAGE_ERROR = 2

/**
 * Parses the flags (without `node` and the script: `process.argv.slice(2)`).
 *
 * @return `run` with validated options, or `exit` with the help text (code 0)
 *   or the error message (code 2).
 */
export function parseOptions (argv: readonly string[]): ParseResult {
  let out = ''
  let err = ''
  const program = new Command('cluster')
    .description('Starts a local glueberry cluster on 127.0.0.1, streams numbered messages over every link, shows a live view and a summary.')
    .addOption(new Option('--nodes <n>', `nodes in the cluster (${LIMITS.nodes.min}..${LIMITS.nodes.max})`)
      .argParser(integerIn(LIMITS.nodes.min, LIMITS.nodes.max)).default(DEFAULT_OPTIONS.nodes))
    .addOption(new Option('--duration <seconds>', 'seconds of traffic before stopping')
      .argParser(positiveNumber(LIMITS.duration.max)).default(DEFAULT_OPTIONS.duration))
    .addOption(new Option('--size <bytes>', `message size in bytes, ${MIN_SIZE}..${MAX_SIZE} (suffixes k and m: 64k, 1m)`)
      .argParser(byteSize(LIMITS.size.min, LIMITS.size.max)).default(DEFAULT_OPTIONS.size))
    .addOption(new Option('--rate <msgs>', `messages per second on each directed link (default ${DEFAULT_OPTIONS.rate}, at most ${DEFAULT_TOTAL_RATE} for the whole cluster)`)
      .argParser(positiveNumber(LIMITS.rate.max)))
    .addOption(new Option('--json', 'print the summary as one JSON line on stdout (the live view goes to stderr)'))
    .addHelpText('after', [
      '',
      'Examples:',
      '  npm start -- --nodes 8 --duration 30',
      '  node examples/cluster/run.mjs --size 64k --rate 20 --json',
      '',
      'Exit code: 0 when every check passed, 1 when one failed, 2 for a bad flag.'
    ].join('\n'))
    .allowExcessArguments(false)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => { out += text },
      writeErr: (text) => { err += text }
    })

  try {
    program.parse([...argv], { from: 'user' })
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error
    return error.exitCode === 0
      ? { kind: 'exit', code: 0, text: out, stream: 'stdout' }
      : { kind: 'exit', code: USAGE_ERROR, text: err, stream: 'stderr' }
  }
  const flags = program.opts<{ nodes: number, duration: number, size: number, rate?: number, json?: boolean }>()
  return {
    kind: 'run',
    options: { nodes: flags.nodes, duration: flags.duration, size: flags.size, rate: flags.rate ?? defaultRate(flags.nodes), json: flags.json === true }
  }
}

// Strict forms only: `Number()` would also accept '', ' 5', '0x10' and '1e3'.
const INTEGER = /^\d+$/
const DECIMAL = /^\d+(\.\d+)?$/
const SIZE = /^(\d+)(k|kib|m|mib)?$/i

function integerIn (min: number, max: number): (value: string) => number {
  return (value) => {
    const n = INTEGER.test(value) ? Number(value) : NaN
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`Expected an integer from ${min} to ${max}.`)
    }
    return n
  }
}

function positiveNumber (max: number): (value: string) => number {
  return (value) => {
    const n = DECIMAL.test(value) ? Number(value) : NaN
    if (!Number.isFinite(n) || n <= 0 || n > max) {
      throw new InvalidArgumentError(`Expected a number above 0, at most ${max}.`)
    }
    return n
  }
}

function byteSize (min: number, max: number): (value: string) => number {
  return (value) => {
    const match = SIZE.exec(value.trim())
    const unit = match?.[2]?.toLowerCase()[0]
    const n = match === null ? NaN : Number(match[1]) * (unit === 'm' ? 1024 * 1024 : unit === 'k' ? 1024 : 1)
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`Expected a size from ${min} bytes to ${max} bytes (1m).`)
    }
    return n
  }
}

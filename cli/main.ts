#!/usr/bin/env node
/**
 * The `glueberry` command: keygen, listen, dial and bench.
 *
 * `runCli(argv, io, signal)` parses and runs one command and resolves to
 * its exit code without touching `process` (tests call it in-process);
 * `main()` wires it to the real process: streams, signals, exit. The module
 * runs `main()` itself when it is the script Node was started with (the
 * built bin); the dev launcher cli/run.mjs calls `main()` explicitly.
 *
 * @module
 */
import { readFileSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Command, CommanderError } from 'commander'
import { CURRENT_VERSION, formatVersion } from '../lib/index.js'
import { bench } from './commands/bench.js'
import { dial } from './commands/dial.js'
import { keygen } from './commands/keygen.js'
import { listen } from './commands/listen.js'
import { CliError, ExitCode, reportError } from './errors.js'
import { DEFAULT_IDENTITY_FILE } from './identity-file.js'
import { flushed, processIO } from './io.js'
import type { CliIO } from './io.js'
import { DEFAULT_LISTEN, DEFAULT_STREAM, DIAL_TIMEOUT_MS } from './node.js'
import { parseSeconds } from './durations.js'
import { untilAborted } from '../lib/deadline.js'

interface GlobalOptions {
  verbose?: boolean
}

/** Parses `argv` (the arguments after the program name) and runs the command. */
export async function runCli (argv: readonly string[], io: CliIO = processIO(), signal?: AbortSignal): Promise<number> {
  let exitCode: number = ExitCode.Ok
  const program = buildProgram(io, signal, (code) => { exitCode = code })
  try {
    await program.parseAsync([...argv], { from: 'user' })
  } catch (err) {
    // Commander has already printed its own message (usage errors, --help, --version).
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage
    return reportError(err, io, program.opts<GlobalOptions>().verbose === true)
  }
  return exitCode
}

function buildProgram (io: CliIO, signal: AbortSignal | undefined, done: (code: number) => void): Command {
  const program = new Command('glueberry')
    .description('Encrypted pipes between known peers over glueberry (libp2p, Noise, per-stream ChaCha20-Poly1305).')
    .version(`glueberry ${packageVersion()} (protocol ${formatVersion(CURRENT_VERSION)})`, '-V, --version')
    .option('-v, --verbose', 'log connection details and show stack traces on errors (to stderr)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => { io.stdout.write(text) },
      writeErr: (text) => { io.stderr.write(text) }
    })
    .showHelpAfterError('(glueberry --help for usage)')
  const verbose = (): boolean => program.opts<GlobalOptions>().verbose === true

  program.command('keygen')
    .description('create an identity file (mode 0600) and print its peer id on stdout')
    .option('-o, --out <file>', 'where to write the identity', DEFAULT_IDENTITY_FILE)
    .option('-f, --force', 'replace an existing file (its identity is lost)')
    .action(async (options: { out: string, force?: boolean }) => {
      done(await keygen({ out: options.out, force: options.force === true }, io))
    })

  program.command('listen')
    .description('wait for one peer, then pipe stdin to it and its data to stdout; the first stderr line is the address to dial')
    .option('-k, --key <file>', 'identity file (default: a new identity for this run)')
    .option('-l, --listen <multiaddr...>', `addresses to listen on (default: ${DEFAULT_LISTEN})`)
    .option('-s, --stream <name>', 'encrypted stream name; both sides must use the same', DEFAULT_STREAM)
    .option('-r, --receive-only', 'do not read stdin; only receive the peer\'s data')
    .action(async (options: { key?: string, listen?: string[], stream: string, receiveOnly?: boolean }) => {
      done(await listen({ ...options, verbose: verbose() }, io, signal))
    })

  program.command('dial')
    .description('connect to a listening peer, then pipe stdin to it and its data to stdout')
    .argument('<multiaddr>', 'the address `glueberry listen` printed, ending in /p2p/<peer id>')
    .option('-k, --key <file>', 'identity file (default: a new identity for this run)')
    .option('-s, --stream <name>', 'encrypted stream name; both sides must use the same', DEFAULT_STREAM)
    .option('-r, --receive-only', 'do not read stdin; only receive the peer\'s data')
    .option('-t, --dial-timeout <seconds>', `give up the dial (TCP, Noise, yamux) after this long (default: ${DIAL_TIMEOUT_MS / 1000})`, parseSeconds)
    .action(async (address: string, options: { key?: string, stream: string, receiveOnly?: boolean, dialTimeout?: number }) => {
      const { dialTimeout, ...rest } = options
      done(await dial(address, { ...rest, dialTimeoutMs: dialTimeout, verbose: verbose() }, io, signal))
    })

  program.command('bench')
    .description('run the benchmark suite; arguments are passed through: [--quick] [--only <suite>] [--out <dir>]')
    .argument('[args...]', 'arguments for the benchmark suite (`glueberry bench --help` shows its own usage)')
    .allowUnknownOption()
    .helpOption(false) // --help goes to the suite, which knows its options
    .action(async (args: string[]) => {
      done(await untilAborted(bench(args), signal))
    })

  return program
}

/** The package's version, from its package.json: one level up from cli/, two from dist/cli/. */
function packageVersion (): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as { name?: unknown, version?: unknown }
      if (pkg.name === 'glueberry' && typeof pkg.version === 'string') return pkg.version
    } catch {
      // not this one
    }
  }
  return 'unknown'
}

/** Exit codes for the signals a session ends gracefully on. */
const SIGNALS = { SIGINT: ExitCode.Interrupted, SIGTERM: ExitCode.Terminated } as const

/**
 * Runs the command line of this process and exits with its code. The first
 * SIGINT or SIGTERM ends the session gracefully (the node stops, the
 * listener's socket closes); a second one exits at once.
 */
export async function main (): Promise<never> {
  const controller = new AbortController()
  for (const [name, code] of Object.entries(SIGNALS)) {
    process.on(name, () => {
      if (controller.signal.aborted) process.exit(code)
      controller.abort(new CliError(code, `interrupted (${name})`))
    })
  }
  const io = processIO()
  // EPIPE when whoever reads our stdout has gone (`| head`): a session
  // reports it and ends; anywhere else only our own output is lost. Without
  // a listener Node would crash with a stack trace.
  io.stdout.on('error', () => {})
  const code = await runCli(process.argv.slice(2), io, controller.signal)
  // Exit explicitly (stdin may still hold the event loop open), but only once
  // everything written to stdout and stderr has left the process.
  await flushed(io.stdout)
  await flushed(io.stderr)
  process.exit(code)
}

/** True when this file is the script Node runs (directly or through an npm bin symlink). */
function isEntryPoint (): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isEntryPoint()) await main()

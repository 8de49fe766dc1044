/**
 * The logging contract: four levels, a message and flat key-value fields
 * (slog/pino style). The library never passes secret material (keys,
 * plaintext) in fields; adapters may forward fields as they are.
 *
 * @module
 */

/** Flat key-value fields of a log call (snake_case keys, e.g. `peer_id`). */
export type LogFields = Record<string, unknown>

/**
 * Where a node logs: pass one as the `logger` option. Default
 * {@link noopLogger}; {@link consoleLogger} and {@link pinoLogger} are ready
 * made. Calls must not throw.
 */
export interface Logger {
  /** Per-message and per-stream detail. */
  debug (msg: string, fields?: LogFields): void
  /** Lifecycle: started, stopped, peers added, handshakes completed. */
  info (msg: string, fields?: LogFields): void
  /** Something went wrong with one peer or one record; the node goes on. */
  warn (msg: string, fields?: LogFields): void
  /** Something went wrong with the node itself (e.g. libp2p failed to stop). */
  error (msg: string, fields?: LogFields): void
}

/** The default: logs nothing and costs a function call. */
export const noopLogger: Logger = Object.freeze({
  debug () {},
  info () {},
  warn () {},
  error () {}
})

/** A log level, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** Minimal sink that console-like adapters implement. */
export interface ConsoleLike {
  /** Writes a debug line. */
  debug (...args: unknown[]): void
  /** Writes an info line. */
  info (...args: unknown[]): void
  /** Writes a warning line. */
  warn (...args: unknown[]): void
  /** Writes an error line. */
  error (...args: unknown[]): void
}

/**
 * A Logger that writes one line per call to a console-like sink, dropping
 * calls below `level`.
 *
 * @param options `level`: the lowest level written (default `'info'`);
 *   `sink`: where lines go (default the global `console`); `prefix`: put in
 *   brackets before each message (default `'glueberry'`).
 */
export function consoleLogger (options: { level?: LogLevel, sink?: ConsoleLike, prefix?: string } = {}): Logger {
  const sink = options.sink ?? console
  const min = LEVELS[options.level ?? 'info']
  const prefix = options.prefix ?? 'glueberry'
  const write = (level: LogLevel) => (msg: string, fields?: LogFields): void => {
    if (LEVELS[level] < min) return
    if (fields === undefined || Object.keys(fields).length === 0) sink[level](`[${prefix}] ${msg}`)
    else sink[level](`[${prefix}] ${msg}`, fields)
  }
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}

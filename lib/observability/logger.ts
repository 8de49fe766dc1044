/**
 * The logging contract: four levels, a message and flat key-value fields
 * (slog/pino style). The library never passes secret material (keys,
 * plaintext) in fields; adapters may forward fields as they are.
 *
 * @module
 */

export type LogFields = Record<string, unknown>

export interface Logger {
  debug (msg: string, fields?: LogFields): void
  info (msg: string, fields?: LogFields): void
  warn (msg: string, fields?: LogFields): void
  error (msg: string, fields?: LogFields): void
}

/** The default: logs nothing and costs a function call. */
export const noopLogger: Logger = Object.freeze({
  debug () {},
  info () {},
  warn () {},
  error () {}
})

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** Minimal sink that console-like adapters implement. */
export interface ConsoleLike {
  debug (...args: unknown[]): void
  info (...args: unknown[]): void
  warn (...args: unknown[]): void
  error (...args: unknown[]): void
}

/**
 * A Logger that writes one line per call to a console-like sink, dropping
 * calls below `level`.
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

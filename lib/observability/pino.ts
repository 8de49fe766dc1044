/**
 * A {@link Logger} over a pino logger. Glueberry logs `(msg, fields)`;
 * pino takes the merging object first: `logger.info({ peer_id }, 'msg')`.
 * Typed structurally ({@link PinoLike}), so glueberry does not depend on
 * pino: any pino logger, child logger, or look-alike (such as a Fastify
 * request logger) fits.
 *
 * ```ts
 * import pino from 'pino'
 * import { createNode, pinoLogger } from 'glueberry'
 *
 * const node = await createNode({ logger: pinoLogger(pino().child({ module: 'glueberry' })) })
 * ```
 *
 * Level filtering is pino's: the adapter forwards every call and pino drops
 * what is below its level.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import type { LogFields, Logger, LogLevel } from './logger.js'

/** One pino log method, in the call shape the adapter uses: `(mergingObject, message)`. */
export type PinoLogFn = (obj: object, msg?: string) => void

/** The part of a pino logger the adapter needs. A real `pino.Logger` is one. */
export interface PinoLike {
  /** pino's `debug`. */
  debug: PinoLogFn
  /** pino's `info`. */
  info: PinoLogFn
  /** pino's `warn`. */
  warn: PinoLogFn
  /** pino's `error`. */
  error: PinoLogFn
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error']
const NO_FIELDS: LogFields = Object.freeze({})

/**
 * Wraps a pino logger. Each call becomes `pino[level](fields, msg)`, called
 * as a method (pino's methods need their `this`); a call without fields
 * passes an empty object, so pino always sees the same shape. Field names
 * are passed through unchanged (snake_case, as the library writes them).
 *
 * @throws {GlueberryError} `InvalidConfig` when `pino` lacks one of the four methods.
 */
export function pinoLogger (pino: PinoLike): Logger {
  if (pino === null || typeof pino !== 'object') throw new GlueberryError(ErrorCode.InvalidConfig, 'pinoLogger needs a pino logger')
  for (const level of LEVELS) {
    if (typeof pino[level] !== 'function') throw new GlueberryError(ErrorCode.InvalidConfig, `pinoLogger: the logger has no ${level}() method`)
  }
  return Object.freeze({
    debug (msg: string, fields?: LogFields) { pino.debug(fields ?? NO_FIELDS, msg) },
    info (msg: string, fields?: LogFields) { pino.info(fields ?? NO_FIELDS, msg) },
    warn (msg: string, fields?: LogFields) { pino.warn(fields ?? NO_FIELDS, msg) },
    error (msg: string, fields?: LogFields) { pino.error(fields ?? NO_FIELDS, msg) }
  })
}

/**
 * A libp2p component logger that does nothing, used unless libp2p's own
 * debug logging is asked for.
 *
 * libp2p builds a `debug` logger for every connection, stream, muxer and
 * protocol negotiation, even with logging off, and each one asks the
 * terminal whether it supports colours (`isatty`): about 3% of the CPU of
 * a profiled 30-node mesh, on every stream opened afterwards too. Glueberry
 * logs through its own `logger` option; `DEBUG=libp2p*` (or any DEBUG) in
 * the environment keeps libp2p's loggers for whoever debugs libp2p itself.
 *
 * @module
 */
import type { ComponentLogger, Logger } from '@libp2p/interface'

const noop = (): void => {}

const quiet: Logger = Object.assign(noop.bind(undefined), {
  enabled: false,
  error: noop,
  trace: noop,
  newScope: (): Logger => quiet
})

/** undefined (libp2p's default loggers) when DEBUG is set, a no-op logger otherwise. */
export function quietLogger (): ComponentLogger | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  if (env?.DEBUG !== undefined && env.DEBUG !== '') return undefined
  return { forComponent: () => quiet }
}

/**
 * The errors a connect() call answers with, shared by the real connection
 * manager and the MockNode's simulated one.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'

/** The caller's signal aborted a connect. */
export function aborted (peer: string, signal: AbortSignal): GlueberryError {
  return new GlueberryError(ErrorCode.Aborted, `connect to ${peer} aborted`, { peer, cause: signal.reason })
}

/** `error`, with `peer` set if it was not. */
export function withPeer (error: GlueberryError, peer: string): GlueberryError {
  if (error.peer !== undefined) return error
  return new GlueberryError(error.code, error.message, { peer, cause: error.cause, retriable: error.retriable })
}

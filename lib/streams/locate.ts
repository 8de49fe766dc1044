/**
 * Errors of one stream carry the peer and the stream they happened on: the
 * one helper the stream manager and the outbound channel both use.
 *
 * @module
 */
import { GlueberryError } from '../errors.js'

/** `error` with `peer` and `stream` filled in, unless it already names a peer. */
export function withLocation (error: GlueberryError, peer: string, stream: string): GlueberryError {
  if (error.peer !== undefined) return error
  return new GlueberryError(error.code, error.message, { peer, stream, cause: error.cause, retriable: error.retriable })
}

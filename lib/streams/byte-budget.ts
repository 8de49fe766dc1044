/**
 * The node-wide bound on message bytes held for sending: every message
 * `send()` accepts is kept (a private copy) until the remote acknowledges it,
 * and the per-(peer, stream) watermarks (`flow.highBytes`) bound one writer,
 * not the sum over a thousand slow peers. One budget per node counts the
 * bytes of every accepted, unacknowledged message across all peers and
 * streams.
 *
 * At the bound `send()` fails at once with a GlueberryError `Backpressure`
 * (retriable): the message is not accepted, so nothing is lost silently and
 * the caller decides (retry later, drop, slow down). It does not wait: a
 * wait on a node-wide resource would let one slow peer hold up sends to
 * every other.
 *
 * Pure accounting, no I/O.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'

export class ByteBudget {
  #used = 0

  /** @param limit bytes that may be held at once, across all peers and streams. */
  constructor (readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new GlueberryError(ErrorCode.InvalidConfig, `byte budget must be a positive integer, got ${String(limit)}`)
    }
  }

  /** Bytes held now. */
  get used (): number {
    return this.#used
  }

  /**
   * Takes `bytes` for a message about to be accepted.
   *
   * @throws {GlueberryError} Backpressure when they would take the total past
   * the limit (nothing is taken then).
   */
  take (bytes: number, peer?: string, stream?: string): void {
    if (this.#used + bytes > this.limit) {
      throw new GlueberryError(ErrorCode.Backpressure,
        `node-wide send buffer full: ${this.#used} of ${this.limit} bytes (flow.totalBytes) held unacknowledged; a message of ${bytes} bytes does not fit`,
        { peer, stream })
    }
    this.#used += bytes
  }

  /** Gives back bytes of messages acknowledged, given up, or refused after taking. */
  give (bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes)
  }
}

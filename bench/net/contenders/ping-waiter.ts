/**
 * The pinging side of a round trip: one ping in flight at a time, answered
 * by the next message that comes back. A message nobody waits for, or a
 * connection that breaks, fails the round trip instead of hanging it.
 *
 * @module
 */

export class PingWaiter {
  private pending?: { resolve: (pong: Uint8Array) => void, reject: (err: Error) => void }
  private failure?: Error

  constructor (private readonly label: string) {}

  /**
   * The next message that comes back. Call before sending the ping. The
   * promise is marked handled: if sending the ping throws, the caller never
   * awaits it, and its later rejection must not crash the process.
   */
  next (): Promise<Uint8Array> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    if (this.pending !== undefined) return Promise.reject(new Error(`${this.label}: a ping is already in flight`))
    const pong = new Promise<Uint8Array>((resolve, reject) => {
      this.pending = { resolve, reject }
    })
    pong.catch(() => {})
    return pong
  }

  answer (pong: Uint8Array): void {
    const pending = this.pending
    if (pending === undefined) {
      this.fail(new Error(`${this.label}: a message came back with no ping in flight`))
      return
    }
    this.pending = undefined
    pending.resolve(pong)
  }

  fail (err: Error): void {
    this.failure ??= err
    const pending = this.pending
    this.pending = undefined
    pending?.reject(err)
  }
}

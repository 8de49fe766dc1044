/**
 * The receiver's tally: counts messages and payload bytes, and tells the
 * bench when a run is complete.
 *
 * Targets are cumulative (totals since the listener started), not per run:
 * in the 2-proc placement the "expect" request travels over IPC while the
 * data travels over the socket, and either may arrive first. A cumulative
 * target makes that race harmless.
 *
 * A run that loses data never completes, so `expect()` then fails on its
 * timeout with what did arrive; a run that delivers the right number of
 * messages with the wrong number of bytes fails at once. The bench throws
 * rather than report a figure for data that did not arrive.
 *
 * @module
 */

interface Target {
  messages: number
  bytes: number
  resolve: () => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

export class Counter {
  private messages = 0
  private bytes = 0
  private target?: Target
  private failure?: Error

  /** Called by the receiving end for every message it decodes. */
  add (bytes: number): void {
    this.messages++
    this.bytes += bytes
    const target = this.target
    if (target !== undefined && this.messages >= target.messages) this.settle(target)
  }

  /**
   * Resolves once `messages` messages totalling `bytes` payload bytes have
   * arrived since the listener started; rejects after `timeoutMs` without
   * them, on a byte mismatch, or when the receiving end fails.
   */
  async expect (messages: number, bytes: number, timeoutMs: number): Promise<void> {
    if (this.failure !== undefined) throw this.failure
    if (this.target !== undefined) throw new Error('a run is already being counted')
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.target = undefined
        reject(new Error(`receiver got ${this.messages} of ${messages} messages (${this.bytes} of ${bytes} bytes) within ${timeoutMs} ms`))
      }, timeoutMs)
      const target: Target = { messages, bytes, resolve, reject, timer }
      this.target = target
      // The data may have arrived before the request did (2-proc).
      if (this.messages >= messages) this.settle(target)
    })
  }

  /** The receiving end broke (stream reset, decryption failure): fail the run now and every later one. */
  fail (err: Error): void {
    this.failure ??= err
    const target = this.target
    if (target === undefined) return
    this.target = undefined
    clearTimeout(target.timer)
    target.reject(err)
  }

  private settle (target: Target): void {
    this.target = undefined
    clearTimeout(target.timer)
    if (this.messages === target.messages && this.bytes === target.bytes) {
      target.resolve()
    } else {
      target.reject(new Error(`receiver expected ${target.messages} messages of ${target.bytes} bytes in all, got ${this.messages} messages of ${this.bytes} bytes`))
    }
  }
}

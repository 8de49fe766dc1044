import { Observable, Subject, takeUntil } from 'rxjs'
import type { OperatorFunction } from 'rxjs'
import type { RecordOpener } from '../lib/crypto/record-cipher.js'
import { ErrorCode, GlueberryError, isGlueberryError } from '../lib/errors.js'
import { isBytes } from '../lib/wire/bytes.js'
import { splitRecordBody } from '../lib/wire/record.js'
import { checkLimit } from '../lib/wire/varint.js'

/** What {@link decryptWith} does after reporting a record that failed. */
export type DecryptFailurePolicy = 'drop' | 'reset'

/** The default largest message a record may carry: 1 MiB. */
export const DEFAULT_DECRYPT_MAX_MESSAGE_SIZE = 1024 * 1024

/** Options of {@link decryptWith}. */
export interface DecryptWithOptions {
  /**
   * The largest message, in bytes, a record may declare. A record body that
   * declares a larger one is a failed record (MalformedRecord), reported and
   * handled by `policy` like a forgery. Default {@link DEFAULT_DECRYPT_MAX_MESSAGE_SIZE}
   * (1 MiB). Checked when `decryptWith` is called: anything but an integer
   * in 0..2^32-1 throws InvalidConfig there.
   */
  maxMessageSize?: number
  /**
   * What to do after a record failed (and was reported through `onError`).
   *
   * - `'drop'` (default): skip the record and go on. The opener consumed the
   *   record's counter value anyway, so the records after it still open: one
   *   forged or corrupted record costs that record only.
   * - `'reset'`: complete the output at once and unsubscribe from the source.
   *   Nothing after the failed record is opened. The caller then resets the
   *   underlying stream (and destroys the opener).
   *
   * Either way the output never errors because of a record: a decryption
   * failure must not kill a shared message stream for every subscriber.
   */
  policy?: DecryptFailurePolicy
  /**
   * Called with every failed record's error, before `policy` applies:
   * DecryptionFailed when the record does not authenticate (or is shorter
   * than a tag), MalformedRecord when an authenticated body does not split
   * into messages or the input is not a Uint8Array. `count` is the number of
   * failed records so far on this subscription, this one included (1 for the
   * first). A throw from it errors the output with that error. Default: none
   * (failures are only counted by the policy).
   */
  onError?: (error: GlueberryError, count: number) => void
}

/**
 * Opens each sealed record and emits the messages it carries.
 *
 * <span class="informal">The receive side of {@link encryptWith}: a
 * `mergeMap` from a record to its messages, where a bad record is reported
 * instead of killing the stream.</span>
 *
 * ```text
 * source:   --A-----B-----X-----C----|      B holds b1 and b2; X is forged
 * decryptWith(opener)                       (policy 'drop')
 * result:   --a-----(bc)--------d----|      onError(DecryptionFailed, 1) at X
 *
 * decryptWith(opener, { policy: 'reset' })
 * result:   --a-----(bc)--|                 completes at X, source unsubscribed
 * ```
 *
 * Each input is ONE sealed record, `ciphertext || tag`, WITHOUT its frame's
 * length prefix: deframe the byte stream first (a {@link glueberry!FrameDecoder}, e.g.
 * `mergeMap(chunk => decoder.push(chunk))`). The record is opened with the
 * next counter value of `opener`, and its body is split into messages
 * (`splitRecordBody`), emitted in order as views of the opened body.
 *
 * Failures. A record that does not authenticate (DecryptionFailed), a body
 * that does not split after a successful open (MalformedRecord) and an input
 * that is not a Uint8Array (MalformedRecord; it is not handed to the opener,
 * so it consumes no counter value) are reported through `options.onError`,
 * then handled by `options.policy` ('drop' by default, or 'reset'); they
 * NEVER error the output. What does error it: an opener that can no longer
 * open anything (SessionClosed after `destroy`, NonceExhausted at the end of
 * the counter space), any other unexpected throw, a throw from `onError`,
 * and source errors, which pass through. Completion passes through.
 *
 * Ownership: the caller owns `opener`; this operator never destroys it, not
 * on completion, error, 'reset' or unsubscription. One opener must read
 * exactly one ordered stream: do not subscribe twice to the result.
 *
 * ## Example
 * ```ts
 * const decoder = new FrameDecoder(maxRecordFrameLength(maxMessageSize))
 * const opener = new RecordOpener(keys.receiveKey)
 * chunks$.pipe(
 *   mergeMap(chunk => decoder.push(chunk)),
 *   decryptWith(opener, { maxMessageSize, onError: (err, n) => log.warn('bad record', n, err.code) })
 * ).subscribe(message => handle(message))
 * ```
 *
 * @see {@link encryptWith}
 * @param opener The opener of this inbound direction; not destroyed here.
 * @param options Message size limit, failure policy and failure callback.
 * @return An operator emitting the messages of each record that opens.
 * @throws {GlueberryError} InvalidConfig, at once, for a bad `maxMessageSize`
 * or `policy`.
 */
export function decryptWith (opener: RecordOpener, options: DecryptWithOptions = {}): OperatorFunction<Uint8Array, Uint8Array> {
  const maxMessageSize = checkLimit('maxMessageSize', options.maxMessageSize ?? DEFAULT_DECRYPT_MAX_MESSAGE_SIZE)
  const policy = options.policy ?? 'drop'
  if (policy !== 'drop' && policy !== 'reset') {
    throw new GlueberryError(ErrorCode.InvalidConfig, `policy must be 'drop' or 'reset', got ${String(policy)}`)
  }
  const onError = options.onError

  return (source) => new Observable<Uint8Array>((subscriber) => {
    // Failed records on this subscription.
    let failures = 0

    /** Reports a failed record, then applies the policy. */
    const fail = (error: GlueberryError): void => {
      failures++
      try {
        onError?.(error, failures)
      } catch (err) {
        subscriber.error(err)
        return
      }
      // 'reset': completing runs the finalizer, which unsubscribes the source.
      if (policy === 'reset') subscriber.complete()
    }

    // A synchronous source (from(), an endless loop) pushes everything before
    // `subscribe` returns, so `sub` cannot stop it: completing this
    // takeUntil can, by closing the subscriber the source pushes to.
    const stop = new Subject<void>()

    /** Opens one record and emits its messages, or reports it as failed. */
    const openRecord = (record: unknown): void => {
      if (!isBytes(record)) {
        fail(new GlueberryError(ErrorCode.MalformedRecord, 'decryptWith takes sealed records as Uint8Array'))
        return
      }
      let messages: Uint8Array[]
      try {
        messages = splitRecordBody(opener.open(record), maxMessageSize)
      } catch (err) {
        if (isGlueberryError(err, ErrorCode.DecryptionFailed) || isGlueberryError(err, ErrorCode.MalformedRecord)) fail(err)
        else subscriber.error(err) // the opener is unusable (closed, exhausted) or something unexpected
        return
      }
      for (const message of messages) {
        if (subscriber.closed) return
        subscriber.next(message)
      }
    }

    const sub = source.pipe(takeUntil(stop)).subscribe({
      next: (record: unknown) => {
        if (!subscriber.closed) openRecord(record)
        // Reset, errored or unsubscribed meanwhile: open nothing more, stop the source.
        if (subscriber.closed) stop.next()
      },
      // forward errors and completions to the consumer
      error: (err: unknown) => { subscriber.error(err) },
      complete: () => { subscriber.complete() }
    })
    return () => { sub.unsubscribe() }
  })
}

import { Observable, Subject, takeUntil } from 'rxjs'
import type { OperatorFunction } from 'rxjs'
import type { RecordSealer } from '../lib/crypto/record-cipher.js'
import { isBytes } from '../lib/wire/bytes.js'
import { encodeRecordBody } from '../lib/wire/record.js'
import { AEAD_TAG_LENGTH } from '../lib/wire/batching.js'
import { MAX_LENGTH, varintLength, writeVarint } from '../lib/wire/varint.js'
import { ErrorCode, GlueberryError } from '../lib/errors.js'

/**
 * Seals each message, or each batch of messages, into one record and emits it
 * as one wire frame.
 *
 * <span class="informal">A `map` from plaintext to `varint(length) ||
 * ciphertext || tag`, with the record counter of the sealer.</span>
 *
 * ```text
 * source:   --a----[b,c]----d----|
 * encryptWith(sealer)
 * result:   --A----B--------D----|      A = frame(seal(body(a))), B holds b and c
 * ```
 *
 * Each input is one message (a `Uint8Array`) or a batch (an array of them,
 * at least one) that travels as ONE record: the input is encoded as a record
 * body (`encodeRecordBody`), sealed with the next counter value of `sealer`,
 * and emitted as a single `Uint8Array` holding the frame's varint length
 * prefix, the ciphertext and the tag. Records are sealed in input order, so
 * the receiving {@link RecordOpener} opens them in the same order.
 *
 * Errors: a failure to encode (MalformedRecord for an empty batch or a
 * non-byte element, MessageTooLarge, FrameTooLarge) or to seal (NonceExhausted past the end
 * of the counter space, SessionClosed after the sealer was destroyed) errors
 * the output with that {@link GlueberryError}, and the source is unsubscribed.
 * Source errors and completion pass through unchanged.
 *
 * Ownership: the caller owns `sealer`. This operator never destroys it, not
 * on completion, error or unsubscription; call `sealer.destroy()` yourself
 * when the direction is done. One sealer must feed exactly one ordered
 * stream: subscribing twice to the result seals both subscriptions' records
 * with the same counter sequence, interleaved.
 *
 * ## Example
 * ```ts
 * const sealer = new RecordSealer(keys.sendKey)
 * outgoing$.pipe(encryptWith(sealer)).subscribe({
 *   next: frame => stream.send(frame),
 *   complete: () => sealer.destroy()
 * })
 * ```
 *
 * @see {@link decryptWith}
 * @param sealer The sealer of this outbound direction; not destroyed here.
 * @return An operator emitting one wire frame per input.
 */
export function encryptWith (sealer: RecordSealer): OperatorFunction<Uint8Array | readonly Uint8Array[], Uint8Array> {
  return (source) => new Observable<Uint8Array>((subscriber) => {
    // A synchronous source (from(), an endless loop) pushes everything before
    // `subscribe` returns, so `sub` cannot stop it: completing this
    // takeUntil can, by closing the subscriber the source pushes to.
    const stop = new Subject<void>()
    const sub = source.pipe(takeUntil(stop)).subscribe({
      next: (input) => {
        if (!subscriber.closed) {
          let frame: Uint8Array | undefined
          try {
            frame = sealFrame(sealer, input)
          } catch (err) {
            subscriber.error(err)
          }
          if (frame !== undefined) subscriber.next(frame)
        }
        // Errored or unsubscribed meanwhile: seal nothing more, stop the source.
        if (subscriber.closed) stop.next()
      },
      // forward errors and completions to the consumer
      error: (err: unknown) => { subscriber.error(err) },
      complete: () => { subscriber.complete() }
    })
    return () => { sub.unsubscribe() }
  })
}

/** Encodes, seals and frames one input, in one allocation for the frame. */
function sealFrame (sealer: RecordSealer, input: Uint8Array | readonly Uint8Array[]): Uint8Array {
  let messages: readonly Uint8Array[]
  if (isBytes(input)) messages = [input]
  else if (Array.isArray(input)) messages = input
  else throw new GlueberryError(ErrorCode.MalformedRecord, 'encryptWith takes a Uint8Array or an array of them')
  const body = encodeRecordBody(messages)
  // Checked before sealing, so a frame that cannot be sent costs no counter value.
  if (body.byteLength + AEAD_TAG_LENGTH > MAX_LENGTH) {
    throw new GlueberryError(ErrorCode.FrameTooLarge, `sealed record of ${body.byteLength + AEAD_TAG_LENGTH} bytes is above ${MAX_LENGTH}`)
  }
  const { ciphertext, tag } = sealer.seal(body)
  const length = ciphertext.byteLength + tag.byteLength
  const frame = new Uint8Array(varintLength(length) + length)
  const offset = writeVarint(length, frame, 0)
  frame.set(ciphertext, offset)
  frame.set(tag, offset + ciphertext.byteLength)
  return frame
}

/**
 * Message framing for the raw contenders (TCP and libp2p): each message is
 * one pre-framed buffer (varint length, then payload) written with one call,
 * and the receiver splits the byte stream back into messages.
 *
 * The splitter is our own, not @libp2p/utils' `LengthPrefixedDecoder` (which
 * notes/libp2p-v3.md §3 used). That decoder finds the end of its input by
 * letting the varint reader throw a RangeError, once per `decode()` call.
 * yamux hands over one 'message' event per frame, and a raw sender makes one
 * frame per message, so on raw libp2p that is one exception per message:
 * measured here at about 10 us per 64 B message, a third of libp2p's whole
 * per-message cost. It would make the raw baseline look slower than libp2p is
 * (and glueberry, which has its own decoder, look better by comparison).
 *
 * @module
 */
import type { Uint8ArrayList } from 'uint8arraylist'
import { encodingLength, encodeUint8Array } from 'uint8-varint'
import { BENCH_MAX_MESSAGE } from '../nodes.js'

/** A payload of `size` bytes; not all zeros, so nothing along the way can shortcut it. */
export function payloadOf (size: number): Uint8Array {
  const payload = new Uint8Array(size)
  for (let i = 0; i < size; i++) payload[i] = i & 0xff
  return payload
}

/** Varint length + payload in one buffer. */
export function frame (payload: Uint8Array): Uint8Array {
  const prefix = encodingLength(payload.byteLength)
  const out = new Uint8Array(prefix + payload.byteLength)
  encodeUint8Array(payload.byteLength, out, 0)
  out.set(payload, prefix)
  return out
}

/** Framed payloads by size, built once: the send loop writes the same buffer again and again (nothing mutates it). */
export class FrameCache {
  private readonly frames = new Map<number, Uint8Array>()

  get (size: number): Uint8Array {
    let framed = this.frames.get(size)
    if (framed === undefined) {
      framed = frame(payloadOf(size))
      this.frames.set(size, framed)
    }
    return framed
  }
}

/**
 * Gets each message as it completes: its payload length and, when the
 * splitter keeps bytes, its payload in pieces as they arrived (valid only
 * during the call: the array is reused).
 */
export type OnMessage = (length: number, pieces: readonly Uint8Array[]) => void

export interface SplitterOptions {
  /** A sink only counts: no piece is sliced or kept. Default true. */
  keepBytes?: boolean
  /** A corrupt stream (length prefix too long, or above BENCH_MAX_MESSAGE); later chunks are ignored. */
  onError: (err: Error) => void
}

/**
 * Splits arbitrarily chunked bytes into varint-prefixed messages. Never
 * throws: it runs inside socket and stream event handlers, where a throw
 * would take the process down instead of failing the run.
 */
export function messageSplitter (onMessage: OnMessage, options: SplitterOptions): (chunk: Uint8Array | Uint8ArrayList) => void {
  const keepBytes = options.keepBytes ?? true
  let failed = false
  /** Payload bytes still to come for the current message; -1 while reading its length. */
  let remaining = -1
  let length = 0
  let shift = 0
  const pieces: Uint8Array[] = []

  const complete = (): void => {
    onMessage(length, pieces)
    pieces.length = 0
    remaining = -1
    length = 0
    shift = 0
  }

  const push = (buf: Uint8Array): void => {
    let i = 0
    while (i < buf.byteLength) {
      if (remaining < 0) {
        const byte = buf[i++]
        length += (byte & 0x7f) * 2 ** shift
        shift += 7
        if ((byte & 0x80) !== 0) {
          if (shift > 35) throw new Error('message length prefix too long')
          continue
        }
        if (length > BENCH_MAX_MESSAGE) throw new Error(`message of ${length} bytes is above the bench limit`)
        remaining = length
        if (remaining === 0) complete()
        continue
      }
      const take = Math.min(remaining, buf.byteLength - i)
      if (keepBytes) pieces.push(buf.subarray(i, i + take))
      i += take
      remaining -= take
      if (remaining === 0) complete()
    }
  }

  return (chunk) => {
    if (failed) return
    try {
      if (chunk instanceof Uint8Array) push(chunk)
      else for (const buf of chunk) push(buf)
    } catch (err) {
      failed = true
      options.onError(err instanceof Error ? err : new Error(String(err)))
    }
  }
}

/** One piece as is, several joined. */
export function joinPieces (pieces: readonly Uint8Array[], length: number): Uint8Array {
  if (pieces.length === 1) return pieces[0]
  const out = new Uint8Array(length)
  let at = 0
  for (const piece of pieces) {
    out.set(piece, at)
    at += piece.byteLength
  }
  return out
}

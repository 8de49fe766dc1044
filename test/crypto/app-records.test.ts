/**
 * Records an application carries itself: createRecordSealer /
 * createRecordOpener from the public entry, with encryptWith / decryptWith
 * from the operators entry, the way docs and the README show them. (The
 * pack-and-install test runs the same round trip against the installed
 * tarball.)
 */
import { randomBytes } from 'node:crypto'
import { firstValueFrom, from, mergeMap, toArray } from 'rxjs'
import { ErrorCode, FrameDecoder, GlueberryError, createRecordOpener, createRecordSealer, maxRecordFrameLength } from '../../lib/index.js'
import type { RecordOpener, RecordSealer } from '../../lib/index.js'
import { DEFAULT_DECRYPT_MAX_MESSAGE_SIZE, decryptWith, encryptWith } from '../../operators/index.js'

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

/** Seals `messages` (one record each) into one byte string, as a file would hold them. */
async function sealAll (sealer: RecordSealer, messages: Array<Uint8Array | Uint8Array[]>): Promise<Uint8Array> {
  const frames = await firstValueFrom(from(messages).pipe(encryptWith(sealer), toArray()))
  return Buffer.concat(frames)
}

/** Reads a byte string back in chunks of `chunk` bytes; returns the messages and the failures. */
async function openAll (opener: RecordOpener, stored: Uint8Array, chunk = 7): Promise<{ messages: string[], failures: string[] }> {
  const failures: string[] = []
  const decoder = new FrameDecoder(maxRecordFrameLength(DEFAULT_DECRYPT_MAX_MESSAGE_SIZE))
  const chunks: Uint8Array[] = []
  for (let i = 0; i < stored.byteLength; i += chunk) chunks.push(stored.subarray(i, i + chunk))
  const out = await firstValueFrom(from(chunks).pipe(
    mergeMap(c => decoder.push(c)),
    decryptWith(opener, { onError: (err) => { failures.push(err.code) } }),
    toArray()
  ))
  decoder.finish()
  return { messages: out.map(text), failures }
}

describe('createRecordSealer / createRecordOpener', () => {
  it('round-trips records carried by the application, in chunks of any size', async () => {
    const secret = randomBytes(32)
    const copy = Uint8Array.from(secret)
    const sealer = createRecordSealer(secret, { context: 'audit-log' })
    const stored = await sealAll(sealer, [bytes('one'), [bytes('two'), bytes('three')], bytes('')])
    sealer.destroy()
    // The secret is the caller's: neither taken over nor zeroed.
    expect(Uint8Array.from(secret)).toEqual(copy)
    // Nothing of the plaintext is visible in what is stored.
    expect(Buffer.from(stored).includes('three')).toBe(false)

    const opener = createRecordOpener(secret, { context: 'audit-log', crypto: 'noble' })
    expect(await openAll(opener, stored)).toEqual({ messages: ['one', 'two', 'three', ''], failures: [] })
    opener.destroy()
  })

  it('does not open a record of another context or another secret', async () => {
    const secret = randomBytes(32)
    const stored = await sealAll(createRecordSealer(secret, { context: 'alice->bob' }), [bytes('hi')])
    expect(await openAll(createRecordOpener(secret, { context: 'bob->alice' }), stored))
      .toEqual({ messages: [], failures: [ErrorCode.DecryptionFailed] })
    expect(await openAll(createRecordOpener(randomBytes(32), { context: 'alice->bob' }), stored))
      .toEqual({ messages: [], failures: [ErrorCode.DecryptionFailed] })
  })

  it('reports a tampered record and still opens the records after it', async () => {
    const secret = randomBytes(32)
    const sealer = createRecordSealer(secret)
    const frames = await firstValueFrom(from([bytes('a'), bytes('b'), bytes('c')]).pipe(encryptWith(sealer), toArray()))
    frames[1][frames[1].byteLength - 1] ^= 1
    expect(await openAll(createRecordOpener(secret), Buffer.concat(frames)))
      .toEqual({ messages: ['a', 'c'], failures: [ErrorCode.DecryptionFailed] })
  })

  it('refuses a secret that is not 32 bytes, and a bad option, with typed errors', () => {
    const attempts: Array<[() => unknown, ErrorCode]> = [
      [() => createRecordSealer(new Uint8Array(16)), ErrorCode.InvalidKey],
      [() => createRecordOpener('0'.repeat(32) as unknown as Uint8Array), ErrorCode.InvalidKey],
      [() => createRecordSealer(new Uint8Array(32), { crypto: 'wasm' as unknown as 'node' }), ErrorCode.InvalidConfig],
      [() => createRecordOpener(new Uint8Array(32), { context: 7 as unknown as string }), ErrorCode.InvalidConfig]
    ]
    for (const [attempt, code] of attempts) {
      let thrown: unknown
      try { attempt() } catch (err) { thrown = err }
      expect(thrown).toBeInstanceOf(GlueberryError)
      expect((thrown as GlueberryError).code).toBe(code)
    }
  })
})

import { ErrorCode } from '../../lib/errors.js'
import { createIdentity, createPeerKeys, nobleBackend, nodeBackend } from '../../lib/crypto/index.js'
import type { CryptoBackend, Identity } from '../../lib/crypto/index.js'
import { BACKENDS, expectCode, joinSealed, sequence } from './helpers.js'

const PROTOCOL = '/glueberry/stream/blocks/2.0.0'
const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const read = (b: Uint8Array): string => new TextDecoder().decode(b)
const POS = { incarnation: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), seq: 7, maxMessageSize: 1024 }
const ANSWER = { incarnation: Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9), seq: 5, maxMessageSize: 2048 }
const answerWith = (): typeof ANSWER => ANSWER

async function pair (backendA: CryptoBackend, backendB: CryptoBackend): Promise<{ a: Identity, b: Identity }> {
  return { a: await createIdentity(sequence(0, 32), backendA), b: await createIdentity(sequence(32, 32), backendB) }
}

describe.each([
  ['node', nodeBackend, nodeBackend],
  ['noble', nobleBackend, nobleBackend],
  ['node opener, noble responder', nodeBackend, nobleBackend]
] as const)('createPeerKeys (%s)', (_name, backendA, backendB) => {
  it('opens a stream: headers out and back, then records from opener to responder', async () => {
    const { a, b } = await pair(backendA, backendB)
    const atA = createPeerKeys(backendA, a, b.peerIdString, b.edPublicKey)
    const atB = createPeerKeys(backendB, b, a.peerIdString, a.edPublicKey)
    const opening = atA.opener({ protocolId: PROTOCOL, peer: b.peerIdString }, POS)
    expect(opening.header.byteLength).toBe(85)
    expect(opening.header[0]).toBe(3)
    let seen: unknown
    const response = atB.responder({ protocolId: PROTOCOL, peer: a.peerIdString }, opening.header, (remote) => { seen = remote; return ANSWER })
    expect(seen).toEqual(POS)
    expect(response.remote).toEqual(POS)
    const { sealer, acks, remote } = opening.complete(response.header)
    expect(remote).toEqual(ANSWER)
    for (const message of ['one', 'two', 'three']) {
      expect(read(response.opener.open(joinSealed(sealer.seal(text(message)))))).toBe(message)
    }
    // The reverse direction carries acknowledgements under the other key.
    expect(read(acks.open(joinSealed(response.acks.seal(text('ack')))))).toBe('ack')
    expectCode(() => response.opener.open(joinSealed(response.acks.seal(text('x')))), ErrorCode.DecryptionFailed)
    atA.destroy()
    atB.destroy()
  })

  it('gives every stream opening its own keys, bound to the protocol id', async () => {
    const { a, b } = await pair(backendA, backendB)
    const atA = createPeerKeys(backendA, a, b.peerIdString, b.edPublicKey)
    const atB = createPeerKeys(backendB, b, a.peerIdString, a.edPublicKey)
    const opening = atA.opener({ protocolId: PROTOCOL, peer: b.peerIdString }, POS)
    const wrong = atB.responder({ protocolId: '/glueberry/stream/votes/2.0.0', peer: a.peerIdString }, opening.header, answerWith)
    const { sealer } = opening.complete(wrong.header)
    expectCode(() => wrong.opener.open(joinSealed(sealer.seal(text('x')))), ErrorCode.DecryptionFailed)
    const first = atA.opener({ protocolId: PROTOCOL, peer: b.peerIdString }, POS)
    const second = atA.opener({ protocolId: PROTOCOL, peer: b.peerIdString }, POS)
    expect(Buffer.from(first.header).equals(Buffer.from(second.header))).toBe(false)
  })
})

describe.each(BACKENDS)('createPeerKeys failures (%s)', (_name, backend) => {
  it('refuses a public key that does not belong to the peer id', async () => {
    const { a, b } = await pair(backend, backend)
    expectCode(() => createPeerKeys(backend, a, b.peerIdString, a.edPublicKey), ErrorCode.PublicKeyMismatch)
    expectCode(() => createPeerKeys(backend, a, b.peerIdString, b.edPublicKey.subarray(1)), ErrorCode.InvalidKey)
    expectCode(() => createPeerKeys(backend, a, 'nonsense', b.edPublicKey), ErrorCode.InvalidPeerId)
  })

  it('rejects malformed, wrong-version and low-order headers with typed errors', async () => {
    const { a, b } = await pair(backend, backend)
    const atB = createPeerKeys(backend, b, a.peerIdString, a.edPublicKey)
    const ctx = { protocolId: PROTOCOL, peer: a.peerIdString }
    const short = new Uint8Array(84)
    short[0] = 3
    expectCode(() => atB.responder(ctx, short, answerWith), ErrorCode.InvalidHeader)
    const v2 = new Uint8Array(65)
    v2[0] = 2
    expectCode(() => atB.responder(ctx, v2, answerWith), ErrorCode.UnsupportedVersion)
    const lowOrder = new Uint8Array(85) // version 3, zero salt, ephemeral key u = 0
    lowOrder[0] = 3
    expectCode(() => atB.responder(ctx, lowOrder, answerWith), ErrorCode.LowOrderPoint)

    const atA = createPeerKeys(backend, a, b.peerIdString, b.edPublicKey)
    const opening = atA.opener({ protocolId: PROTOCOL, peer: b.peerIdString }, POS)
    expectCode(() => opening.complete(lowOrder), ErrorCode.LowOrderPoint)
  })

  it('completes an opening once, and not after destroy', async () => {
    const { a, b } = await pair(backend, backend)
    const atA = createPeerKeys(backend, a, b.peerIdString, b.edPublicKey)
    const atB = createPeerKeys(backend, b, a.peerIdString, a.edPublicKey)
    const ctxA = { protocolId: PROTOCOL, peer: b.peerIdString }
    const ctxB = { protocolId: PROTOCOL, peer: a.peerIdString }
    const once = atA.opener(ctxA, POS)
    const answer = atB.responder(ctxB, once.header, answerWith)
    once.complete(answer.header)
    expectCode(() => once.complete(answer.header), ErrorCode.SessionClosed)
    const abandoned = atA.opener(ctxA, POS)
    abandoned.destroy()
    expectCode(() => abandoned.complete(answer.header), ErrorCode.SessionClosed)
    const pending = atA.opener(ctxA, POS)
    atA.destroy()
    expectCode(() => pending.complete(atB.responder(ctxB, pending.header, answerWith).header), ErrorCode.SessionClosed)
    expectCode(() => atA.opener(ctxA, POS), ErrorCode.SessionClosed)
    expectCode(() => atA.responder(ctxA, once.header, answerWith), ErrorCode.SessionClosed)
  })

  it('refuses a stream context for another peer', async () => {
    const { a, b } = await pair(backend, backend)
    const atA = createPeerKeys(backend, a, b.peerIdString, b.edPublicKey)
    expectCode(() => atA.opener({ protocolId: PROTOCOL, peer: a.peerIdString }, POS), ErrorCode.InvalidPeerId)
  })
})

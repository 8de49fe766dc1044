import { ErrorCode } from '../../lib/errors.js'
import { createIdentity, createPeerKeys, nobleBackend, nodeBackend } from '../../lib/crypto/index.js'
import type { CryptoBackend, Identity } from '../../lib/crypto/index.js'
import { BACKENDS, expectCode, joinSealed, sequence } from './helpers.js'

const PROTOCOL = '/glueberry/stream/blocks/2.0.0'
const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const read = (b: Uint8Array): string => new TextDecoder().decode(b)

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
    const opening = atA.opener({ protocolId: PROTOCOL, peer: b.peerIdString })
    expect(opening.header.byteLength).toBe(65)
    expect(opening.header[0]).toBe(2)
    const answer = atB.responder({ protocolId: PROTOCOL, peer: a.peerIdString }, opening.header)
    const sealer = opening.complete(answer.header)
    for (const message of ['one', 'two', 'three']) {
      expect(read(answer.opener.open(joinSealed(sealer.seal(text(message)))))).toBe(message)
    }
    atA.destroy()
    atB.destroy()
  })

  it('gives every stream opening its own keys, bound to the protocol id', async () => {
    const { a, b } = await pair(backendA, backendB)
    const atA = createPeerKeys(backendA, a, b.peerIdString, b.edPublicKey)
    const atB = createPeerKeys(backendB, b, a.peerIdString, a.edPublicKey)
    const opening = atA.opener({ protocolId: PROTOCOL, peer: b.peerIdString })
    const wrong = atB.responder({ protocolId: '/glueberry/stream/votes/2.0.0', peer: a.peerIdString }, opening.header)
    const sealer = opening.complete(wrong.header)
    expectCode(() => wrong.opener.open(joinSealed(sealer.seal(text('x')))), ErrorCode.DecryptionFailed)
    const first = atA.opener({ protocolId: PROTOCOL, peer: b.peerIdString })
    const second = atA.opener({ protocolId: PROTOCOL, peer: b.peerIdString })
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
    expectCode(() => atB.responder(ctx, new Uint8Array(64)), ErrorCode.InvalidHeader)
    const v3 = new Uint8Array(65)
    v3[0] = 3
    expectCode(() => atB.responder(ctx, v3), ErrorCode.UnsupportedVersion)
    const lowOrder = new Uint8Array(65) // version 2, zero salt, ephemeral key u = 0
    lowOrder[0] = 2
    expectCode(() => atB.responder(ctx, lowOrder), ErrorCode.LowOrderPoint)

    const atA = createPeerKeys(backend, a, b.peerIdString, b.edPublicKey)
    const opening = atA.opener({ protocolId: PROTOCOL, peer: b.peerIdString })
    expectCode(() => opening.complete(lowOrder), ErrorCode.LowOrderPoint)
  })

  it('completes an opening once, and not after destroy', async () => {
    const { a, b } = await pair(backend, backend)
    const atA = createPeerKeys(backend, a, b.peerIdString, b.edPublicKey)
    const atB = createPeerKeys(backend, b, a.peerIdString, a.edPublicKey)
    const ctxA = { protocolId: PROTOCOL, peer: b.peerIdString }
    const ctxB = { protocolId: PROTOCOL, peer: a.peerIdString }
    const once = atA.opener(ctxA)
    const answer = atB.responder(ctxB, once.header)
    once.complete(answer.header)
    expectCode(() => once.complete(answer.header), ErrorCode.SessionClosed)
    const abandoned = atA.opener(ctxA)
    abandoned.destroy()
    expectCode(() => abandoned.complete(answer.header), ErrorCode.SessionClosed)
    const pending = atA.opener(ctxA)
    atA.destroy()
    expectCode(() => pending.complete(atB.responder(ctxB, pending.header).header), ErrorCode.SessionClosed)
    expectCode(() => atA.opener(ctxA), ErrorCode.SessionClosed)
    expectCode(() => atA.responder(ctxA, once.header), ErrorCode.SessionClosed)
  })

  it('refuses a stream context for another peer', async () => {
    const { a, b } = await pair(backend, backend)
    const atA = createPeerKeys(backend, a, b.peerIdString, b.edPublicKey)
    expectCode(() => atA.opener({ protocolId: PROTOCOL, peer: a.peerIdString }), ErrorCode.InvalidPeerId)
  })
})

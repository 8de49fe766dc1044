import fc from 'fast-check'
import { generateKeyPair, generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ed25519 } from '@noble/curves/ed25519.js'
import { ErrorCode } from '../../lib/errors.js'
import {
  assertPublicKeyMatchesPeerId,
  createIdentity,
  peerIdBytes,
  peerIdFromEd25519PublicKey,
  publicKeyMatchesPeerId,
  x25519PrivateFromEd25519Seed,
  x25519PublicFromEd25519
} from '../../lib/crypto/index.js'
import { BACKENDS, expectCode, expectCodeAsync, fromHex, hex, sequence } from './helpers.js'

/** reference/glueberry-go-behaviour.md §3.6 (Python `cryptography`, re-checked with node:crypto). */
const REFERENCE = {
  seedA: sequence(0, 32),
  edPubA: '03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8',
  seedB: sequence(32, 32),
  edPubB: '29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7',
  xPrivA: '3894eea49c580aef816935762be049559d6d1440dede12e6a125f1841fff8e6f',
  xPubA: '4701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01',
  xPrivB: '887af58a36202e05c4c1cfec5bf6c61fad66bca851536004074b31f1b56e4a49',
  xPubB: '5730800ab340fcb18ce5111eda9d705f91388b41e4544cbd103ba5942db2233e',
  shared: 'f6f92efb32945aff683324a1c984c5001f46aaea513f3453138d740b3a604b7d',
  v1Key: '72d98e1bbf47da18903d4ebaa7cd2ff6ac87ad8b6043cb597339a7b99bc616e3',
  v1Nonce: '000102030405060708090a0b',
  v1Payload: '000102030405060708090a0b95db0ae836506351e225f982002ff78788cf4bd86f'
}

/** The eight small-order points of edwards25519 (canonical encodings). */
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000', // identity
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4
  '0000000000000000000000000000000000000000000000000000000000000080', // order 4
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85' // order 8
]

/** A 32-byte string that is not the encoding of any point (no x for this y). */
function nonPoint (): Uint8Array {
  for (let y = 2; y < 256; y++) {
    const bytes = new Uint8Array(32)
    bytes[0] = y
    try {
      ed25519.Point.fromBytes(bytes)
    } catch {
      return bytes
    }
  }
  throw new Error('no non-point found')
}

describe('reference vectors (§3.6)', () => {
  it.each(BACKENDS)('derive the Ed25519 and X25519 keys and the shared secret (%s)', async (_name, backend) => {
    const a = await createIdentity(REFERENCE.seedA, backend)
    const b = await createIdentity(REFERENCE.seedB, backend)
    expect(hex(a.edPublicKey)).toBe(REFERENCE.edPubA)
    expect(hex(b.edPublicKey)).toBe(REFERENCE.edPubB)
    expect(hex(ed25519.getPublicKey(REFERENCE.seedA))).toBe(REFERENCE.edPubA)
    expect(hex(a.xPrivateKey)).toBe(REFERENCE.xPrivA)
    expect(hex(b.xPrivateKey)).toBe(REFERENCE.xPrivB)
    expect(hex(a.xPublicKey)).toBe(REFERENCE.xPubA)
    expect(hex(b.xPublicKey)).toBe(REFERENCE.xPubB)
    expect(hex(x25519PublicFromEd25519(fromHex(REFERENCE.edPubA)))).toBe(REFERENCE.xPubA)
    expect(hex(backend.x25519PublicKey(a.xPrivateKey))).toBe(REFERENCE.xPubA)
    expect(hex(backend.x25519(a.xPrivateKey, b.xPublicKey))).toBe(REFERENCE.shared)
    expect(hex(backend.x25519(b.xPrivateKey, a.xPublicKey))).toBe(REFERENCE.shared)
  })

  it.each(BACKENDS)('reproduce the v1 HKDF key and sealed payload (%s)', (_name, backend) => {
    const key = backend.hkdfSha256(fromHex(REFERENCE.shared), new Uint8Array(0), new TextEncoder().encode('glueberry-v1-stream-key'), 32)
    expect(hex(key)).toBe(REFERENCE.v1Key)
    const sealed = backend.seal(key, fromHex(REFERENCE.v1Nonce), new TextEncoder().encode('hello'))
    expect(REFERENCE.v1Nonce + hex(sealed.ciphertext) + hex(sealed.tag)).toBe(REFERENCE.v1Payload)
  })
})

describe('createIdentity', () => {
  it('generates a fresh Ed25519 identity when no key is given', async () => {
    const a = await createIdentity()
    const b = await createIdentity()
    expect(a.peerIdString).toMatch(/^12D3KooW/)
    expect(a.peerId.toString()).toBe(a.peerIdString)
    expect(a.peerIdString).not.toBe(b.peerIdString)
    expect(a.privateKey.type).toBe('Ed25519')
    expect(hex(a.edPublicKey)).toBe(hex(a.privateKey.publicKey.raw))
  })

  it('accepts a libp2p Ed25519 PrivateKey and gives the same identity as its seed', async () => {
    const key = await generateKeyPairFromSeed('Ed25519', REFERENCE.seedA)
    const fromKey = await createIdentity(key)
    const fromSeed = await createIdentity(REFERENCE.seedA)
    expect(fromKey.privateKey).toBe(key)
    expect(fromKey.peerIdString).toBe(fromSeed.peerIdString)
    expect(fromKey.peerIdString).toBe(peerIdFromPrivateKey(key).toString())
    expect(hex(fromKey.xPrivateKey)).toBe(hex(fromSeed.xPrivateKey))
  })

  it('rejects non-Ed25519 keys, bad seeds and other values with InvalidKey', async () => {
    await expectCodeAsync(createIdentity(await generateKeyPair('secp256k1')), ErrorCode.InvalidKey)
    await expectCodeAsync(createIdentity(new Uint8Array(31)), ErrorCode.InvalidKey)
    await expectCodeAsync(createIdentity(new Uint8Array(64)), ErrorCode.InvalidKey)
    await expectCodeAsync(createIdentity('seed' as unknown as Uint8Array), ErrorCode.InvalidKey)
  })

  it('rejects a key object whose public half belongs to another seed', async () => {
    const a = await generateKeyPairFromSeed('Ed25519', REFERENCE.seedA)
    const b = await generateKeyPairFromSeed('Ed25519', REFERENCE.seedB)
    const forged = { ...a, type: 'Ed25519' as const, raw: a.raw, publicKey: b.publicKey, equals: a.equals.bind(a), sign: a.sign.bind(a) }
    await expectCodeAsync(createIdentity(forged), ErrorCode.InvalidKey)
  })

  it('destroy() zeroes the derived X25519 private key', async () => {
    const identity = await createIdentity(REFERENCE.seedA)
    identity.destroy()
    expect(identity.xPrivateKey.every((b) => b === 0)).toBe(true)
    identity.destroy()
  })
})

describe('Ed25519 -> X25519', () => {
  it.each(BACKENDS)('private conversion equals noble toMontgomerySecret and matches the public conversion (%s)', (_name, backend) => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
      const xPriv = x25519PrivateFromEd25519Seed(seed, backend)
      expect(hex(xPriv)).toBe(hex(ed25519.utils.toMontgomerySecret(seed)))
      const xPub = x25519PublicFromEd25519(ed25519.getPublicKey(seed))
      expect(hex(xPub)).toBe(hex(ed25519.utils.toMontgomery(ed25519.getPublicKey(seed))))
      expect(hex(backend.x25519PublicKey(xPriv))).toBe(hex(xPub))
    }), { numRuns: backend.name === 'noble' ? 15 : 40 })
  })

  it('rejects keys of the wrong length with InvalidKey', () => {
    for (const length of [0, 31, 33, 64]) {
      expectCode(() => x25519PublicFromEd25519(new Uint8Array(length)), ErrorCode.InvalidKey)
      expectCode(() => x25519PrivateFromEd25519Seed(new Uint8Array(length)), ErrorCode.InvalidKey)
    }
  })

  it('rejects bytes that are not a curve point with InvalidKey', () => {
    expectCode(() => x25519PublicFromEd25519(nonPoint()), ErrorCode.InvalidKey)
  })

  it('rejects non-canonical encodings (y >= p) with InvalidKey', () => {
    // y = p + 1 would be the identity if reduced; strict decoding refuses it.
    const yPlus = fromHex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')
    expectCode(() => x25519PublicFromEd25519(yPlus), ErrorCode.InvalidKey)
  })

  it('rejects all eight small-order points with LowOrderPoint', () => {
    expect(new Set(SMALL_ORDER).size).toBe(8)
    for (const encoding of SMALL_ORDER) {
      // The list itself is checked: each is a point, and a small-order one.
      expect(ed25519.Point.fromHex(encoding).isSmallOrder()).toBe(true)
      expectCode(() => x25519PublicFromEd25519(fromHex(encoding)), ErrorCode.LowOrderPoint)
    }
  })

  it.each(BACKENDS)('accepts mixed-order points: clamping removes the torsion part (%s)', (_name, backend) => {
    const seed = sequence(7, 32)
    const prime = ed25519.Point.fromBytes(ed25519.getPublicKey(seed))
    const torsion = ed25519.Point.fromHex(SMALL_ORDER[4])
    const mixed = prime.add(torsion).toBytes()
    expect(ed25519.Point.fromBytes(mixed).isTorsionFree()).toBe(false)
    const xMixed = x25519PublicFromEd25519(mixed)
    expect(hex(xMixed)).toBe(hex(ed25519.utils.toMontgomery(mixed)))
    const local = x25519PrivateFromEd25519Seed(sequence(100, 32), backend)
    expect(hex(backend.x25519(local, xMixed))).toBe(hex(backend.x25519(local, x25519PublicFromEd25519(prime.toBytes()))))
  })
})

describe('public key <-> peer id', () => {
  it('matches a key to its own peer id, as a string or a PeerId', async () => {
    const a = await createIdentity(REFERENCE.seedA)
    expect(publicKeyMatchesPeerId(a.edPublicKey, a.peerIdString)).toBe(true)
    expect(publicKeyMatchesPeerId(a.edPublicKey, a.peerId)).toBe(true)
    expect(() => { assertPublicKeyMatchesPeerId(a.edPublicKey, a.peerIdString) }).not.toThrow()
    expect(peerIdFromEd25519PublicKey(a.edPublicKey).toString()).toBe(a.peerIdString)
    expect(hex(peerIdBytes(a.peerIdString))).toBe(hex(a.peerId.toMultihash().bytes))
  })

  it('reports another peer’s key as PublicKeyMismatch', async () => {
    const a = await createIdentity(REFERENCE.seedA)
    const b = await createIdentity(REFERENCE.seedB)
    expect(publicKeyMatchesPeerId(b.edPublicKey, a.peerIdString)).toBe(false)
    const err = expectCode(() => { assertPublicKeyMatchesPeerId(b.edPublicKey, a.peerIdString) }, ErrorCode.PublicKeyMismatch)
    expect(err.peer).toBe(a.peerIdString)
  })

  it('reports wrong lengths and non-Ed25519 peer ids as InvalidKey, garbage ids as InvalidPeerId', async () => {
    const a = await createIdentity(REFERENCE.seedA)
    const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1'))
    expectCode(() => { assertPublicKeyMatchesPeerId(a.edPublicKey.subarray(0, 31), a.peerIdString) }, ErrorCode.InvalidKey)
    expectCode(() => { assertPublicKeyMatchesPeerId(a.edPublicKey, secp) }, ErrorCode.InvalidKey)
    expectCode(() => { assertPublicKeyMatchesPeerId(a.edPublicKey, secp.toString()) }, ErrorCode.InvalidKey)
    expectCode(() => { assertPublicKeyMatchesPeerId(a.edPublicKey, 'not-a-peer-id') }, ErrorCode.InvalidPeerId)
    expect(publicKeyMatchesPeerId(a.edPublicKey.subarray(0, 31), a.peerIdString)).toBe(false)
    expect(publicKeyMatchesPeerId(a.edPublicKey, 'not-a-peer-id')).toBe(false)
    expect(publicKeyMatchesPeerId(a.edPublicKey, secp)).toBe(false)
  })
})

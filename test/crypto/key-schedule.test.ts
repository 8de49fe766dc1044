import fc from 'fast-check'
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { ErrorCode } from '../../lib/errors.js'
import {
  STREAM_KEYS_LABEL,
  createIdentity,
  deriveStreamKeys,
  encodeStreamKeysInfo,
  generateStreamSecrets
} from '../../lib/crypto/index.js'
import type { CryptoBackend, Identity, StreamKeyInput } from '../../lib/crypto/index.js'
import { BACKENDS, expectCode, hex, isZero, sequence } from './helpers.js'

const PROTOCOL = '/glueberry/stream/blocks/2.0.0'

/** Fixed inputs of the golden vector (documented in docs/PROTOCOL.md). */
const FIXED = {
  openerSeed: sequence(0, 32), // identity A of the reference vectors
  responderSeed: sequence(32, 32), // identity B
  openerEphemeralPrivate: sequence(64, 32),
  responderEphemeralPrivate: sequence(96, 32),
  openerSalt: sequence(0xa0, 32),
  responderSalt: sequence(0xc0, 32)
}

/** Key schedule v2 intermediates and output for FIXED (opener A -> responder B). */
const GOLDEN = {
  openerEphemeralPublic: '79a631eede1bf9c98f12032cdeadd0e7a079398fc786b88cc846ec89af85a51a',
  responderEphemeralPublic: '675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f',
  ephemeralShared: 'd6fb939511b2381bc8599b4b8edc5968829450dfd7a87aebe78a703cd04cd54e',
  // = the reference vectors' ECDH shared value of identities A and B
  staticShared: 'f6f92efb32945aff683324a1c984c5001f46aaea513f3453138d740b3a604b7d',
  openerToResponder: '7d6a6e60cb47c433fed4dc6f3cab0ac0af622f1d3b1f38a05cf9d0dd9e9db32e',
  responderToOpener: '53dc29387625d3c2ec9902bf14cc6d05ddd2d0dd722b7e54e771f70b73176914'
}

interface Setup {
  opener: Identity
  responder: Identity
  openerEph: { privateKey: Uint8Array, publicKey: Uint8Array }
  responderEph: { privateKey: Uint8Array, publicKey: Uint8Array }
}

async function fixedSetup (backend: CryptoBackend): Promise<Setup> {
  return {
    opener: await createIdentity(FIXED.openerSeed, backend),
    responder: await createIdentity(FIXED.responderSeed, backend),
    openerEph: { privateKey: FIXED.openerEphemeralPrivate.slice(), publicKey: backend.x25519PublicKey(FIXED.openerEphemeralPrivate) },
    responderEph: { privateKey: FIXED.responderEphemeralPrivate.slice(), publicKey: backend.x25519PublicKey(FIXED.responderEphemeralPrivate) }
  }
}

function inputs (s: Setup, backend: CryptoBackend, side: 'opener' | 'responder', salts = { opener: FIXED.openerSalt, responder: FIXED.responderSalt }): StreamKeyInput {
  const isOpener = side === 'opener'
  const local = isOpener ? s.opener : s.responder
  const remote = isOpener ? s.responder : s.opener
  return {
    backend,
    protocolId: PROTOCOL,
    isOpener,
    localStaticPrivateKey: local.xPrivateKey,
    remoteStaticPublicKey: remote.xPublicKey,
    localEphemeralPrivateKey: (isOpener ? s.openerEph : s.responderEph).privateKey.slice(),
    opener: { peerId: s.opener.peerId, salt: salts.opener, ephemeralPublicKey: s.openerEph.publicKey },
    responder: { peerId: s.responder.peerIdString, salt: salts.responder, ephemeralPublicKey: s.responderEph.publicKey }
  }
}

/** The schedule written out again with noble and Buffer only, as a second implementation. */
function independent (s: Setup): { o2r: string, r2o: string } {
  const field = (bytes: Uint8Array): Buffer => {
    const length = Buffer.alloc(2)
    length.writeUInt16BE(bytes.byteLength)
    return Buffer.concat([length, bytes])
  }
  const info = Buffer.concat([
    Buffer.from('glueberry/2 stream keys', 'ascii'),
    field(Buffer.from(PROTOCOL, 'utf8')),
    field(s.opener.peerId.toMultihash().bytes),
    field(s.responder.peerId.toMultihash().bytes),
    field(s.openerEph.publicKey),
    field(s.responderEph.publicKey)
  ])
  const eph = nobleX25519.getSharedSecret(FIXED.openerEphemeralPrivate, s.responderEph.publicKey)
  const stat = nobleX25519.getSharedSecret(s.opener.xPrivateKey, s.responder.xPublicKey)
  const okm = hkdf(sha256, Buffer.concat([eph, stat]), Buffer.concat([FIXED.openerSalt, FIXED.responderSalt]), info, 64)
  return { o2r: hex(okm.subarray(0, 32)), r2o: hex(okm.subarray(32)) }
}

/** Wraps a backend and remembers every secret it hands out or is given as IKM. */
function spying (backend: CryptoBackend): { backend: CryptoBackend, secrets: Uint8Array[] } {
  const secrets: Uint8Array[] = []
  return {
    secrets,
    backend: {
      ...backend,
      x25519 (priv, pub) {
        const out = backend.x25519(priv, pub)
        secrets.push(out)
        return out
      },
      hkdfSha256 (ikm, salt, info, length) {
        secrets.push(ikm)
        const out = backend.hkdfSha256(ikm, salt, info, length)
        secrets.push(out)
        return out
      }
    }
  }
}

describe('encodeStreamKeysInfo', () => {
  it('is the label followed by five uint16-length-prefixed fields', async () => {
    const a = await createIdentity(FIXED.openerSeed)
    const b = await createIdentity(FIXED.responderSeed)
    const ea = new Uint8Array(32).fill(1)
    const eb = new Uint8Array(32).fill(2)
    const info = encodeStreamKeysInfo('/p', a.peerId, b.peerIdString, ea, eb)
    const idA = a.peerId.toMultihash().bytes
    const idB = b.peerId.toMultihash().bytes
    expect(idA.byteLength).toBe(38)
    const expected = Buffer.concat([
      Buffer.from(STREAM_KEYS_LABEL),
      Buffer.from([0, 2]), Buffer.from('/p'),
      Buffer.from([0, 38]), idA,
      Buffer.from([0, 38]), idB,
      Buffer.from([0, 32]), ea,
      Buffer.from([0, 32]), eb
    ])
    expect(hex(info)).toBe(hex(expected))
    expect(STREAM_KEYS_LABEL).toBe('glueberry/2 stream keys')
    // Peer ids may also be given in binary form.
    expect(hex(encodeStreamKeysInfo('/p', idA, idB, ea, eb))).toBe(hex(info))
  })

  it('rejects an empty protocol id, bad ephemeral keys and oversized fields', async () => {
    const a = await createIdentity(FIXED.openerSeed)
    const e = new Uint8Array(32)
    expectCode(() => encodeStreamKeysInfo('', a.peerId, a.peerId, e, e), ErrorCode.InvalidKey)
    expectCode(() => encodeStreamKeysInfo('/p', a.peerId, a.peerId, e.subarray(1), e), ErrorCode.InvalidKey)
    expectCode(() => encodeStreamKeysInfo('/p', new Uint8Array(70000), a.peerId, e, e), ErrorCode.InvalidKey)
    expectCode(() => encodeStreamKeysInfo('/p', 'garbage', a.peerId, e, e), ErrorCode.InvalidPeerId)
  })
})

describe.each(BACKENDS)('deriveStreamKeys (%s)', (_name, backend) => {
  it('gives both sides crossed keys, equal to an independent implementation and the golden vector', async () => {
    const s = await fixedSetup(backend)
    expect(hex(s.openerEph.publicKey)).toBe(GOLDEN.openerEphemeralPublic)
    expect(hex(s.responderEph.publicKey)).toBe(GOLDEN.responderEphemeralPublic)
    expect(hex(backend.x25519(FIXED.openerEphemeralPrivate, s.responderEph.publicKey))).toBe(GOLDEN.ephemeralShared)
    expect(hex(backend.x25519(s.opener.xPrivateKey, s.responder.xPublicKey))).toBe(GOLDEN.staticShared)
    const opener = deriveStreamKeys(inputs(s, backend, 'opener'))
    const responder = deriveStreamKeys(inputs(s, backend, 'responder'))
    expect(hex(opener.sendKey)).toBe(hex(responder.receiveKey))
    expect(hex(opener.receiveKey)).toBe(hex(responder.sendKey))
    expect(hex(opener.sendKey)).not.toBe(hex(opener.receiveKey))
    const reference = independent(s)
    expect(hex(opener.sendKey)).toBe(reference.o2r)
    expect(hex(opener.receiveKey)).toBe(reference.r2o)
    expect(hex(opener.sendKey)).toBe(GOLDEN.openerToResponder)
    expect(hex(opener.receiveKey)).toBe(GOLDEN.responderToOpener)
  })

  it('accepts a precomputed static secret with the same result', async () => {
    const s = await fixedSetup(backend)
    const full = deriveStreamKeys(inputs(s, backend, 'opener'))
    const staticSecret = backend.x25519(s.opener.xPrivateKey, s.responder.xPublicKey)
    const { localStaticPrivateKey: _l, remoteStaticPublicKey: _r, ...rest } = inputs(s, backend, 'opener')
    const cached = deriveStreamKeys({ ...rest, staticSharedSecret: staticSecret })
    expect(hex(cached.sendKey)).toBe(hex(full.sendKey))
    // The caller's static secret is the caller's to zero.
    expect(isZero(staticSecret)).toBe(false)
    expectCode(() => deriveStreamKeys({ ...rest, staticSharedSecret: new Uint8Array(32) }), ErrorCode.LowOrderPoint)
    expectCode(() => deriveStreamKeys({ ...rest, staticSharedSecret: new Uint8Array(31) }), ErrorCode.InvalidKey)
  })

  it('binds the keys to every input', async () => {
    const s = await fixedSetup(backend)
    const base = hex(deriveStreamKeys(inputs(s, backend, 'opener')).sendKey)
    const other = await createIdentity(sequence(200, 32), backend)
    const variants: Array<(i: StreamKeyInput) => StreamKeyInput> = [
      (i) => ({ ...i, protocolId: '/glueberry/stream/votes/2.0.0' }),
      (i) => ({ ...i, opener: { ...i.opener, salt: sequence(1, 32) } }),
      (i) => ({ ...i, responder: { ...i.responder, salt: sequence(1, 32) } }),
      (i) => ({ ...i, opener: { ...i.opener, peerId: other.peerId } }),
      (i) => ({ ...i, responder: { ...i.responder, peerId: other.peerId } }),
      // The opener's own ephemeral public key only enters through the info.
      (i) => ({ ...i, opener: { ...i.opener, ephemeralPublicKey: other.xPublicKey } }),
      (i) => ({ ...i, responder: { ...i.responder, ephemeralPublicKey: other.xPublicKey } }),
      (i) => ({ ...i, remoteStaticPublicKey: other.xPublicKey } as StreamKeyInput),
      // Swapping the salts is not the same stream.
      (i) => ({ ...i, opener: { ...i.opener, salt: FIXED.responderSalt }, responder: { ...i.responder, salt: FIXED.openerSalt } })
    ]
    const seen = new Set([base])
    for (const change of variants) {
      const key = hex(deriveStreamKeys(change(inputs(s, backend, 'opener'))).sendKey)
      expect(seen.has(key)).toBe(false)
      seen.add(key)
    }
  })

  it('gives two random openings of the same stream unrelated keys (fresh secrets)', async () => {
    const s = await fixedSetup(backend)
    const keys = new Set<string>()
    for (let i = 0; i < 3; i++) {
      const o = generateStreamSecrets(backend)
      const r = generateStreamSecrets(backend)
      expect(o.salt.byteLength).toBe(32)
      const stream = { ...s, openerEph: o.ephemeral, responderEph: r.ephemeral }
      const a = deriveStreamKeys(inputs(stream, backend, 'opener', { opener: o.salt, responder: r.salt }))
      const b = deriveStreamKeys(inputs(stream, backend, 'responder', { opener: o.salt, responder: r.salt }))
      expect(hex(a.sendKey)).toBe(hex(b.receiveKey))
      keys.add(hex(a.sendKey))
    }
    expect(keys.size).toBe(3)
  })

  it('zeroes IKM, both shared secrets, the OKM and the ephemeral private key', async () => {
    const s = await fixedSetup(backend)
    const spy = spying(backend)
    const input = inputs(s, spy.backend, 'opener')
    const keys = deriveStreamKeys(input)
    // eph_ss, static_ss, IKM, OKM
    expect(spy.secrets).toHaveLength(4)
    for (const secret of spy.secrets) expect(isZero(secret)).toBe(true)
    expect(spy.secrets[2].byteLength).toBe(64)
    expect(spy.secrets[3].byteLength).toBe(64)
    expect(isZero(input.localEphemeralPrivateKey)).toBe(true)
    // The returned keys are copies, not views of the wiped OKM.
    expect(isZero(keys.sendKey)).toBe(false)
    expect(isZero(keys.receiveKey)).toBe(false)
    expect(keys.sendKey.buffer).not.toBe(spy.secrets[3].buffer)
  })

  it('keeps the ephemeral private key when asked to', async () => {
    const s = await fixedSetup(backend)
    const input = { ...inputs(s, backend, 'opener'), zeroEphemeralPrivateKey: false }
    deriveStreamKeys(input)
    expect(hex(input.localEphemeralPrivateKey)).toBe(hex(FIXED.openerEphemeralPrivate))
  })

  it('rejects a low-order ephemeral or static key with LowOrderPoint, and still wipes', async () => {
    const s = await fixedSetup(backend)
    const lowOrder = new Uint8Array(32) // u = 0
    const badEphemeral = inputs({ ...s, responderEph: { ...s.responderEph, publicKey: lowOrder } }, backend, 'opener')
    expectCode(() => deriveStreamKeys(badEphemeral), ErrorCode.LowOrderPoint)
    expect(isZero(badEphemeral.localEphemeralPrivateKey)).toBe(true)

    const spy = spying(backend)
    const badStatic = { ...inputs(s, spy.backend, 'opener'), remoteStaticPublicKey: lowOrder } as StreamKeyInput
    expectCode(() => deriveStreamKeys(badStatic), ErrorCode.LowOrderPoint)
    expect(spy.secrets).toHaveLength(1) // eph_ss was computed, then wiped
    expect(isZero(spy.secrets[0])).toBe(true)
    expect(isZero(badStatic.localEphemeralPrivateKey)).toBe(true)
  })

  it('rejects wrong lengths with InvalidKey', async () => {
    const s = await fixedSetup(backend)
    const short = new Uint8Array(31)
    const cases: Array<(i: StreamKeyInput) => StreamKeyInput> = [
      (i) => ({ ...i, localStaticPrivateKey: short } as StreamKeyInput),
      (i) => ({ ...i, remoteStaticPublicKey: short } as StreamKeyInput),
      (i) => ({ ...i, localEphemeralPrivateKey: short }),
      (i) => ({ ...i, opener: { ...i.opener, salt: short } }),
      (i) => ({ ...i, responder: { ...i.responder, salt: new Uint8Array(33) } }),
      (i) => ({ ...i, opener: { ...i.opener, ephemeralPublicKey: short } }),
      (i) => ({ ...i, responder: { ...i.responder, ephemeralPublicKey: short } }),
      (i) => ({ ...i, protocolId: '' })
    ]
    for (const change of cases) expectCode(() => deriveStreamKeys(change(inputs(s, backend, 'opener'))), ErrorCode.InvalidKey)
  })
})

describe('key schedule across backends', () => {
  it('node and noble derive identical keys for random inputs', async () => {
    const a = await createIdentity(FIXED.openerSeed)
    const b = await createIdentity(FIXED.responderSeed)
    const [[, node], [, noble]] = BACKENDS
    await fc.assert(fc.asyncProperty(
      fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.string({ minLength: 1, maxLength: 40 }),
      async (ephA, ephB, saltA, saltB, protocolId) => {
        const s: Setup = {
          opener: a,
          responder: b,
          openerEph: { privateKey: ephA, publicKey: node.x25519PublicKey(ephA) },
          responderEph: { privateKey: ephB, publicKey: node.x25519PublicKey(ephB) }
        }
        const salts = { opener: saltA, responder: saltB }
        const x = deriveStreamKeys({ ...inputs(s, node, 'opener', salts), protocolId })
        const y = deriveStreamKeys({ ...inputs(s, noble, 'responder', salts), protocolId })
        expect(hex(x.sendKey)).toBe(hex(y.receiveKey))
        expect(hex(x.receiveKey)).toBe(hex(y.sendKey))
      }), { numRuns: 10 })
  })
})

import fc from 'fast-check'
import { ErrorCode } from '../../lib/errors.js'
import {
  HKDF_SHA256_MAX_LENGTH,
  backendFor,
  defaultBackend,
  nobleBackend,
  nodeBackend,
  zeroize
} from '../../lib/crypto/index.js'
import { BACKENDS, caught, expectCode, fromHex, hex, joinSealed } from './helpers.js'

const KEY = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f')
const NONCE = fromHex('070000004041424344454647')
const text = (s: string): Uint8Array => new TextEncoder().encode(s)

/** The five low-order u-coordinates of Curve25519 and two non-canonical aliases of 0 and 1. */
const LOW_ORDER_U = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'
]

describe.each(BACKENDS)('%s backend', (name, backend) => {
  it('has its name', () => {
    expect(backend.name).toBe(name)
  })

  describe('seal/open', () => {
    it('round-trips plaintexts of many sizes, with and without AAD', () => {
      for (const size of [0, 1, 15, 16, 17, 63, 64, 65, 1024, 65536 + 3]) {
        const plaintext = backend.randomBytes(size)
        for (const aad of [undefined, new Uint8Array(0), text('header')]) {
          const sealed = backend.seal(KEY, NONCE, plaintext, aad)
          expect(sealed.ciphertext.byteLength).toBe(size)
          expect(sealed.tag.byteLength).toBe(16)
          expect(hex(backend.open(KEY, NONCE, joinSealed(sealed), aad))).toBe(hex(plaintext))
        }
      }
    })

    it('matches the RFC 8439 §2.8.2 example', () => {
      const plaintext = text("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.")
      const aad = fromHex('50515253c0c1c2c3c4c5c6c7')
      const sealed = backend.seal(KEY, NONCE, plaintext, aad)
      expect(hex(sealed.tag)).toBe('1ae10b594f09e26a7e902ecbd0600691')
      expect(hex(sealed.ciphertext).slice(0, 32)).toBe('d31a8d34648e60db7b86afbc53ef7ec2')
    })

    it('treats absent and empty AAD alike', () => {
      const a = backend.seal(KEY, NONCE, text('x'))
      const b = backend.seal(KEY, NONCE, text('x'), new Uint8Array(0))
      expect(hex(joinSealed(a))).toBe(hex(joinSealed(b)))
    })

    it('rejects every single-bit change of ciphertext or tag with DecryptionFailed', () => {
      const sealed = joinSealed(backend.seal(KEY, NONCE, text('attack at dawn')))
      for (let i = 0; i < sealed.byteLength * 8; i++) {
        const tampered = sealed.slice()
        tampered[i >> 3] ^= 1 << (i & 7)
        expectCode(() => backend.open(KEY, NONCE, tampered), ErrorCode.DecryptionFailed)
      }
    })

    it('rejects a wrong key, nonce or AAD with DecryptionFailed', () => {
      const sealed = joinSealed(backend.seal(KEY, NONCE, text('hello'), text('aad')))
      const otherKey = KEY.slice()
      otherKey[0] ^= 1
      const otherNonce = NONCE.slice()
      otherNonce[11] ^= 1
      expectCode(() => backend.open(otherKey, NONCE, sealed, text('aad')), ErrorCode.DecryptionFailed)
      expectCode(() => backend.open(KEY, otherNonce, sealed, text('aad')), ErrorCode.DecryptionFailed)
      expectCode(() => backend.open(KEY, NONCE, sealed, text('aae')), ErrorCode.DecryptionFailed)
      expectCode(() => backend.open(KEY, NONCE, sealed), ErrorCode.DecryptionFailed)
    })

    it('rejects every truncation with DecryptionFailed, including shorter than a tag', () => {
      const sealed = joinSealed(backend.seal(KEY, NONCE, text('truncate me please')))
      for (let length = 0; length < sealed.byteLength; length++) {
        expectCode(() => backend.open(KEY, NONCE, sealed.subarray(0, length)), ErrorCode.DecryptionFailed)
      }
      expectCode(() => backend.open(KEY, NONCE, new Uint8Array(0)), ErrorCode.DecryptionFailed)
    })

    it('rejects extended records with DecryptionFailed', () => {
      const sealed = joinSealed(backend.seal(KEY, NONCE, text('abc')))
      const longer = new Uint8Array(sealed.byteLength + 1)
      longer.set(sealed)
      expectCode(() => backend.open(KEY, NONCE, longer), ErrorCode.DecryptionFailed)
    })

    it('rejects wrong key and nonce lengths and non-byte inputs with InvalidKey', () => {
      for (const length of [0, 16, 31, 33, 64]) {
        expectCode(() => backend.seal(new Uint8Array(length), NONCE, text('x')), ErrorCode.InvalidKey)
        expectCode(() => backend.open(new Uint8Array(length), NONCE, new Uint8Array(32)), ErrorCode.InvalidKey)
      }
      for (const length of [0, 8, 11, 13, 16, 24]) {
        expectCode(() => backend.seal(KEY, new Uint8Array(length), text('x')), ErrorCode.InvalidKey)
        expectCode(() => backend.open(KEY, new Uint8Array(length), new Uint8Array(32)), ErrorCode.InvalidKey)
      }
      const notBytes = 'not bytes' as unknown as Uint8Array
      expectCode(() => backend.seal(notBytes, NONCE, text('x')), ErrorCode.InvalidKey)
      expectCode(() => backend.seal(KEY, NONCE, notBytes), ErrorCode.InvalidKey)
      expectCode(() => backend.open(KEY, NONCE, notBytes), ErrorCode.InvalidKey)
      expectCode(() => backend.seal(KEY, NONCE, text('x'), notBytes), ErrorCode.InvalidKey)
    })

    it('never puts key bytes in error messages', () => {
      const err = caught(() => backend.seal(KEY.subarray(0, 31), NONCE, text('x')))
      expect(err.message).not.toContain(hex(KEY.subarray(0, 4)))
      expect(err.message).toContain('31')
    })
  })

  describe('x25519', () => {
    it('matches RFC 7748 §6.1 (Alice and Bob)', () => {
      const alicePriv = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
      const alicePub = fromHex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')
      const bobPriv = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb')
      const bobPub = fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')
      const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'
      expect(hex(backend.x25519PublicKey(alicePriv))).toBe(hex(alicePub))
      expect(hex(backend.x25519PublicKey(bobPriv))).toBe(hex(bobPub))
      expect(hex(backend.x25519(alicePriv, bobPub))).toBe(shared)
      expect(hex(backend.x25519(bobPriv, alicePub))).toBe(shared)
    })

    it('generates key pairs whose public half matches the private half', () => {
      for (let i = 0; i < 5; i++) {
        const a = backend.x25519GenerateKeyPair()
        const b = backend.x25519GenerateKeyPair()
        expect(a.privateKey.byteLength).toBe(32)
        expect(hex(a.publicKey)).toBe(hex(backend.x25519PublicKey(a.privateKey)))
        expect(hex(backend.x25519(a.privateKey, b.publicKey))).toBe(hex(backend.x25519(b.privateKey, a.publicKey)))
        expect(hex(a.privateKey)).not.toBe(hex(b.privateKey))
      }
    })

    it('rejects low-order public keys with LowOrderPoint', () => {
      const priv = backend.x25519GenerateKeyPair().privateKey
      for (const u of LOW_ORDER_U) {
        expectCode(() => backend.x25519(priv, fromHex(u)), ErrorCode.LowOrderPoint)
        // The same u with the (ignored) top bit set is the same point.
        const high = fromHex(u)
        high[31] |= 0x80
        expectCode(() => backend.x25519(priv, high), ErrorCode.LowOrderPoint)
      }
    })

    it('rejects wrong lengths with InvalidKey', () => {
      const ok = new Uint8Array(32).fill(9)
      for (const length of [0, 31, 33, 64]) {
        expectCode(() => backend.x25519(new Uint8Array(length), ok), ErrorCode.InvalidKey)
        expectCode(() => backend.x25519(ok, new Uint8Array(length)), ErrorCode.InvalidKey)
        expectCode(() => backend.x25519PublicKey(new Uint8Array(length)), ErrorCode.InvalidKey)
      }
    })
  })

  describe('hkdfSha256', () => {
    it('matches RFC 5869 test case 1', () => {
      const okm = backend.hkdfSha256(fromHex('0b'.repeat(22)), fromHex('000102030405060708090a0b0c'), fromHex('f0f1f2f3f4f5f6f7f8f9'), 42)
      expect(hex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865')
    })

    it('treats an empty salt as HashLen zero bytes', () => {
      const ikm = text('ikm')
      expect(hex(backend.hkdfSha256(ikm, new Uint8Array(0), text('i'), 32)))
        .toBe(hex(backend.hkdfSha256(ikm, new Uint8Array(32), text('i'), 32)))
    })

    it('accepts output lengths 0..8160 and info longer than 1 KiB', () => {
      expect(backend.hkdfSha256(text('k'), text('s'), text('i'), 0).byteLength).toBe(0)
      expect(backend.hkdfSha256(text('k'), text('s'), text('i'), HKDF_SHA256_MAX_LENGTH).byteLength).toBe(HKDF_SHA256_MAX_LENGTH)
      expect(backend.hkdfSha256(text('k'), text('s'), new Uint8Array(5000).fill(7), 100).byteLength).toBe(100)
    })

    it('rejects bad lengths and non-byte inputs with InvalidKey', () => {
      for (const length of [-1, 8161, 1.5, Number.NaN]) {
        expectCode(() => backend.hkdfSha256(text('k'), text('s'), text('i'), length), ErrorCode.InvalidKey)
      }
      expectCode(() => backend.hkdfSha256('k' as unknown as Uint8Array, text('s'), text('i'), 32), ErrorCode.InvalidKey)
    })
  })

  it('hashes SHA-512 (FIPS 180-2 "abc")', () => {
    expect(hex(backend.sha512(text('abc')))).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a' +
      '2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f')
  })

  it('draws random bytes of any length', () => {
    expect(backend.randomBytes(0).byteLength).toBe(0)
    const big = backend.randomBytes(200_000)
    expect(big.byteLength).toBe(200_000)
    expect(big.subarray(150_000, 150_032).some((b) => b !== 0)).toBe(true)
    expect(hex(backend.randomBytes(32))).not.toBe(hex(backend.randomBytes(32)))
    expectCode(() => backend.randomBytes(-1), ErrorCode.InvalidKey)
  })
})

describe('node and noble are byte-identical', () => {
  const bytes = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: 0, maxLength: max })
  const fixed = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n })

  it('seal gives the same ciphertext and tag, and each opens the other', () => {
    fc.assert(fc.property(fixed(32), fixed(12), bytes(2000), bytes(64), (key, nonce, plaintext, aad) => {
      const a = nodeBackend.seal(key, nonce, plaintext, aad)
      const b = nobleBackend.seal(key, nonce, plaintext, aad)
      expect(hex(a.ciphertext)).toBe(hex(b.ciphertext))
      expect(hex(a.tag)).toBe(hex(b.tag))
      expect(hex(nobleBackend.open(key, nonce, joinSealed(a), aad))).toBe(hex(plaintext))
      expect(hex(nodeBackend.open(key, nonce, joinSealed(b), aad))).toBe(hex(plaintext))
    }), { numRuns: 200 })
  })

  it('open fails the same way on random garbage', () => {
    fc.assert(fc.property(fixed(32), fixed(12), bytes(100), (key, nonce, garbage) => {
      expect(caught(() => nodeBackend.open(key, nonce, garbage)).code).toBe(ErrorCode.DecryptionFailed)
      expect(caught(() => nobleBackend.open(key, nonce, garbage)).code).toBe(ErrorCode.DecryptionFailed)
    }), { numRuns: 200 })
  })

  it('x25519 and x25519PublicKey agree, including the codes of rejected inputs', () => {
    fc.assert(fc.property(fixed(32), fixed(32), (priv, pub) => {
      expect(hex(nodeBackend.x25519PublicKey(priv))).toBe(hex(nobleBackend.x25519PublicKey(priv)))
      let a: string
      let b: string
      try { a = hex(nodeBackend.x25519(priv, pub)) } catch (err) { a = caught(() => { throw err }).code }
      try { b = hex(nobleBackend.x25519(priv, pub)) } catch (err) { b = caught(() => { throw err }).code }
      expect(a).toBe(b)
    }), { numRuns: 60 })
  })

  it('hkdfSha256 agrees, also for info beyond node’s 1 KiB limit', () => {
    fc.assert(fc.property(bytes(80), bytes(80), bytes(1500), fc.integer({ min: 0, max: 600 }), (ikm, salt, info, length) => {
      expect(hex(nodeBackend.hkdfSha256(ikm, salt, info, length))).toBe(hex(nobleBackend.hkdfSha256(ikm, salt, info, length)))
    }), { numRuns: 200 })
  })

  it('sha512 agrees', () => {
    fc.assert(fc.property(bytes(300), (data) => {
      expect(hex(nodeBackend.sha512(data))).toBe(hex(nobleBackend.sha512(data)))
    }), { numRuns: 100 })
  })
})

describe('backend selection', () => {
  it('defaults to node:crypto on Node', () => {
    expect(defaultBackend()).toBe(nodeBackend)
  })

  it('selects by name and rejects unknown names', () => {
    expect(backendFor('node')).toBe(nodeBackend)
    expect(backendFor('noble')).toBe(nobleBackend)
    expectCode(() => backendFor('webcrypto' as 'node'), ErrorCode.InvalidConfig)
  })
})

describe('zeroize', () => {
  it('zeroes every buffer and skips absent ones', () => {
    const a = new Uint8Array([1, 2, 3])
    const b = new Uint8Array(64).fill(0xaa)
    const view = b.subarray(8, 16)
    zeroize(a, undefined, null, view)
    expect([...a]).toEqual([0, 0, 0])
    expect(view.every((x) => x === 0)).toBe(true)
    expect(b[7]).toBe(0xaa)
    expect(b[16]).toBe(0xaa)
    zeroize(b)
    expect(b.every((x) => x === 0)).toBe(true)
  })
})

import { expect } from '@jest/globals'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { ErrorCode } from '../../lib/index.js'
import { nobleBackend, nodeBackend } from '../../lib/crypto/index.js'
import { noiseCrypto } from '../../lib/host/noise-crypto.js'
import { quietLogger } from '../../lib/host/quiet-logger.js'

describe("noise's X25519 through the crypto backend", () => {
  it.each([['node', nodeBackend], ['noble', nobleBackend]] as const)('%s: the same keys and shared secrets as noise\'s own implementation', (_name, backend) => {
    const ours = noiseCrypto(backend)
    for (let i = 0; i < 20; i++) {
      const a = ours.generateX25519KeyPair()
      const b = defaultCrypto.generateX25519KeyPair()
      expect(a.privateKey).toHaveLength(32)
      expect(Buffer.from(defaultCrypto.generateX25519KeyPairFromSeed(a.privateKey).publicKey)).toEqual(Buffer.from(a.publicKey))
      expect(Buffer.from(ours.generateX25519KeyPairFromSeed(b.privateKey).publicKey)).toEqual(Buffer.from(b.publicKey))
      const shared = Buffer.from(ours.generateX25519SharedKey(a.privateKey, b.publicKey))
      expect(shared).toEqual(Buffer.from(defaultCrypto.generateX25519SharedKey(b.privateKey, a.publicKey)))
      // noise hands some keys over as lists of chunks
      const list = new Uint8ArrayList(b.publicKey.subarray(0, 7), b.publicKey.subarray(7))
      expect(Buffer.from(ours.generateX25519SharedKey(a.privateKey, list as never))).toEqual(shared)
    }
  })

  it('refuses an all-zero shared secret (a low-order public key), which noise would have used as a key', () => {
    const ours = noiseCrypto(nodeBackend)
    const { privateKey } = ours.generateX25519KeyPair()
    expect(() => ours.generateX25519SharedKey(privateKey, new Uint8Array(32))).toThrow(expect.objectContaining({ code: ErrorCode.LowOrderPoint }))
  })
})

describe("libp2p's loggers", () => {
  const saved = process.env.DEBUG
  afterEach(() => {
    if (saved === undefined) delete process.env.DEBUG
    else process.env.DEBUG = saved
  })

  it('are no-ops unless DEBUG asks for them', () => {
    delete process.env.DEBUG
    const logger = quietLogger()
    const log = logger?.forComponent('libp2p:tcp')
    expect(log?.enabled).toBe(false)
    expect(log?.newScope('x').enabled).toBe(false)
    expect(() => { log?.('hello %s', 'world'); log?.error('e'); log?.trace('t') }).not.toThrow()
    process.env.DEBUG = 'libp2p*'
    expect(quietLogger()).toBeUndefined()
  })
})

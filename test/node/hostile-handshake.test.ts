import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { ErrorCode, GlueberryError } from '../../lib/index.js'
import { startNode, stopAll } from '../helpers/nodes.js'

afterEach(async () => { await stopAll() })

async function failure (promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(() => undefined, (err: unknown) => err)
}

describe('prepareStreams with hostile handshake input', () => {
  it('turns every bad public key into a typed GlueberryError, never a plain Error', async () => {
    const node = await startNode()
    const peer = await startNode()
    const cases: Array<[string, unknown, string]> = [
      ['5 bytes', Uint8Array.of(1, 2, 3, 4, 5), ErrorCode.InvalidKey],
      ['empty', new Uint8Array(0), ErrorCode.InvalidKey],
      ['33 bytes', new Uint8Array(33).fill(7), ErrorCode.InvalidKey],
      ['a string', 'not a key', ErrorCode.InvalidKey],
      ['null', null, ErrorCode.InvalidKey],
      ['32 bytes of garbage', new Uint8Array(32).fill(0xab), ErrorCode.PublicKeyMismatch],
      ["another peer's key", node.publicKey, ErrorCode.PublicKeyMismatch]
    ]
    for (const [label, key, code] of cases) {
      const err = await failure(node.prepareStreams(peer.peerId, key as Uint8Array, ['chat']))
      expect([label, err instanceof GlueberryError]).toEqual([label, true])
      expect([label, (err as GlueberryError).code]).toEqual([label, code])
    }
  }, 30_000)

  it('refuses a peer id built on a small-order key (LOW_ORDER_POINT) or on bytes that are not a point (INVALID_KEY)', async () => {
    const node = await startNode()
    // The identity point (y = 1): small order, so every shared secret with it is predictable.
    const identity = new Uint8Array(32)
    identity[0] = 1
    // y = 2 is not on the curve.
    const notAPoint = new Uint8Array(32)
    notAPoint[0] = 2
    for (const [raw, code] of [[identity, ErrorCode.LowOrderPoint], [notAPoint, ErrorCode.InvalidKey]] as const) {
      const peerId = peerIdFromPublicKey(publicKeyFromRaw(raw)).toString()
      const err = await failure(node.prepareStreams(peerId, raw, ['chat']))
      expect(err).toBeInstanceOf(GlueberryError)
      expect((err as GlueberryError).code).toBe(code)
    }
  }, 30_000)
})

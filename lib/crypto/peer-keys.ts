/**
 * Per-peer key material after phase 1 of the handshake, and the stream
 * openings built on it (the {@link PeerKeys} port of the stream layer).
 *
 * `createPeerKeys` checks the peer's Ed25519 public key against its peer id,
 * converts it to X25519 and computes the static secret once; every stream
 * opening then exchanges headers (salt, ephemeral key, incarnation, sequence)
 * and runs the v2 key schedule (key-schedule.ts). Each side writes messages
 * only on streams it opened; the reverse direction carries only the
 * responder's acknowledgements, sealed with the responder->opener key.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import type { OpenedKeys, OpenerHandshake, PeerKeys, ResponderHandshake, StreamContext, StreamPosition } from '../streams/ports.js'
import { decodeStreamHeader, encodeStreamHeader } from '../wire/header.js'
import type { CryptoBackend } from './backend.js'
import { deriveStreamKeys, generateStreamSecrets } from './key-schedule.js'
import type { Identity } from './keys.js'
import { assertPublicKeyMatchesPeerId, peerIdBytes, x25519PublicFromEd25519 } from './keys.js'
import { RecordOpener, RecordSealer } from './record-cipher.js'

function sessionClosed (peer: string): GlueberryError {
  return new GlueberryError(ErrorCode.SessionClosed, 'peer keys were destroyed', { peer })
}

/**
 * The key material for one remote peer.
 *
 * @throws GlueberryError `PublicKeyMismatch` when `edPublicKey` is not the
 * key `peerId` embeds, `InvalidKey` for a malformed key or a non-Ed25519 peer
 * id, `InvalidPeerId` for an unparsable peer id, `LowOrderPoint` for a
 * small-order key.
 */
export function createPeerKeys (backend: CryptoBackend, identity: Identity, peerId: string, edPublicKey: Uint8Array): PeerKeys {
  assertPublicKeyMatchesPeerId(edPublicKey, peerId)
  const remoteStatic = x25519PublicFromEd25519(edPublicKey)
  const staticSecret = backend.x25519(identity.xPrivateKey, remoteStatic)
  const localPeer = identity.peerId.toMultihash().bytes
  const remotePeer = peerIdBytes(peerId)
  let destroyed = false

  function check (ctx: StreamContext): void {
    if (destroyed) throw sessionClosed(peerId)
    if (ctx.peer !== peerId) {
      throw new GlueberryError(ErrorCode.InvalidPeerId, `stream context is for ${ctx.peer}, these keys are for ${peerId}`, { peer: peerId })
    }
  }

  return {
    opener (ctx: StreamContext, local: StreamPosition): OpenerHandshake {
      check(ctx)
      const { salt, ephemeral } = generateStreamSecrets(backend)
      const header = encodeStreamHeader({ salt, ephemeralKey: ephemeral.publicKey, ...local })
      let used = false
      return {
        header,
        complete (responderHeader: Uint8Array): OpenedKeys {
          if (used) throw new GlueberryError(ErrorCode.SessionClosed, 'stream opening already completed or destroyed', { peer: peerId })
          used = true
          try {
            if (destroyed) throw sessionClosed(peerId)
            const response = decodeStreamHeader(responderHeader)
            const { sendKey, receiveKey } = deriveStreamKeys({
              backend,
              protocolId: ctx.protocolId,
              isOpener: true,
              staticSharedSecret: staticSecret,
              localEphemeralPrivateKey: ephemeral.privateKey,
              opener: { peerId: localPeer, salt, ephemeralPublicKey: ephemeral.publicKey },
              responder: { peerId: remotePeer, salt: response.salt, ephemeralPublicKey: response.ephemeralKey }
            })
            return {
              sealer: new RecordSealer(sendKey, { backend }),
              acks: new RecordOpener(receiveKey, { backend }),
              remote: { incarnation: response.incarnation, seq: response.seq, maxMessageSize: response.maxMessageSize }
            }
          } finally {
            ephemeral.privateKey.fill(0)
          }
        },
        destroy (): void {
          used = true
          ephemeral.privateKey.fill(0)
        }
      }
    },

    responder (ctx: StreamContext, openerHeader: Uint8Array, answer: (remote: StreamPosition) => StreamPosition): ResponderHandshake {
      check(ctx)
      const request = decodeStreamHeader(openerHeader)
      const remote = { incarnation: request.incarnation, seq: request.seq, maxMessageSize: request.maxMessageSize }
      // Decided before any secret is generated: a refusal costs no key material.
      const local = answer(remote)
      const { salt, ephemeral } = generateStreamSecrets(backend)
      const { sendKey, receiveKey } = deriveStreamKeys({
        backend,
        protocolId: ctx.protocolId,
        isOpener: false,
        staticSharedSecret: staticSecret,
        localEphemeralPrivateKey: ephemeral.privateKey,
        opener: { peerId: remotePeer, salt: request.salt, ephemeralPublicKey: request.ephemeralKey },
        responder: { peerId: localPeer, salt, ephemeralPublicKey: ephemeral.publicKey }
      })
      return {
        header: encodeStreamHeader({ salt, ephemeralKey: ephemeral.publicKey, ...local }),
        opener: new RecordOpener(receiveKey, { backend }),
        acks: new RecordSealer(sendKey, { backend }),
        remote
      }
    },

    destroy (): void {
      destroyed = true
      staticSecret.fill(0)
    },

    get destroyed (): boolean {
      return destroyed
    }
  }
}

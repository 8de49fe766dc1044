// The part of @hyperswarm/secret-stream (CommonJS, no types) the bench uses.
declare module '@hyperswarm/secret-stream' {
  import type { Duplex } from 'node:stream'
  import type { Socket } from 'node:net'
  class SecretStream extends Duplex {
    constructor (isInitiator: boolean, rawStream: Socket)
    /** Resolves once the Noise handshake is done. */
    opened: Promise<boolean>
  }
  export default SecretStream
}

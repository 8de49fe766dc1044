/**
 * The contenders by name.
 *
 * @module
 */
import type { Contender } from '../types.js'
import type { ContenderDriver } from './contender.js'
import { glueberryDriver } from './glueberry.js'
import { libp2pDriver } from './libp2p.js'
import { secretStreamDriver } from './secret-stream.js'
import { tcpDriver } from './tcp.js'

export type { ContenderDriver, Listener, PeerAddress, Role, Sender } from './contender.js'

export const DRIVERS: Readonly<Record<Contender, ContenderDriver>> = Object.freeze({
  tcp: tcpDriver,
  libp2p: libp2pDriver,
  glueberry: glueberryDriver,
  'secret-stream': secretStreamDriver
})

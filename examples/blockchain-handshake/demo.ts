/**
 * Three blockchain nodes on 127.0.0.1: two on 'mainnet', one on 'testnet'.
 * The mainnet nodes shake hands and exchange a block; the testnet node is
 * refused by the chain id check.
 *
 *   node examples/blockchain-handshake/run.mjs
 */
import { filter, firstValueFrom, take } from 'rxjs'
import { ConnectionState, createNode } from '../../lib/index.js'
import { onStream } from '../../operators/index.js'
import { blockchainHandshake } from './handshake.js'

const short = (peerId: string): string => `${peerId.slice(0, 8)}…${peerId.slice(-4)}`

const hAlice = blockchainHandshake({ chainId: 'mainnet' })
const hBob = blockchainHandshake({ chainId: 'mainnet' })
const hMallory = blockchainHandshake({ chainId: 'testnet' })
const alice = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], handshake: hAlice })
// Bob admits any peer (inbound: 'any'): here his handshake, not his address book, decides who gets in.
const bob = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], handshake: hBob, inbound: 'any' })
const mallory = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], handshake: hMallory })
await Promise.all([alice.start(), bob.start(), mallory.start()])
for (const h of [hAlice, hBob, hMallory]) h.failures$.subscribe(e => { console.log(`refused ${short(e.peer ?? '?')}: ${e.code} ${e.message}`) })

const established = firstValueFrom(alice.state$(bob.peerId).pipe(filter(s => s === ConnectionState.Established)))
await alice.addPeer(bob.peerId, bob.multiaddrs)
await established
console.log(`alice and bob (mainnet) are Established`)

const block = firstValueFrom(bob.messages$.pipe(onStream('blocks'), take(1)))
await alice.send(bob.peerId, 'blocks', new TextEncoder().encode('block #1'))
console.log(`bob got '${new TextDecoder().decode((await block).data)}' on 'blocks'`)

const refused = firstValueFrom(hBob.failures$)
await mallory.addPeer(bob.peerId, bob.multiaddrs)
await refused
console.log(`mallory (testnet) is ${bob.state(mallory.peerId)} at bob`)

await Promise.all([alice.stop(), bob.stop(), mallory.stop()])

import { createNode, ConnectionState, isGlueberryError } from '../../lib/index.js'
import { onStream, filterStates } from '../../operators/index.js'
import { filter, firstValueFrom, mergeMap } from 'rxjs'

// The peer to talk to: node tour.js <peer id> <multiaddr>
const [peerId = '', address = ''] = process.argv.slice(2)
// Failures are typed (GlueberryError, with a stable code): report them, never crash on them.
const report = (err: unknown): void => { console.error(isGlueberryError(err) ? `${err.code}: ${err.message}` : err) }

const node = await createNode({
  listen: ['/ip4/127.0.0.1/tcp/0'],
  addressBook: './addressbook.json',      // a path, a storage adapter, or omitted = in memory
  // privateKey: 32-byte Ed25519 seed or libp2p key; generated if omitted
  // inbound: 'known' (default): peers that are not in the address book are refused
})
await node.start()
node.errors$.subscribe(report)

// Application handshake over the plaintext 'handshake' stream: send our public
// key when a peer connects; on the peer's key, phase 1 then phase 2. Whatever
// the peer sends is checked: a bad key is a typed error, the peer is dropped.
node.events$.pipe(
  filterStates(ConnectionState.Connected),
  mergeMap(async (e) => { await node.send(e.peerId, 'handshake', node.publicKey).catch(report) })
).subscribe()
node.messages$.pipe(
  onStream('handshake'),
  mergeMap(async (m) => {
    try {
      await node.prepareStreams(m.peerId, m.data, ['chat'])   // phase 1: keys, ready to receive
      await node.finalizeHandshake(m.peerId)                  // phase 2: Established
    } catch (err) {
      report(err)                                             // e.g. INVALID_KEY, PUBLIC_KEY_MISMATCH
      await node.disconnect(m.peerId).catch(report)
    }
  })
).subscribe()

node.messages$.pipe(onStream('chat')).subscribe(m => { console.log(m.peerId, new TextDecoder().decode(m.data)) })
await node.addPeer(peerId, [address])                     // persisted; auto-connects
await firstValueFrom(node.state$(peerId).pipe(filter(s => s === ConnectionState.Established)))
await node.send(peerId, 'chat', new TextEncoder().encode('hello'))
await node.stop()                                         // completes every Observable

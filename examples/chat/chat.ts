/**
 * Two glueberry peers, alice and bob, chatting over an encrypted stream in
 * one process on 127.0.0.1. What you type is sent by alice and printed by bob.
 *
 *   node examples/chat/run.mjs           type lines; Ctrl-D (or Ctrl-C) quits
 *   node examples/chat/run.mjs --demo    sends a few lines and exits
 *
 * Everything is an RxJS pipeline: the handshake reacts to connection events
 * and handshake messages, bob's screen is a pipeline over `messages$`, and
 * alice's input is a stream of lines sent one after the other.
 */
import { createInterface } from 'node:readline'
import { Observable, concatMap, count, filter, firstValueFrom, from, lastValueFrom, map, merge, mergeMap, scan, shareReplay, startWith, tap } from 'rxjs'
import type { Subscription } from 'rxjs'
import { ConnectionState, createNode } from '../../lib/index.js'
import type { GlueberryNode } from '../../lib/index.js'
import { filterStates, onStream } from '../../operators/index.js'

const CHAT = 'chat'
const DEMO = ['Hi Bob, can you read me?', 'This line was encrypted with ChaCha20-Poly1305.', 'Bye!']

const encode = (text: string): Uint8Array => new TextEncoder().encode(text)
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)
const short = (peerId: string): string => `${peerId.slice(0, 8)}…${peerId.slice(-4)}`

/**
 * The application handshake, the same on both sides: when a peer connects,
 * send it our public key on the plaintext 'handshake' stream; when its key
 * arrives, prepare the encrypted 'chat' stream with it and finalize.
 * (The library checks that the key belongs to the peer id.)
 */
function handshake (node: GlueberryNode): Subscription {
  const sendKey$ = node.events$.pipe(
    filterStates(ConnectionState.Connected),
    mergeMap(async e => { await node.send(e.peerId, 'handshake', node.publicKey).catch(failed) })
  )
  const acceptKey$ = node.messages$.pipe(
    onStream('handshake'),
    mergeMap(async m => { await node.completeHandshake(m.peerId, m.data, [CHAT]).catch(failed) })
  )
  return merge(sendKey$, acceptKey$).subscribe()
}

/** A failed step concerns one peer (it may have left): report it, keep the pipeline. */
function failed (err: unknown): void {
  console.error('handshake step failed:', err instanceof Error ? err.message : err)
}

/** Lines typed on stdin, until end of input. */
function stdinLines (): Observable<string> {
  return new Observable<string>((subscriber) => {
    const rl = createInterface({ input: process.stdin })
    rl.on('line', line => { subscriber.next(line) })
    rl.on('SIGINT', () => { rl.close() })
    rl.on('close', () => { subscriber.complete() })
    return () => { rl.close() }
  })
}

const alice = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
const bob = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
const handshakes = [handshake(alice), handshake(bob)]
await Promise.all([alice.start(), bob.start()])

// Bob's screen: every chat message, with the id of the peer that sent it.
// `printed$` counts them, so we know when bob has shown everything alice sent.
const printed$ = bob.messages$.pipe(
  onStream(CHAT),
  map(m => `bob got from ${short(m.peerId)}: ${decode(m.data)}`),
  tap(line => { console.log(line) }),
  scan(n => n + 1, 0),
  startWith(0),
  shareReplay({ bufferSize: 1, refCount: false })
)
const screen = printed$.subscribe()

// Each knows the other's address (a node refuses peers that are not in its
// address book); adding a peer connects, and the handshake runs.
const established = firstValueFrom(alice.state$(bob.peerId).pipe(filter(s => s === ConnectionState.Established)))
await Promise.all([alice.addPeer(bob.peerId, bob.multiaddrs), bob.addPeer(alice.peerId, alice.multiaddrs)])
await established
console.log(`alice ${alice.peerId}\nbob   ${bob.peerId}\nencrypted stream '${CHAT}' established`)

const demo = process.argv.includes('--demo')
if (!demo) console.log('type a line for alice to send to bob (Ctrl-D to quit)')
const lines$ = demo ? from(DEMO) : stdinLines()
const sent = await lastValueFrom(lines$.pipe(
  concatMap(async line => { await alice.send(bob.peerId, CHAT, encode(line)) }),
  count()
))
await firstValueFrom(printed$.pipe(filter(n => n >= sent)))

screen.unsubscribe()
for (const h of handshakes) h.unsubscribe()
await Promise.all([alice.stop(), bob.stop()])
console.log(`${sent} line(s) sent, bye`)

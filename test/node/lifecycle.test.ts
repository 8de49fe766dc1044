import { expect } from '@jest/globals'
import { lastValueFrom, toArray } from 'rxjs'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createNode, ErrorCode, ConnectionState } from '../../lib/index.js'
import { startNode, stopAll } from '../helpers/nodes.js'

afterEach(async () => { await stopAll() })

describe('node lifecycle', () => {
  it('rejects bad options with InvalidConfig naming the option', async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['maxMessageSize', { maxMessageSize: 0 }],
      ['handshakeTimeout', { handshakeTimeout: -1 }],
      ['flow.low', { flow: { high: 10, low: 10 } }],
      ['flow.highBytes', { flow: { highBytes: 0 } }],
      ['drainTimeout', { drainTimeout: -1 }],
      ['privateKey', { privateKey: new Uint8Array(31) }],
      ['listen', { listen: 'not-an-array' }],
      ['reconnect', { reconnect: { baseDelay: 10, maxDelay: 5 } }],
      ['decryptionErrorPolicy', { decryptionErrorPolicy: 'explode' }]
    ]
    for (const [name, options] of cases) {
      const err = await createNode(options).then(() => undefined, (e: unknown) => e)
      expect(err).toMatchObject({ code: ErrorCode.InvalidConfig })
      expect(String((err as Error).message)).toContain(name.split('.')[0])
    }
  })

  it('derives the same peer id from the same 32-byte seed, and from a libp2p key', async () => {
    const seed = new Uint8Array(32).map((_, i) => i)
    const a = await createNode({ privateKey: seed })
    const b = await createNode({ privateKey: seed })
    expect(a.peerId).toBe(b.peerId)
    expect(a.peerId.startsWith('12D3KooW')).toBe(true)
    expect(Buffer.from(a.publicKey).toString('hex')).toBe('03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8')
    const key = await generateKeyPair('Ed25519')
    const c = await createNode({ privateKey: key })
    expect(c.peerId).toBe(peerIdFromPrivateKey(key).toString())
    // publicKey is a copy: mutating it changes nothing.
    a.publicKey.fill(0)
    expect(a.publicKey[0]).toBe(0x03)
    await Promise.all([a.stop(), b.stop(), c.stop()])
  })

  it('has a typed outcome for every out-of-order call', async () => {
    const node = await createNode()
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    await expect(node.connect(other)).rejects.toMatchObject({ code: ErrorCode.NodeNotStarted })
    await expect(node.send(other, 'x', Uint8Array.of(1))).rejects.toMatchObject({ code: ErrorCode.NodeNotStarted })
    // The address book works before start (no auto-connect then).
    await node.addPeer(other, ['/ip4/127.0.0.1/tcp/1'])
    expect(node.getPeer(other)?.multiaddrs).toEqual(['/ip4/127.0.0.1/tcp/1'])
    await node.start()
    await expect(node.start()).rejects.toMatchObject({ code: ErrorCode.NodeAlreadyStarted })
    expect(node.status).toBe('started')
    expect(node.multiaddrs.length).toBeGreaterThan(0)
    await node.stop()
    await node.stop() // idempotent
    expect(node.status).toBe('stopped')
    await expect(node.start()).rejects.toMatchObject({ code: ErrorCode.NodeStopped })
    await expect(node.send(other, 'x', Uint8Array.of(1))).rejects.toMatchObject({ code: ErrorCode.NodeStopped })
    await expect(node.addPeer(other, [])).rejects.toMatchObject({ code: ErrorCode.NodeStopped })
  })

  it('stops cleanly when never started', async () => {
    const node = await createNode()
    await node.stop()
    expect(node.status).toBe('stopped')
  })

  it('completes every Observable on stop, without an error', async () => {
    const node = await startNode()
    const done = Promise.all([
      lastValueFrom(node.events$.pipe(toArray())),
      lastValueFrom(node.messages$.pipe(toArray())),
      lastValueFrom(node.stats$.pipe(toArray())),
      lastValueFrom(node.peers$.pipe(toArray())),
      lastValueFrom(node.decryptionErrors$.pipe(toArray())),
      lastValueFrom(node.errors$.pipe(toArray())),
      lastValueFrom(node.state$(node.peerId).pipe(toArray()))
    ])
    await node.stop()
    const [events, messages, stats, peers, , , states] = await done
    expect(events).toEqual([])
    expect(messages).toEqual([])
    expect(stats.length).toBeGreaterThanOrEqual(1)
    expect(peers[0]).toEqual([])
    expect(states).toEqual([ConnectionState.Disconnected])
  })

  it('rejects malformed peer ids and self-connects with typed errors', async () => {
    const node = await startNode()
    await expect(node.connect('not-a-peer-id')).rejects.toMatchObject({ code: ErrorCode.InvalidPeerId })
    await expect(node.connect(node.peerId)).rejects.toMatchObject({ code: ErrorCode.InvalidPeerId })
    await expect(node.addPeer('nope', [])).rejects.toMatchObject({ code: ErrorCode.InvalidPeerId })
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    await expect(node.addPeer(other, ['not a multiaddr'])).rejects.toMatchObject({ code: ErrorCode.InvalidMultiaddr })
    await expect(node.connect(other)).rejects.toMatchObject({ code: ErrorCode.PeerNotFound })
    expect(() => node.isOutbound(other)).toThrow(expect.objectContaining({ code: ErrorCode.NotConnected }))
  })

  it('reports health and a state dump without secrets', async () => {
    const node = await startNode()
    const health = node.health()
    expect(health.healthy).toBe(true)
    expect(health.checks.map(c => c.name)).toEqual(['node_started', 'listening', 'address_book', 'connections'])
    const dump = node.dumpState()
    const json = JSON.stringify(dump)
    expect(dump.peerId).toBe(node.peerId)
    expect(dump.publicKey).toBe(Buffer.from(node.publicKey).toString('hex'))
    expect(json).not.toMatch(/privateKey|seed/i)
    await node.stop()
    expect(node.health().healthy).toBe(false)
  })
})

describe('after stop', () => {
  it('stats$ ends with a final snapshot at stop, and state$ gives the final state then completes', async () => {
    const node = await startNode()
    const seen: number[] = []
    let completed = false
    node.stats$.subscribe({ next: s => seen.push(s.at), complete: () => { completed = true } })
    await node.stop()
    // Completed inside stop(), not a throttle window later.
    expect(completed).toBe(true)
    expect(seen.length).toBeGreaterThanOrEqual(2)
    const states = await lastValueFrom(node.state$('12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA').pipe(toArray()))
    expect(states).toEqual([ConnectionState.Disconnected])
  })
})

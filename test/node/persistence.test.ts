import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { filter, firstValueFrom, take, timeout } from 'rxjs'
import { ConnectionState, ErrorCode, JsonFileStorage, createNode } from '../../lib/index.js'
import type { GlueberryError, GlueberryNode, NodeOptions } from '../../lib/index.js'
import { AddressBookCorruptError } from '../../lib/peers/index.js'
import { autoHandshake, nextMessage, startNode, stopAll, waitForState } from '../helpers/nodes.js'
import { listDir, makePeer, tempDir } from '../peers/helpers.js'
import { STARTUP_MS, killAll, spawnFixture } from './fixtures/child.js'

// The node's identity across restarts.
const SEED = Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i)
// Unparsable, and not even UTF-8: nothing to salvage.
const GARBAGE = Buffer.concat([Buffer.from('{"version":2,"peers":{"12D3KooW'), Buffer.from([0xff, 0xfe, 0x00, 0x9c]), Buffer.from('garbage')])

/** Nodes created here (started or not) and temp dirs, cleaned up after each test. */
const nodes = new Set<GlueberryNode>()
const cleanups: Array<() => void | Promise<void>> = []

async function makeNode (options: NodeOptions): Promise<GlueberryNode> {
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], ...options })
  nodes.add(node)
  return node
}

async function bookFile (): Promise<{ dir: string, file: string }> {
  const temp = await tempDir()
  cleanups.push(temp.cleanup)
  return { dir: temp.dir, file: join(temp.dir, 'book.json') }
}

afterEach(async () => {
  const created = [...nodes]
  nodes.clear()
  await Promise.all(created.map(async n => { await n.stop() }))
  await stopAll()
  await killAll()
  // unsubscribe first, remove the directories last
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

describe('address-book persistence (JSON file)', () => {
  it('keeps peers, their keys and metadata, and bans across a node restart', async () => {
    const { file } = await bookFile()
    const b = await startNode()
    const a = await startNode({ privateKey: SEED.slice(), addressBook: file, reconnect: { maxAttempts: 0 } })
    cleanups.push(autoHandshake(a, ['x']), autoHandshake(b, ['x']))
    const offline = await makePeer()
    const banned = await makePeer()

    await a.addPeer(b.peerId, b.multiaddrs, { role: 'validator' })
    await waitForState(a, b.peerId, ConnectionState.Established)
    await a.addPeer(offline.id, ['/ip4/127.0.0.1/tcp/1'], { role: 'offline' })
    await a.blacklist(banned.id, 'spam')
    const before = a.listPeers()
    expect(before.map(p => p.peerId)).toEqual([b.peerId, offline.id])
    // learnt from the handshake and the connection
    expect(before[0]?.publicKey).toEqual(b.publicKey)
    expect(before[0]?.lastSeen).toEqual(expect.any(Number))
    await a.stop()

    // A new node on the same file and seed: same identity, same book.
    const again = await makeNode({ privateKey: SEED.slice(), addressBook: file })
    expect(again.peerId).toBe(a.peerId)
    expect(again.listPeers()).toEqual(before)
    expect(again.getPeer(b.peerId)?.metadata).toEqual({ role: 'validator' })
    expect(again.isBlacklisted(banned.id)).toBe(true)
    expect(again.isBlacklisted(offline.id)).toBe(false)
    expect(again.dumpState().peers.find(p => p.peerId === banned.id)).toBeUndefined()

    // It uses the book on start: it reconnects to b by itself, and refuses the banned peer.
    cleanups.push(autoHandshake(again, ['x']))
    await again.start()
    await waitForState(again, b.peerId, ConnectionState.Established)
    const got = nextMessage(b, m => m.stream === 'x')
    await again.send(b.peerId, 'x', Uint8Array.of(7))
    expect(await got).toMatchObject({ peerId: a.peerId, data: Uint8Array.of(7) })
    await expect(again.connect(banned.id)).rejects.toMatchObject({ code: ErrorCode.PeerBlacklisted })
    await expect(again.addPeer(banned.id, ['/ip4/127.0.0.1/tcp/2'])).rejects.toMatchObject({ code: ErrorCode.PeerBlacklisted })
  })

  it('keeps a corrupt file aside as a backup and never empties or overwrites it', async () => {
    const { dir, file } = await bookFile()
    await writeFile(file, GARBAGE)
    const node = await makeNode({ addressBook: file })
    expect(node.listPeers()).toEqual([])

    const names = await listDir(dir)
    expect(names).toHaveLength(2)
    expect(names[0]).toBe('book.json')
    expect(names[1]).toMatch(/^book\.json\.corrupt-/)
    expect(await readFile(join(dir, names[1] ?? ''))).toEqual(GARBAGE)

    // Writes are refused (quarantine) rather than replacing the file with an empty book.
    await node.start()
    const peer = await makePeer()
    const refused = await node.addPeer(peer.id, ['/ip4/127.0.0.1/tcp/1']).then(() => undefined, (err: unknown) => err)
    expect(refused).toBeInstanceOf(AddressBookCorruptError)
    expect((refused as AddressBookCorruptError).code).toBe(ErrorCode.AddressBookCorrupt)
    expect((refused as AddressBookCorruptError).message).toContain(names[1])
    await node.stop()
    expect(await readFile(file)).toEqual(GARBAGE)

    // A restart over the same bytes reuses the backup instead of adding another.
    await makeNode({ addressBook: file })
    expect(await listDir(dir)).toEqual(names)
  })

  // BUG (lib/node.ts): createNode() opens the book, and the load report
  // (with the corruption) is dropped; errors$ is hot and exists only after
  // createNode() returns, so nobody can ever see the corruption on errors$.
  it('reports a corrupt file found when the node is created on errors$', async () => {
    const { file } = await bookFile()
    await writeFile(file, GARBAGE)
    const node = await makeNode({ addressBook: file })
    // subscribed as early as the API allows: before start()
    const reported = firstValueFrom(node.errors$.pipe(
      filter(e => e.code === ErrorCode.AddressBookCorrupt), take(1), timeout(3000)
    )).catch((): GlueberryError | undefined => undefined)
    await node.start()
    const error = await reported
    expect(error?.code).toBe(ErrorCode.AddressBookCorrupt)
    expect((error as AddressBookCorruptError | undefined)?.backupPath).toMatch(/book\.json\.corrupt-/)
  })

  it('salvages the valid part of a damaged file, and writes again once the corruption is acknowledged', async () => {
    const { dir, file } = await bookFile()
    const [p1, p2, p3, banned] = [await makePeer(), await makePeer(), await makePeer(), await makePeer()]
    const writer = await makeNode({ addressBook: file })
    await writer.addPeer(p1.id, ['/ip4/127.0.0.1/tcp/1001', '/ip4/127.0.0.1/tcp/1002'], { n: '1' })
    await writer.addPeer(p2.id, ['/ip4/127.0.0.1/tcp/2001'], { n: '2' })
    await writer.blacklist(banned.id)
    await writer.stop()

    // A hand edit gone wrong: one bad address, one bad peer id.
    const json = JSON.parse(await readFile(file, 'utf8')) as { peers: Record<string, { multiaddrs: string[] }> }
    const first = json.peers[p1.id]
    if (first === undefined) throw new Error('p1 not written')
    first.multiaddrs[1] = 'not a multiaddr'
    json.peers['not-a-peer-id'] = { multiaddrs: [] }
    const damaged = JSON.stringify(json)
    await writeFile(file, damaged)

    // The application keeps the storage to acknowledge the corruption (the node has no call for it).
    const storage = new JsonFileStorage(file)
    const node = await makeNode({ addressBook: storage })
    expect(node.listPeers().map(p => [p.peerId, p.multiaddrs, p.metadata])).toEqual([
      [p1.id, ['/ip4/127.0.0.1/tcp/1001'], { n: '1' }],
      [p2.id, ['/ip4/127.0.0.1/tcp/2001'], { n: '2' }]
    ])
    expect(node.isBlacklisted(banned.id)).toBe(true)
    await expect(node.addPeer(p3.id, ['/ip4/127.0.0.1/tcp/3001'])).rejects.toMatchObject({ code: ErrorCode.AddressBookCorrupt })
    expect(await readFile(file, 'utf8')).toBe(damaged)

    storage.acknowledgeCorruption()
    await node.addPeer(p3.id, ['/ip4/127.0.0.1/tcp/3001'])
    await node.stop()
    const reopened = await makeNode({ addressBook: file })
    expect(reopened.listPeers().map(p => p.peerId)).toEqual([p1.id, p2.id, p3.id])
    expect(reopened.isBlacklisted(banned.id)).toBe(true)
    // the damaged original is still in its backup
    const backup = (await listDir(dir)).find(name => name.startsWith('book.json.corrupt-'))
    expect(await readFile(join(dir, backup ?? ''), 'utf8')).toBe(damaged)
  })

  it('loses no peer when two node processes add peers to one file at the same time', async () => {
    const { dir, file } = await bookFile()
    const COUNT = 40
    const writers = [spawnFixture('book-writer.ts', [file, String(COUNT)]), spawnFixture('book-writer.ts', [file, String(COUNT)])]
    await Promise.all(writers.map(async w => await w.line(l => l === 'ready')))
    // both start at the same moment
    for (const w of writers) w.process.stdin.write('go\n')
    type Summary = { peerId: string, ids: string[], sawOthers: boolean }
    const [one, two] = await Promise.all(writers.map(async w => await w.json<Summary>(v => Array.isArray(v.ids))))
    expect(await Promise.all(writers.map(async w => await w.exited))).toEqual([{ code: 0, signal: null }, { code: 0, signal: null }])
    if (one === undefined || two === undefined) throw new Error('missing summary')

    const reader = await makeNode({ addressBook: file })
    const stored = reader.listPeers()
    expect(stored).toHaveLength(2 * COUNT)
    expect(new Set(stored.map(p => p.peerId))).toEqual(new Set([...one.ids, ...two.ids]))
    for (const entry of stored) expect(entry.metadata.writer).toBe(one.ids.includes(entry.peerId) ? one.peerId : two.peerId)
    // the writes really interleaved
    expect(one.sawOthers || two.sawOthers).toBe(true)
    // no lock or temporary file left behind
    expect(await listDir(dir)).toEqual(['book.json'])
  }, 2 * STARTUP_MS)
})

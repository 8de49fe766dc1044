import { peerIdFromString } from '@libp2p/peer-id'
import type { Subscription } from 'rxjs'
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import { AddressBook, MemoryStorage } from '../../lib/peers/index.js'
import type { AddressBookStorage, Mutation, PeerEntry, StorageResult } from '../../lib/peers/index.js'
import { CountingStorage, makePeers, rejectionOf, thrownBy } from './helpers.js'
import type { TestPeer } from './helpers.js'

const [a, b, c, d] = await makePeers(4) as [TestPeer, TestPeer, TestPeer, TestPeer]
const many = await makePeers(100)
const ADDR = '/ip4/127.0.0.1/tcp/4001'
const ADDR2 = '/ip4/10.0.0.2/tcp/4002'

/** A clock the test moves by hand. */
function clock (start = 1_000): { now: () => number, advance: (ms: number) => void } {
  let t = start
  return { now: () => t, advance: ms => { t += ms } }
}

const books: AddressBook[] = []
function book (storage: AddressBookStorage = new MemoryStorage(), options: ConstructorParameters<typeof AddressBook>[1] = {}): AddressBook {
  const created = new AddressBook(storage, options)
  books.push(created)
  return created
}
afterEach(async () => {
  await Promise.all(books.splice(0).map(async b => await b.close().catch(() => {})))
})

const delay = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

/** Polls until `condition` holds: timers may fire late on a loaded machine. */
async function waitFor (condition: () => boolean | Promise<boolean>, timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await delay(5)
  }
}

describe('AddressBook', () => {
  describe('construction', () => {
    it('validates its options and storage', () => {
      const storage = new MemoryStorage()
      expect(thrownBy(() => new AddressBook(storage, { maxMetadataBytes: -1 })).code).toBe(ErrorCode.InvalidConfig)
      expect(thrownBy(() => new AddressBook(storage, { maxMetadataBytes: 1.5 })).code).toBe(ErrorCode.InvalidConfig)
      expect(thrownBy(() => new AddressBook(storage, { lastSeenFlushInterval: 0 })).code).toBe(ErrorCode.InvalidConfig)
      expect(thrownBy(() => new AddressBook(storage, { lastSeenFlushInterval: Number.NaN })).code).toBe(ErrorCode.InvalidConfig)
      expect(thrownBy(() => new AddressBook({} as AddressBookStorage)).code).toBe(ErrorCode.InvalidConfig)
      expect(thrownBy(() => new AddressBook(null as unknown as AddressBookStorage)).code).toBe(ErrorCode.InvalidConfig)
    })

    it('opens an empty storage and returns the same report twice', async () => {
      const counting = new CountingStorage(new MemoryStorage())
      const ab = book(counting)
      const report = await ab.open()
      expect(report).toEqual({ peers: 0, blacklisted: 0, problems: [], quarantined: false })
      expect(await ab.open()).toBe(report)
      expect(counting.loads).toBe(1)
      expect(ab.list()).toEqual([])
    })

    it('opens itself on the first change', async () => {
      const counting = new CountingStorage(new MemoryStorage())
      const ab = book(counting)
      await ab.add(a.id, [ADDR])
      expect(counting.loads).toBe(1)
      expect(ab.has(a.id)).toBe(true)
    })
  })

  describe('add', () => {
    it('creates an entry with both times set to now and returns a copy', async () => {
      const t = clock()
      const ab = book(new MemoryStorage(), { now: t.now })
      const entry = await ab.add(a.id, [ADDR], { role: 'validator' })
      expect(entry).toEqual({ peerId: a.id, multiaddrs: [ADDR], metadata: { role: 'validator' }, createdAt: 1000, updatedAt: 1000 })
      expect(ab.get(a.id)).toEqual(entry)
      entry.multiaddrs.push('/ip4/6.6.6.6/tcp/6')
      entry.metadata.role = 'changed'
      expect(ab.get(a.id)?.multiaddrs).toEqual([ADDR])
      expect(ab.get(a.id)?.metadata).toEqual({ role: 'validator' })
    })

    it('upserts: replaces addresses, keeps metadata unless given, keeps creation time and key', async () => {
      const t = clock()
      const ab = book(new MemoryStorage(), { now: t.now })
      await ab.add(a.id, [ADDR], { role: 'validator' })
      await ab.setPublicKey(a.id, a.publicKey)
      ab.touchLastSeen(a.id)
      await ab.flush()
      t.advance(10)
      const kept = await ab.add(a.id, [ADDR2])
      expect(kept).toEqual({
        peerId: a.id, multiaddrs: [ADDR2], metadata: { role: 'validator' }, publicKey: a.publicKey, lastSeen: 1000, createdAt: 1000, updatedAt: 1010
      })
      t.advance(10)
      const replaced = await ab.add(a.id, [], {})
      expect(replaced.metadata).toEqual({})
      expect(replaced.multiaddrs).toEqual([])
      expect(replaced.updatedAt).toBe(1020)
      expect(ab.list()).toHaveLength(1)
    })

    it('stores canonical peer ids and multiaddrs, without duplicates', async () => {
      const ab = book()
      const cid = peerIdFromString(a.id).toCID().toString()
      const entry = await ab.add(cid, [ADDR, ADDR, '/ip4/127.0.0.1/tcp/4001', `/ip4/1.2.3.4/tcp/5/p2p/${a.id}`])
      expect(entry.peerId).toBe(a.id)
      expect(entry.multiaddrs).toEqual([ADDR, `/ip4/1.2.3.4/tcp/5/p2p/${a.id}`])
      expect(ab.get(cid)?.peerId).toBe(a.id)
      expect(ab.has(cid)).toBe(true)
    })

    it('does not keep references to the caller\'s arrays and objects', async () => {
      const ab = book()
      const addrs = [ADDR]
      const metadata = { k: 'v' }
      await ab.add(a.id, addrs, metadata)
      addrs.push(ADDR2)
      metadata.k = 'changed'
      expect(ab.get(a.id)?.multiaddrs).toEqual([ADDR])
      expect(ab.get(a.id)?.metadata).toEqual({ k: 'v' })
    })

    it.each([
      ['garbage', 'not-a-peer-id'],
      ['an empty string', ''],
      ['a number', 42],
      ['undefined', undefined],
      ['a peer id with whitespace', ` ${'12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'}`]
    ])('rejects %s as peer id with InvalidPeerId', async (_name, id) => {
      const ab = book()
      const err = await rejectionOf(ab.add(id as string, [ADDR]))
      expect(err).toBeInstanceOf(GlueberryError)
      expect(err.code).toBe(ErrorCode.InvalidPeerId)
      expect(ab.list()).toEqual([])
    })

    it.each([
      ['garbage', ['garbage']],
      ['an unknown protocol', ['/bogus/1']],
      ['an invalid port', ['/ip4/1.2.3.4/tcp/99999']],
      ['an invalid ip', ['/ip4/999.1.1.1/tcp/1']],
      ['an empty string', ['']],
      ['the empty multiaddr', ['/']],
      ['a non-string', [42]],
      ['a non-array', '/ip4/1.2.3.4/tcp/1'],
      ['another peer in /p2p/', [`/ip4/1.2.3.4/tcp/1/p2p/${b.id}`]],
      ['one bad among good ones', [ADDR, 'bad']]
    ])('rejects %s as multiaddr with InvalidMultiaddr', async (_name, addrs) => {
      const ab = book()
      const err = await rejectionOf(ab.add(a.id, addrs as string[]))
      expect(err.code).toBe(ErrorCode.InvalidMultiaddr)
      expect(err.peer).toBe(a.id)
      expect(ab.has(a.id)).toBe(false)
    })

    it('limits metadata to maxMetadataBytes of UTF-8 keys plus values', async () => {
      const ab = book(new MemoryStorage(), { maxMetadataBytes: 10 })
      await ab.add(a.id, [], { abc: '1234567' }) // 3 + 7 = 10: at the limit
      const err = await rejectionOf(ab.add(b.id, [], { abc: '12345678' }))
      expect(err.code).toBe(ErrorCode.MetadataTooLarge)
      // 'é' is two bytes in UTF-8: 1 + 5 * 2 = 11
      expect((await rejectionOf(ab.add(b.id, [], { k: 'ééééé' }))).code).toBe(ErrorCode.MetadataTooLarge)
      expect(ab.has(b.id)).toBe(false)
      expect((await rejectionOf(book().add(c.id, [], { k: 'x'.repeat(4096) }))).code).toBe(ErrorCode.MetadataTooLarge)
    })

    it.each([
      ['a non-string value', { k: 5 }],
      ['an array', ['a']],
      ['null', null],
      ['a string', 'meta']
    ])('rejects metadata that is %s with InvalidConfig', async (_name, metadata) => {
      const err = await rejectionOf(book().add(a.id, [], metadata as unknown as Record<string, string>))
      expect(err.code).toBe(ErrorCode.InvalidConfig)
    })

    it('refuses a blacklisted peer', async () => {
      const ab = book()
      await ab.blacklist(a.id)
      const err = await rejectionOf(ab.add(a.id, [ADDR]))
      expect(err.code).toBe(ErrorCode.PeerBlacklisted)
      expect(err.peer).toBe(a.id)
      expect(ab.has(a.id)).toBe(false)
    })
  })

  describe('remove, get, has, list', () => {
    it('removes an entry', async () => {
      const ab = book()
      await ab.add(a.id, [ADDR])
      await ab.add(b.id, [ADDR2])
      await ab.remove(a.id)
      expect(ab.has(a.id)).toBe(false)
      expect(ab.get(a.id)).toBeUndefined()
      expect(ab.list().map(e => e.peerId)).toEqual([b.id])
    })

    it('fails with PeerNotFound for an absent peer and InvalidPeerId for garbage', async () => {
      const ab = book()
      expect((await rejectionOf(ab.remove(a.id))).code).toBe(ErrorCode.PeerNotFound)
      expect((await rejectionOf(ab.remove('nope'))).code).toBe(ErrorCode.InvalidPeerId)
      expect(thrownBy(() => ab.get('nope')).code).toBe(ErrorCode.InvalidPeerId)
      expect(thrownBy(() => ab.has('nope')).code).toBe(ErrorCode.InvalidPeerId)
      expect(ab.get(a.id)).toBeUndefined()
      expect(ab.has(a.id)).toBe(false)
    })

    it('lists entries in the order they were first added, as copies', async () => {
      const ab = book()
      await ab.add(b.id, [])
      await ab.add(a.id, [])
      await ab.add(c.id, [])
      await ab.add(b.id, [ADDR]) // an upsert keeps the position
      const list = ab.list()
      expect(list.map(e => e.peerId)).toEqual([b.id, a.id, c.id])
      list[0]?.multiaddrs.push('x')
      expect(ab.list()[0]?.multiaddrs).toEqual([ADDR])
    })
  })

  describe('setPublicKey', () => {
    it('stores a copy of the key of the peer', async () => {
      const t = clock()
      const ab = book(new MemoryStorage(), { now: t.now })
      await ab.add(a.id, [ADDR])
      t.advance(5)
      const key = a.publicKey.slice()
      const entry = await ab.setPublicKey(a.id, key)
      expect(entry.publicKey).toEqual(a.publicKey)
      expect(entry.updatedAt).toBe(1005)
      key.fill(0)
      expect(ab.get(a.id)?.publicKey).toEqual(a.publicKey)
      const copy = ab.get(a.id)?.publicKey
      copy?.fill(0)
      expect(ab.get(a.id)?.publicKey).toEqual(a.publicKey)
    })

    it('rejects bad keys and unknown peers', async () => {
      const ab = book()
      await ab.add(a.id, [ADDR])
      expect((await rejectionOf(ab.setPublicKey(a.id, a.publicKey.slice(0, 31)))).code).toBe(ErrorCode.InvalidKey)
      expect((await rejectionOf(ab.setPublicKey(a.id, new Uint8Array(33)))).code).toBe(ErrorCode.InvalidKey)
      expect((await rejectionOf(ab.setPublicKey(a.id, 'key' as unknown as Uint8Array))).code).toBe(ErrorCode.InvalidKey)
      expect((await rejectionOf(ab.setPublicKey(a.id, b.publicKey))).code).toBe(ErrorCode.PublicKeyMismatch)
      expect((await rejectionOf(ab.setPublicKey(b.id, b.publicKey))).code).toBe(ErrorCode.PeerNotFound)
      expect((await rejectionOf(ab.setPublicKey('nope', b.publicKey))).code).toBe(ErrorCode.InvalidPeerId)
      // an RSA peer id can never own an Ed25519 key
      const rsa = 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'
      await ab.add(rsa, [])
      expect((await rejectionOf(ab.setPublicKey(rsa, a.publicKey))).code).toBe(ErrorCode.PublicKeyMismatch)
      expect(ab.get(a.id)?.publicKey).toBeUndefined()
    })
  })

  describe('blacklist', () => {
    it('bans peers that are not in the book', async () => {
      const t = clock()
      const ab = book(new MemoryStorage(), { now: t.now })
      const ban = await ab.blacklist(a.id, 'spam')
      expect(ban).toEqual({ peerId: a.id, since: 1000, reason: 'spam' })
      expect(ab.isBlacklisted(a.id)).toBe(true)
      expect(ab.has(a.id)).toBe(false)
      expect(ab.listBlacklist()).toEqual([ban])
    })

    it('keeps the entry of a banned peer, and the ban of a removed peer (Go C17)', async () => {
      const ab = book()
      await ab.add(a.id, [ADDR])
      await ab.blacklist(a.id)
      expect(ab.has(a.id)).toBe(true)
      await ab.remove(a.id)
      expect(ab.isBlacklisted(a.id)).toBe(true)
      expect((await rejectionOf(ab.add(a.id, [ADDR]))).code).toBe(ErrorCode.PeerBlacklisted)
    })

    it('keeps the first ban time and replaces the reason when given', async () => {
      const t = clock()
      const ab = book(new MemoryStorage(), { now: t.now })
      await ab.blacklist(a.id, 'first')
      t.advance(100)
      expect(await ab.blacklist(a.id)).toEqual({ peerId: a.id, since: 1000, reason: 'first' })
      expect(await ab.blacklist(a.id, 'second')).toEqual({ peerId: a.id, since: 1000, reason: 'second' })
    })

    it('unbans, answering whether there was a ban', async () => {
      const ab = book()
      await ab.blacklist(a.id)
      expect(await ab.unblacklist(a.id)).toBe(true)
      expect(ab.isBlacklisted(a.id)).toBe(false)
      expect(await ab.unblacklist(a.id)).toBe(false)
      await ab.add(a.id, [ADDR])
      expect((await rejectionOf(ab.unblacklist('nope'))).code).toBe(ErrorCode.InvalidPeerId)
    })

    it('checks the reason', async () => {
      const ab = book(new MemoryStorage(), { maxMetadataBytes: 8 })
      expect((await rejectionOf(ab.blacklist(a.id, 'x'.repeat(9)))).code).toBe(ErrorCode.MetadataTooLarge)
      expect((await rejectionOf(ab.blacklist(a.id, 5 as unknown as string))).code).toBe(ErrorCode.InvalidConfig)
      expect((await rejectionOf(ab.blacklist('nope'))).code).toBe(ErrorCode.InvalidPeerId)
      expect(ab.isBlacklisted(a.id)).toBe(false)
    })

    it('answers isBlacklisted synchronously, for any spelling, and never throws', async () => {
      const ab = book()
      expect(ab.isBlacklisted(a.id)).toBe(false)
      await ab.blacklist(a.id)
      expect(ab.isBlacklisted(a.id)).toBe(true)
      expect(ab.isBlacklisted(peerIdFromString(a.id).toCID().toString())).toBe(true)
      expect(ab.isBlacklisted(b.id)).toBe(false)
      expect(ab.isBlacklisted('garbage')).toBe(false)
      expect(ab.isBlacklisted('')).toBe(false)
      expect(ab.isBlacklisted(undefined as unknown as string)).toBe(false)
    })
  })

  describe('touchLastSeen', () => {
    it('is visible at once and written in one batch after the interval', async () => {
      const t = clock()
      const counting = new CountingStorage(new MemoryStorage())
      const ab = book(counting, { now: t.now, lastSeenFlushInterval: 30 })
      await ab.add(a.id, [ADDR])
      await ab.add(b.id, [ADDR])
      const writes = counting.updates
      t.advance(5)
      ab.touchLastSeen(a.id)
      ab.touchLastSeen(b.id)
      t.advance(5)
      ab.touchLastSeen(a.id)
      expect(ab.get(a.id)?.lastSeen).toBe(1010)
      expect(ab.get(b.id)?.lastSeen).toBe(1005)
      expect(ab.get(a.id)?.updatedAt).toBe(1000) // LastSeen is not an update
      expect(counting.updates).toBe(writes)
      await waitFor(() => counting.updates > writes)
      expect(counting.updates).toBe(writes + 1)
      const stored = (await counting.load()).snapshot
      expect(stored.peers.get(a.id)?.lastSeen).toBe(1010)
      expect(stored.peers.get(b.id)?.lastSeen).toBe(1005)
      await delay(60)
      expect(counting.updates).toBe(writes + 1) // nothing pending: no timer, no write
    })

    it('is written by flush() and by close() (Go C9)', async () => {
      // close() closes the storage; this one survives it so a second book can look
      const inner = new MemoryStorage()
      const storage: AddressBookStorage = { load: async () => await inner.load(), update: async m => await inner.update(m), close: async () => {} }
      const t = clock()
      const ab = book(storage, { now: t.now, lastSeenFlushInterval: 60_000 })
      await ab.add(a.id, [ADDR])
      ab.touchLastSeen(a.id)
      await ab.flush()
      expect((await storage.load()).snapshot.peers.get(a.id)?.lastSeen).toBe(1000)
      t.advance(1)
      ab.touchLastSeen(a.id)
      await ab.close()
      const reopened = book(storage)
      await reopened.open()
      expect(reopened.get(a.id)?.lastSeen).toBe(1001)
    })

    it('ignores peers that are not in the book, rejects garbage, never moves back', async () => {
      const storage = new MemoryStorage()
      const t = clock(5000)
      const ab = book(storage, { now: t.now })
      const other = book(storage, { now: () => 9000 })
      await ab.add(a.id, [ADDR])
      ab.touchLastSeen(b.id)
      expect(ab.has(b.id)).toBe(false)
      expect(thrownBy(() => ab.touchLastSeen('nope')).code).toBe(ErrorCode.InvalidPeerId)
      await other.open()
      other.touchLastSeen(a.id)
      await other.flush()
      ab.touchLastSeen(a.id) // 5000, older than what the other book wrote
      await ab.flush()
      expect(ab.get(a.id)?.lastSeen).toBe(9000)
      expect(ab.has(b.id)).toBe(false)
    })

    it('survives a reload that does not know the pending time yet', async () => {
      const ab = book(new MemoryStorage(), { lastSeenFlushInterval: 60_000, now: () => 7 })
      await ab.add(a.id, [])
      ab.touchLastSeen(a.id)
      await ab.reload()
      expect(ab.get(a.id)?.lastSeen).toBe(7)
    })

    it('forgets a pending time when the peer is removed', async () => {
      const storage = new MemoryStorage()
      const ab = book(storage, { lastSeenFlushInterval: 60_000, now: () => 7 })
      await ab.add(a.id, [])
      ab.touchLastSeen(a.id)
      await ab.remove(a.id)
      await ab.add(a.id, [])
      await ab.flush()
      expect(ab.get(a.id)?.lastSeen).toBeUndefined()
    })

    it('reports a failed background write on errors$ and retries it', async () => {
      const failing = new FlakyStorage(new MemoryStorage())
      const ab = book(failing, { lastSeenFlushInterval: 20 })
      const errors: GlueberryError[] = []
      ab.errors$.subscribe(e => errors.push(e))
      await ab.add(a.id, [])
      failing.failures = 1
      ab.touchLastSeen(a.id)
      await waitFor(() => ab.get(a.id) !== undefined && errors.length > 0 && failing.failures === 0)
      await waitFor(async () => (await failing.load()).snapshot.peers.get(a.id)?.lastSeen !== undefined)
      expect(errors).toHaveLength(1)
      expect(errors[0]?.code).toBe(ErrorCode.StorageFailed)
      expect(errors[0]?.cause).toBeInstanceOf(Error)
      expect((await failing.load()).snapshot.peers.get(a.id)?.lastSeen).toBeDefined()
    })
  })

  describe('peers$', () => {
    it('replays the current list to every new subscriber', async () => {
      const ab = book()
      await ab.add(a.id, [ADDR])
      const seen: Array<readonly PeerEntry[]> = []
      ab.peers$.subscribe(list => seen.push(list))
      expect(seen).toHaveLength(1)
      expect(seen[0]?.map(e => e.peerId)).toEqual([a.id])
    })

    it('emits each change, in order, before the call resolves', async () => {
      const ab = book()
      const seen: string[][] = []
      let resolved = false
      const resolvedAtEmission: boolean[] = []
      ab.peers$.subscribe(list => {
        seen.push(list.map(e => e.peerId))
        resolvedAtEmission.push(resolved)
      })
      await ab.open() // empty: no change, no emission
      await ab.add(a.id, []).then(() => { resolved = true })
      await ab.add(b.id, [])
      await ab.remove(a.id)
      await ab.blacklist(c.id) // the blacklist is not in peers$: no emission
      expect(seen).toEqual([[], [a.id], [a.id, b.id], [b.id]])
      expect(resolvedAtEmission.slice(0, 2)).toEqual([false, false])
    })

    it('does not emit when nothing changed', async () => {
      const ab = book()
      await ab.add(a.id, [])
      const seen: unknown[] = []
      ab.peers$.subscribe(list => seen.push(list))
      await ab.unblacklist(b.id)
      await ab.reload()
      await ab.flush()
      expect(seen).toHaveLength(1)
    })

    it('emits frozen copies', async () => {
      const ab = book()
      await ab.add(a.id, [ADDR], { k: 'v' })
      let list: readonly PeerEntry[] = []
      ab.peers$.subscribe(l => { list = l })
      const entry = list[0]
      expect(Object.isFrozen(list)).toBe(true)
      expect(() => { entry.multiaddrs.push('x') }).toThrow(TypeError)
      expect(() => { entry.metadata.k = 'w' }).toThrow(TypeError)
      expect(ab.get(a.id)?.metadata).toEqual({ k: 'v' })
    })
  })

  describe('concurrency in one process', () => {
    it('loses nothing when 100 adds run in parallel, and groups them into few writes', async () => {
      const counting = new CountingStorage(new MemoryStorage())
      const ab = book(counting)
      await ab.open()
      const entries = await Promise.all(many.map(async (p, i) => await ab.add(p.id, [`/ip4/127.0.0.1/tcp/${5000 + i}`])))
      expect(entries.map(e => e.peerId)).toEqual(many.map(p => p.id))
      expect(ab.list().map(e => e.peerId)).toEqual(many.map(p => p.id))
      expect(counting.updates).toBeLessThanOrEqual(2)
    })

    it('applies parallel calls in call order; one failing call fails alone', async () => {
      const ab = book()
      const results = await Promise.allSettled([
        ab.add(a.id, [ADDR]),
        ab.remove(b.id), // not there: fails alone
        ab.blacklist(c.id),
        ab.add(c.id, [ADDR]), // banned by the call before
        ab.remove(a.id),
        ab.add(a.id, [ADDR2]),
        ab.add(d.id, [ADDR])
      ])
      expect(results.map(r => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled'])
      expect(((results[1] as PromiseRejectedResult).reason as GlueberryError).code).toBe(ErrorCode.PeerNotFound)
      expect(((results[3] as PromiseRejectedResult).reason as GlueberryError).code).toBe(ErrorCode.PeerBlacklisted)
      expect(ab.list().map(e => [e.peerId, e.multiaddrs])).toEqual([[a.id, [ADDR2]], [d.id, [ADDR]]])
    })

    it('keeps call order around reload()', async () => {
      const storage = new MemoryStorage()
      const ab = book(storage)
      const other = book(storage)
      await other.add(b.id, [])
      const adding = ab.add(a.id, [])
      const reloading = ab.reload()
      const adding2 = ab.add(c.id, [])
      await Promise.all([adding, reloading, adding2])
      expect((await reloading).peers).toBe(2)
      expect(ab.list().map(e => e.peerId)).toEqual([b.id, a.id, c.id])
    })

    it('merges with changes made by another book on the same storage', async () => {
      const storage = new MemoryStorage()
      const one = book(storage)
      const two = book(storage)
      await one.open()
      await two.open()
      await one.add(a.id, [])
      await two.add(b.id, [])
      expect(two.list().map(e => e.peerId)).toEqual([a.id, b.id])
      expect(one.has(b.id)).toBe(false) // not before its next write or reload
      await one.reload()
      expect(one.has(b.id)).toBe(true)
      await two.blacklist(c.id)
      expect(one.isBlacklisted(c.id)).toBe(false)
      await one.add(d.id, [])
      expect(one.isBlacklisted(c.id)).toBe(true)
    })

    it('fails every call of a batch the storage could not write, wrapping foreign errors', async () => {
      const flaky = new FlakyStorage(new MemoryStorage())
      const ab = book(flaky)
      await ab.open()
      flaky.failures = 1
      const errors = await Promise.all([rejectionOf(ab.add(a.id, [])), rejectionOf(ab.add(b.id, []))])
      for (const err of errors) {
        expect(err.code).toBe(ErrorCode.StorageFailed)
        expect((err.cause as Error).message).toBe('disk on fire')
      }
      expect(ab.list()).toEqual([])
      await ab.add(a.id, [])
      expect(ab.has(a.id)).toBe(true)
    })
  })

  describe('close', () => {
    it('completes peers$ and errors$, and is idempotent', async () => {
      const ab = book()
      await ab.add(a.id, [])
      let peersDone = false
      let errorsDone = false
      const subs: Subscription[] = [
        ab.peers$.subscribe({ complete: () => { peersDone = true } }),
        ab.errors$.subscribe({ complete: () => { errorsDone = true } })
      ]
      const first = ab.close()
      const second = ab.close()
      await Promise.all([first, second])
      await ab.close()
      expect(peersDone && errorsDone).toBe(true)
      expect(ab.isClosed).toBe(true)
      expect(subs.every(s => s.closed)).toBe(true)
      // a late subscriber gets completion at once
      let late = false
      ab.peers$.subscribe({ complete: () => { late = true } })
      expect(late).toBe(true)
    })

    it('refuses changes afterwards but keeps answering reads', async () => {
      const ab = book()
      await ab.add(a.id, [])
      await ab.blacklist(b.id)
      await ab.close()
      for (const call of [ab.add(c.id, []), ab.remove(a.id), ab.blacklist(c.id), ab.unblacklist(b.id), ab.setPublicKey(a.id, a.publicKey), ab.open(), ab.reload()]) {
        expect((await rejectionOf(call)).code).toBe(ErrorCode.NodeStopped)
      }
      expect(ab.has(a.id)).toBe(true)
      expect(ab.isBlacklisted(b.id)).toBe(true)
      expect(() => { ab.touchLastSeen(a.id) }).not.toThrow()
      await ab.flush()
    })

    it('waits for queued changes and closes the storage', async () => {
      const storage = new MemoryStorage()
      const ab = book(storage)
      const adding = ab.add(a.id, [])
      await ab.close()
      await adding
      expect((await rejectionOf(storage.load())).code).toBe(ErrorCode.NodeStopped)
    })

    it('rejects when the last LastSeen write fails, after cleaning up', async () => {
      const flaky = new FlakyStorage(new MemoryStorage())
      const ab = book(flaky, { lastSeenFlushInterval: 60_000 })
      await ab.add(a.id, [])
      ab.touchLastSeen(a.id)
      flaky.failures = 1
      let done = false
      ab.peers$.subscribe({ complete: () => { done = true } })
      expect((await rejectionOf(ab.close())).code).toBe(ErrorCode.StorageFailed)
      expect(done).toBe(true)
    })
  })
})

/** A storage whose next `failures` updates throw a plain Error. */
class FlakyStorage implements AddressBookStorage {
  failures = 0
  constructor (private readonly inner: AddressBookStorage) {}
  async load (): Promise<StorageResult> { return await this.inner.load() }
  async update (mutate: Mutation): Promise<StorageResult> {
    if (this.failures > 0) {
      this.failures--
      throw new Error('disk on fire')
    }
    return await this.inner.update(mutate)
  }

  async close (): Promise<void> { await this.inner.close() }
}

import { readFile } from 'node:fs/promises'
import { ErrorCode } from '../../lib/errors.js'
import { ADDRESS_BOOK_VERSION, decodeAddressBook, encodeAddressBook, emptySnapshot } from '../../lib/peers/index.js'
import type { PeerEntry, Snapshot } from '../../lib/peers/index.js'
import { MAX_LISTED_PROBLEMS } from '../../lib/peers/codec.js'
import { fromBase64, toBase64 } from '../../lib/peers/base64.js'
import { makePeers, parseBook, thrownBy } from './helpers.js'
import type { TestPeer } from './helpers.js'

const [a, b, c] = await makePeers(3) as [TestPeer, TestPeer, TestPeer]

function sample (): Snapshot {
  const full: PeerEntry = {
    peerId: a.id,
    multiaddrs: ['/ip4/10.0.0.1/tcp/4001', '/dns4/example.com/tcp/443/wss'],
    publicKey: a.publicKey,
    metadata: Object.fromEntries([['name', 'alice'], ['__proto__', 'own key'], ['ключ', 'значение']]),
    lastSeen: 1_700_000_000_500,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_100
  }
  const bare: PeerEntry = { peerId: b.id, multiaddrs: [], metadata: {}, createdAt: 1, updatedAt: 2 }
  return {
    peers: new Map([[a.id, full], [b.id, bare]]),
    blacklist: new Map([[c.id, { peerId: c.id, since: 5, reason: 'spam' }], [b.id, { peerId: b.id, since: 6 }]])
  }
}

function fileWith (peers: unknown, blacklist: unknown = {}, version: unknown = 2): string {
  return JSON.stringify({ version, peers, blacklist })
}

describe('address book codec', () => {
  it('round-trips every field, in order', () => {
    const snapshot = sample()
    const text = encodeAddressBook(snapshot)
    const decoded = decodeAddressBook(text)
    expect(decoded.problems).toEqual([])
    expect(decoded.version).toBe(ADDRESS_BOOK_VERSION)
    expect([...decoded.snapshot.peers.keys()]).toEqual([a.id, b.id])
    expect(decoded.snapshot.peers.get(a.id)).toEqual(snapshot.peers.get(a.id))
    expect(decoded.snapshot.peers.get(b.id)).toEqual(snapshot.peers.get(b.id))
    expect(decoded.snapshot.blacklist).toEqual(snapshot.blacklist)
    // `__proto__` stays an ordinary metadata key and never touches a prototype
    const metadata = decoded.snapshot.peers.get(a.id)?.metadata ?? {}
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(metadata, '__proto__')?.value).toBe('own key')
  })

  it('writes the documented shape: version 2, base64 key, omitted optional fields', () => {
    const parsed = parseBook(encodeAddressBook(sample()))
    expect(parsed.version).toBe(2)
    expect(parsed.peers[a.id].publicKey).toBe(toBase64(a.publicKey))
    expect(parsed.peers[a.id].peerId).toBeUndefined()
    expect(Object.keys(parsed.peers[b.id]).sort()).toEqual(['createdAt', 'metadata', 'multiaddrs', 'updatedAt'])
    expect(parsed.blacklist[c.id]).toEqual({ since: 5, reason: 'spam' })
    expect(parsed.blacklist[b.id]).toEqual({ since: 6 })
    expect(encodeAddressBook(emptySnapshot())).toBe('{\n  "version": 2,\n  "peers": {},\n  "blacklist": {}\n}\n')
  })

  it('decodes the example in docs/ADDRESS_BOOK.md without a problem, and writes it back identically', async () => {
    const doc = await readFile(new URL('../../docs/ADDRESS_BOOK.md', import.meta.url), 'utf8')
    const example = /```json\n([\s\S]*?)```/.exec(doc)?.[1] ?? ''
    const decoded = decodeAddressBook(example)
    expect(decoded.problems).toEqual([])
    expect(decoded.snapshot.peers.size).toBe(2)
    expect(decoded.snapshot.blacklist.size).toBe(1)
    expect(encodeAddressBook(decoded.snapshot)).toBe(example)
  })

  it('reads empty and whitespace-only content as an empty book without problems', () => {
    for (const text of ['', '  \n\t']) {
      const decoded = decodeAddressBook(text)
      expect(decoded.problems).toEqual([])
      expect(decoded.snapshot.peers.size).toBe(0)
      expect(decoded.version).toBe(0)
    }
  })

  it('treats missing sections as empty', () => {
    const decoded = decodeAddressBook('{"version":2}')
    expect(decoded.problems).toEqual([])
    expect(decoded.snapshot.peers.size).toBe(0)
    expect(decoded.snapshot.blacklist.size).toBe(0)
  })

  it.each([
    ['garbage', 'this is not json'],
    ['truncated JSON', encodeAddressBook(sample()).slice(0, 80)],
    ['a JSON array', '[1,2,3]'],
    ['a JSON string', '"hello"'],
    ['null', 'null'],
    ['no version', '{"peers":{}}'],
    ['version 0', '{"version":0,"peers":{}}'],
    ['a string version', '{"version":"2","peers":{}}'],
    ['a fractional version', '{"version":1.5,"peers":{}}']
  ])('reports %s as one problem and salvages nothing', (_name, text) => {
    const decoded = decodeAddressBook(text)
    expect(decoded.problems).toHaveLength(1)
    expect(decoded.snapshot.peers.size).toBe(0)
  })

  it('refuses a version from the future', () => {
    const err = thrownBy(() => decodeAddressBook('{"version":3,"peers":{}}'))
    expect(err.code).toBe(ErrorCode.UnsupportedVersion)
  })

  it('drops an entry with a bad peer id and keeps the others', () => {
    const text = fileWith({
      'not-a-peer-id': { multiaddrs: [], metadata: {}, createdAt: 1, updatedAt: 1 },
      [a.id]: { multiaddrs: ['/ip4/1.2.3.4/tcp/1'], metadata: {}, createdAt: 1, updatedAt: 1 }
    })
    const decoded = decodeAddressBook(text)
    expect(decoded.problems).toHaveLength(1)
    expect(decoded.problems[0]?.message).toMatch(/invalid peer id/)
    expect([...decoded.snapshot.peers.keys()]).toEqual([a.id])
  })

  it('keeps an entry with a bad multiaddr, without that address, and reports it', () => {
    const text = fileWith({ [a.id]: { multiaddrs: ['/ip4/1.2.3.4/tcp/1', '/bogus/1', 42, `/ip4/1.1.1.1/tcp/1/p2p/${b.id}`], metadata: {}, createdAt: 1, updatedAt: 1 } })
    const decoded = decodeAddressBook(text)
    expect(decoded.snapshot.peers.get(a.id)?.multiaddrs).toEqual(['/ip4/1.2.3.4/tcp/1'])
    expect(decoded.problems).toHaveLength(3)
    expect(decoded.problems.every(p => p.peerId === a.id)).toBe(true)
  })

  it('repairs each bad field to its empty value and reports it', () => {
    const text = fileWith({
      [a.id]: { multiaddrs: 'nope', metadata: { ok: 'yes', n: 5 }, publicKey: '!!!', lastSeen: -1, createdAt: 'x' },
      [b.id]: { multiaddrs: [], metadata: [], publicKey: toBase64(a.publicKey), createdAt: 1, updatedAt: 1 },
      [c.id]: 'not an object'
    })
    const decoded = decodeAddressBook(text)
    const ea = decoded.snapshot.peers.get(a.id)
    expect(ea).toEqual({ peerId: a.id, multiaddrs: [], metadata: { ok: 'yes' }, createdAt: 0, updatedAt: 0 })
    const eb = decoded.snapshot.peers.get(b.id)
    expect(eb?.publicKey).toBeUndefined() // a's key is not b's
    expect(eb?.metadata).toEqual({})
    expect(decoded.snapshot.peers.get(c.id)).toEqual({ peerId: c.id, multiaddrs: [], metadata: {}, createdAt: 0, updatedAt: 0 })
    // a: multiaddrs, metadata n, publicKey, lastSeen, createdAt, updatedAt; b: metadata, publicKey; c: not an object
    expect(decoded.problems).toHaveLength(9)
  })

  it('rejects a public key of the wrong length or in non-canonical base64', () => {
    const short = toBase64(a.publicKey.slice(0, 31))
    const canonical = toBase64(a.publicKey)
    // set an unused low bit of the last character: atob still decodes it, to the same bytes
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    const last = alphabet.indexOf(canonical.at(-2) ?? '')
    const sloppy = canonical.slice(0, -2) + (alphabet[last ^ 1] ?? '') + '='
    expect(fromBase64(sloppy)).toBeUndefined()
    for (const key of [short, sloppy, 'AAAA']) {
      const decoded = decodeAddressBook(fileWith({ [a.id]: { multiaddrs: [], metadata: {}, publicKey: key, createdAt: 1, updatedAt: 1 } }))
      expect(decoded.snapshot.peers.get(a.id)?.publicKey).toBeUndefined()
      expect(decoded.problems).toHaveLength(1)
    }
  })

  it('keeps a ban whenever its peer id is valid, repairing its fields', () => {
    const decoded = decodeAddressBook(fileWith({}, { [a.id]: 'x', [b.id]: { since: 'yesterday', reason: 7 }, 'bad-id': { since: 1 } }))
    expect(decoded.snapshot.blacklist.get(a.id)).toEqual({ peerId: a.id, since: 0 })
    expect(decoded.snapshot.blacklist.get(b.id)).toEqual({ peerId: b.id, since: 0 })
    expect(decoded.snapshot.blacklist.size).toBe(2)
    expect(decoded.problems).toHaveLength(4)
  })

  it('reports sections of the wrong type', () => {
    const decoded = decodeAddressBook(JSON.stringify({ version: 2, peers: [], blacklist: 5 }))
    expect(decoded.problems).toHaveLength(2)
  })

  it('canonicalises peer ids and reports duplicates', async () => {
    const { peerIdFromString } = await import('@libp2p/peer-id')
    const cid = peerIdFromString(a.id).toCID().toString()
    const entry = { multiaddrs: [], metadata: {}, createdAt: 1, updatedAt: 1 }
    const decoded = decodeAddressBook(fileWith({ [cid]: entry, [a.id]: { ...entry, createdAt: 2 } }))
    expect([...decoded.snapshot.peers.keys()]).toEqual([a.id])
    expect(decoded.snapshot.peers.get(a.id)?.createdAt).toBe(1)
    expect(decoded.problems).toHaveLength(1)
  })

  it('lists at most MAX_LISTED_PROBLEMS problems and summarises the rest', () => {
    const peers = Object.fromEntries(Array.from({ length: MAX_LISTED_PROBLEMS + 50 }, (_, i) => [`bad-${i}`, {}]))
    const decoded = decodeAddressBook(fileWith(peers))
    expect(decoded.problems).toHaveLength(MAX_LISTED_PROBLEMS + 1)
    expect(decoded.problems.at(-1)?.message).toBe('50 more problems not listed')
  })

  it('migrates the Go original\'s version 1 format', () => {
    const v1 = {
      version: 1,
      peers: {
        [a.id]: {
          peer_id: a.id,
          public_key: toBase64(a.publicKey),
          metadata: { role: 'validator' },
          last_seen: '2026-01-27T10:00:01.5+02:00',
          blacklisted: false,
          created_at: '2026-01-27T10:00:00.123456789+02:00',
          updated_at: '2026-01-27T10:00:00.5Z',
          multiaddrs: ['/ip4/1.2.3.4/tcp/9000']
        },
        [b.id]: {
          peer_id: b.id,
          last_seen: '0001-01-01T00:00:00Z',
          blacklisted: true,
          created_at: '2026-01-27T08:00:00Z',
          updated_at: '2026-01-27T09:00:00Z',
          multiaddrs: []
        }
      }
    }
    const decoded = decodeAddressBook(JSON.stringify(v1))
    expect(decoded.problems).toEqual([])
    expect(decoded.version).toBe(1)
    expect(decoded.snapshot.peers.get(a.id)).toEqual({
      peerId: a.id,
      multiaddrs: ['/ip4/1.2.3.4/tcp/9000'],
      publicKey: a.publicKey,
      metadata: { role: 'validator' },
      lastSeen: Date.parse('2026-01-27T08:00:01.5Z'),
      createdAt: Date.parse('2026-01-27T08:00:00.123Z'),
      updatedAt: Date.parse('2026-01-27T10:00:00.5Z')
    })
    const eb = decoded.snapshot.peers.get(b.id)
    expect(eb?.lastSeen).toBeUndefined()
    expect(eb?.metadata).toEqual({})
    expect(decoded.snapshot.blacklist.get(b.id)).toEqual({ peerId: b.id, since: Date.parse('2026-01-27T09:00:00Z') })
    expect(decoded.snapshot.blacklist.has(a.id)).toBe(false)
  })

  it('encodes base64 canonically', () => {
    for (const n of [0, 1, 2, 3, 31, 32, 33]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff)
      const text = toBase64(bytes)
      expect(text).toBe(Buffer.from(bytes).toString('base64'))
      expect(fromBase64(text)).toEqual(bytes)
    }
    expect(fromBase64('abc')).toBeUndefined()
    expect(fromBase64('ab$=')).toBeUndefined()
  })
})

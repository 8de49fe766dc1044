import { mkdir, readFile, stat, utimes, writeFile, chmod } from 'node:fs/promises'
import { join } from 'node:path'
import { jest } from '@jest/globals'
import lockfile from 'proper-lockfile'
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import { AddressBook, AddressBookCorruptError, JsonFileStorage, MemoryStorage, createAddressBookStorage, encodeAddressBook } from '../../lib/peers/index.js'
import type { AddressBookOptions, JsonFileStorageOptions, PeerEntry } from '../../lib/peers/index.js'
import { toBase64 } from '../../lib/peers/base64.js'
import { listDir, makePeers, parseBook, rejectionOf, tempDir, thrownBy } from './helpers.js'
import type { TestPeer } from './helpers.js'

const [a, b, c, d] = await makePeers(4) as [TestPeer, TestPeer, TestPeer, TestPeer]
const fifty = await makePeers(100)
const ADDR = '/ip4/127.0.0.1/tcp/4001'

let dir: string
let cleanup: () => Promise<void>
let file: string
const books: AddressBook[] = []

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir())
  file = join(dir, 'book.json')
})
afterEach(async () => {
  await Promise.all(books.splice(0).map(async b => await b.close().catch(() => {})))
  jest.restoreAllMocks()
  await cleanup()
})

function open (path = file, storageOptions: JsonFileStorageOptions = {}, options: AddressBookOptions = {}): AddressBook {
  const book = new AddressBook(new JsonFileStorage(path, storageOptions), options)
  books.push(book)
  return book
}

function validFile (): string {
  return encodeAddressBook({
    peers: new Map<string, PeerEntry>([
      [a.id, { peerId: a.id, multiaddrs: [ADDR], metadata: { role: 'x' }, createdAt: 1, updatedAt: 2 }],
      [b.id, { peerId: b.id, multiaddrs: [], metadata: {}, createdAt: 3, updatedAt: 4 }]
    ]),
    blacklist: new Map([[c.id, { peerId: c.id, since: 5 }]])
  })
}

async function backups (label = 'corrupt'): Promise<string[]> {
  return (await listDir(dir)).filter(name => name.startsWith(`book.json.${label}-`)).map(name => join(dir, name))
}

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777

describe('JsonFileStorage', () => {
  it('validates its options', () => {
    expect(thrownBy(() => new JsonFileStorage('')).code).toBe(ErrorCode.InvalidConfig)
    expect(thrownBy(() => new JsonFileStorage(file, { onCorrupt: 'ignore' as 'recover' })).code).toBe(ErrorCode.InvalidConfig)
    expect(thrownBy(() => new JsonFileStorage(file, { lockStale: 100 })).code).toBe(ErrorCode.InvalidConfig)
    expect(thrownBy(() => new JsonFileStorage(file, { lockRetries: -1 })).code).toBe(ErrorCode.InvalidConfig)
    expect(new JsonFileStorage('relative/book.json').path).toMatch(/^\/.*relative\/book\.json$/)
  })

  it('is what createAddressBookStorage makes of a path', () => {
    expect(createAddressBookStorage(file)).toBeInstanceOf(JsonFileStorage)
    expect(createAddressBookStorage()).toBeInstanceOf(MemoryStorage)
    const custom = new MemoryStorage()
    expect(createAddressBookStorage(custom)).toBe(custom)
    expect(thrownBy(() => createAddressBookStorage(5 as unknown as string)).code).toBe(ErrorCode.InvalidConfig)
  })

  describe('missing and empty files', () => {
    it('reads a missing file as an empty book without creating it', async () => {
      const book = open()
      expect(await book.open()).toEqual({ peers: 0, blacklisted: 0, problems: [], quarantined: false })
      expect(await listDir(dir)).toEqual([])
    })

    it('creates missing directories (0700) and the file (0600) at the first write', async () => {
      const nested = join(dir, 'x', 'y', 'book.json')
      const book = open(nested)
      await book.add(a.id, [ADDR])
      expect(await mode(nested)).toBe(0o600)
      expect(await mode(join(dir, 'x', 'y'))).toBe(0o700)
      expect(parseBook(await readFile(nested, 'utf8')).peers[a.id].multiaddrs).toEqual([ADDR])
    })

    it('reads an empty file as an empty book and writes over it', async () => {
      await writeFile(file, '')
      const book = open()
      expect((await book.open()).problems).toEqual([])
      await book.add(a.id, [])
      expect(await backups()).toEqual([])
      expect(parseBook(await readFile(file, 'utf8')).version).toBe(2)
    })
  })

  describe('persistence', () => {
    it('keeps everything across reopen', async () => {
      const first = open(file, {}, { now: () => 1234 })
      await first.add(a.id, [ADDR, '/dns4/example.com/tcp/443/wss'], { role: 'validator', 'ключ': 'значение' })
      await first.setPublicKey(a.id, a.publicKey)
      await first.add(b.id, [])
      first.touchLastSeen(a.id)
      await first.blacklist(c.id, 'spam')
      await first.close()

      const second = open()
      expect(await second.open()).toEqual({ peers: 2, blacklisted: 1, problems: [], quarantined: false })
      expect(second.list()).toEqual([
        { peerId: a.id, multiaddrs: [ADDR, '/dns4/example.com/tcp/443/wss'], publicKey: a.publicKey, metadata: { role: 'validator', 'ключ': 'значение' }, lastSeen: 1234, createdAt: 1234, updatedAt: 1234 },
        { peerId: b.id, multiaddrs: [], metadata: {}, createdAt: 1234, updatedAt: 1234 }
      ])
      expect(second.listBlacklist()).toEqual([{ peerId: c.id, since: 1234, reason: 'spam' }])
      await second.remove(a.id)
      await second.close()
      const third = open()
      await third.open()
      expect(third.list().map(e => e.peerId)).toEqual([b.id])
      expect(parseBook(await readFile(file, 'utf8')).peers[b.id]).toEqual({ multiaddrs: [], metadata: {}, createdAt: 1234, updatedAt: 1234 })
    })

    it('writes atomically: no temporary or lock files left, mode 0600 even over a 0644 file', async () => {
      await writeFile(file, validFile(), { mode: 0o644 })
      await chmod(file, 0o644)
      const book = open()
      await book.open()
      for (const p of fifty.slice(0, 20)) await book.add(p.id, [ADDR])
      await book.close()
      expect(await listDir(dir)).toEqual(['book.json'])
      expect(await mode(file)).toBe(0o600)
    })

    it('never shows a reader a partial file', async () => {
      const book = open()
      await book.add(a.id, [ADDR], { pad: 'x'.repeat(4000) })
      let writing = true
      const writes = (async () => {
        for (const p of fifty.slice(0, 40)) await book.add(p.id, [ADDR], { pad: 'y'.repeat(3000) })
        writing = false
      })()
      let reads = 0
      while (writing) {
        const text = await readFile(file, 'utf8')
        expect(() => { JSON.parse(text) }).not.toThrow()
        reads++
      }
      await writes
      expect(reads).toBeGreaterThan(0)
    })

    it('skips the write when a change changes nothing', async () => {
      const book = open()
      await book.add(a.id, [])
      const before = await stat(file)
      await book.unblacklist(b.id)
      await book.flush()
      expect((await stat(file)).mtimeMs).toBe(before.mtimeMs)
      expect((await stat(file)).ino).toBe(before.ino)
    })
  })

  describe('corrupt files', () => {
    const cases: Array<[string, () => string | Buffer, number]> = [
      ['garbage', () => 'this is not json at all \u0000\u0001', 0],
      ['truncated JSON', () => validFile().slice(0, 120), 0],
      ['the wrong shape', () => JSON.stringify({ version: 2, peers: [{ peerId: a.id }] }), 0],
      ['PEX-style array (blockberry on the same path)', () => JSON.stringify({ peers: [{ id: a.id, addr: ADDR }] }), 0],
      ['invalid UTF-8', () => Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 0],
      ['a bad peer id', () => validFile().replace(b.id, 'not-a-peer-id'), 1]
    ]

    it.each(cases)('%s: backed up byte for byte, reported, salvaged, writes refused', async (_name, content, salvaged) => {
      const original = Buffer.from(content())
      await writeFile(file, original)
      const book = open()
      const reported: GlueberryError[] = []
      book.errors$.subscribe(e => reported.push(e))

      const report = await book.open()
      expect(report.problems.length).toBeGreaterThan(0)
      expect(report.quarantined).toBe(true)
      expect(reported).toEqual(report.problems)
      const [backup] = await backups()
      expect(backup).toBeDefined()
      for (const problem of report.problems) {
        expect(problem).toBeInstanceOf(AddressBookCorruptError)
        expect(problem.code).toBe(ErrorCode.AddressBookCorrupt)
        expect((problem as AddressBookCorruptError).backupPath).toBe(backup)
      }
      expect(await readFile(backup)).toEqual(original)
      expect(await mode(backup)).toBe(0o600)
      expect(book.list()).toHaveLength(salvaged)
      if (salvaged > 0) expect(book.get(a.id)?.multiaddrs).toEqual([ADDR])

      // quarantine: refused, the file untouched, no second backup, no second report
      const refused = await rejectionOf(book.add(d.id, [ADDR]))
      expect(refused).toBeInstanceOf(AddressBookCorruptError)
      expect(refused.code).toBe(ErrorCode.AddressBookCorrupt)
      expect((refused as AddressBookCorruptError).problems).toEqual([])
      expect(await readFile(file)).toEqual(original)
      expect(await backups()).toHaveLength(1)
      expect(reported).toHaveLength(report.problems.length)
      expect(book.quarantined).toBe(true)

      // acknowledged: the next write replaces the file with what was salvaged plus the change
      book.acknowledgeCorruption()
      expect(book.quarantined).toBe(false)
      await book.add(d.id, [ADDR])
      expect(book.list()).toHaveLength(salvaged + 1)
      const rewritten = parseBook(await readFile(file, 'utf8'))
      expect(Object.keys(rewritten.peers)).toHaveLength(salvaged + 1)
      expect(await readFile(backup)).toEqual(original)
      await book.close()
      expect((await open().open()).problems).toEqual([])
    })

    it('with onCorrupt "recover", writes at once over the backed-up file', async () => {
      const original = validFile().replace(b.id, 'not-a-peer-id')
      await writeFile(file, original)
      const book = open(file, { onCorrupt: 'recover' })
      const report = await book.open()
      expect(report.problems).toHaveLength(1)
      expect(report.quarantined).toBe(false)
      await book.add(d.id, [])
      expect(Object.keys(parseBook(await readFile(file, 'utf8')).peers)).toEqual([a.id, d.id])
      const [backup] = await backups()
      expect(await readFile(backup, 'utf8')).toBe(original)
    })

    it('keeps an entry with an invalid multiaddr and reports it against the peer', async () => {
      await writeFile(file, validFile().replace(ADDR, '/ip4/1.2.3.4/tcp/99999'))
      const book = open()
      const { problems } = await book.open()
      expect(problems).toHaveLength(1)
      expect(problems[0]?.peer).toBe(a.id)
      expect(book.get(a.id)).toMatchObject({ multiaddrs: [], metadata: { role: 'x' } })
      expect(book.isBlacklisted(c.id)).toBe(true)
    })

    it('does not back up or report the same corrupt content twice', async () => {
      await writeFile(file, 'garbage')
      const book = open()
      const reported: GlueberryError[] = []
      book.errors$.subscribe(e => reported.push(e))
      await book.open()
      expect((await book.reload()).problems).toEqual([])
      expect((await book.reload()).quarantined).toBe(true)
      expect(reported).toHaveLength(1)
      expect(await backups()).toHaveLength(1)
    })

    it('finds corruption that appears after open, at the next write', async () => {
      const book = open()
      await book.add(a.id, [ADDR])
      const reported: GlueberryError[] = []
      book.errors$.subscribe(e => reported.push(e))
      await writeFile(file, '{"version": 2, "peers": ')
      const refused = await rejectionOf(book.add(b.id, []))
      expect(refused).toBeInstanceOf(AddressBookCorruptError)
      expect((refused as AddressBookCorruptError).problems).toHaveLength(1)
      expect(reported).toEqual((refused as AddressBookCorruptError).problems)
      expect(await readFile((await backups())[0], 'utf8')).toBe('{"version": 2, "peers": ')
      // the book keeps what it had rather than emptying itself
      expect(book.has(a.id)).toBe(true)
    })

    it('reuses a backup of the same bytes after a restart instead of piling up copies', async () => {
      await writeFile(file, 'garbage')
      const first = open()
      const [problem] = (await first.open()).problems
      await first.close()
      const second = open()
      const again = (await second.open()).problems
      expect(again).toHaveLength(1) // a new process hears about it again
      expect((again[0] as AddressBookCorruptError).backupPath).toBe((problem as AddressBookCorruptError).backupPath)
      expect(await backups()).toHaveLength(1)
      expect(second.quarantined).toBe(true)
    })

    it('never overwrites an earlier backup, even within one millisecond', async () => {
      jest.spyOn(Date.prototype, 'toISOString').mockReturnValue('2026-01-01T00:00:00.000Z')
      await writeFile(file, 'first garbage')
      const book = open()
      await book.open()
      await writeFile(file, 'second garbage')
      await book.reload()
      const names = await backups()
      expect(names.map(n => n.slice(dir.length + 1))).toEqual([
        'book.json.corrupt-2026-01-01T00-00-00-000Z',
        'book.json.corrupt-2026-01-01T00-00-00-000Z-1'
      ])
      expect(await readFile(names[0], 'utf8')).toBe('first garbage')
      expect(await readFile(names[1], 'utf8')).toBe('second garbage')
    })

    it('lifts the quarantine when the file becomes valid again', async () => {
      await writeFile(file, 'garbage')
      const book = open()
      expect((await book.open()).quarantined).toBe(true)
      await writeFile(file, validFile())
      expect((await book.reload()).quarantined).toBe(false)
      await book.add(c.id, []).catch((e: unknown) => e) // c is banned in validFile
      await book.unblacklist(c.id)
      await book.add(c.id, [])
      expect(book.list()).toHaveLength(3)
    })

    it('does not pre-approve corruption that has not been seen', async () => {
      const book = open()
      await book.add(a.id, [])
      book.acknowledgeCorruption()
      await writeFile(file, 'garbage')
      expect((await rejectionOf(book.add(b.id, []))).code).toBe(ErrorCode.AddressBookCorrupt)
    })

    it('fails to load, and writes nothing, when the backup cannot be made', async () => {
      // Every backup name for this instant is taken (permissions would not stop root).
      jest.spyOn(Date.prototype, 'toISOString').mockReturnValue('2026-01-01T00:00:00.000Z')
      const stamp = `${file}.corrupt-2026-01-01T00-00-00-000Z`
      await Promise.all(Array.from({ length: 1001 }, async (_, i) => await writeFile(i === 0 ? stamp : `${stamp}-${i}`, 'taken')))
      await writeFile(file, 'garbage')
      const book = open(file, { onCorrupt: 'recover' })
      expect((await rejectionOf(book.open())).code).toBe(ErrorCode.StorageFailed)
      expect((await rejectionOf(book.add(a.id, []))).code).toBe(ErrorCode.StorageFailed)
      expect(await readFile(file, 'utf8')).toBe('garbage')
      expect(await readFile(stamp, 'utf8')).toBe('taken')
    })
  })

  describe('versions', () => {
    it('refuses a file from a newer version and leaves it untouched', async () => {
      const future = JSON.stringify({ version: 3, peers: {}, somethingNew: true })
      await writeFile(file, future)
      const book = open()
      expect((await rejectionOf(book.open())).code).toBe(ErrorCode.UnsupportedVersion)
      expect((await rejectionOf(book.add(a.id, []))).code).toBe(ErrorCode.UnsupportedVersion)
      expect(await readFile(file, 'utf8')).toBe(future)
      expect(await listDir(dir)).toEqual(['book.json'])
    })

    it('migrates a Go version-1 file and keeps a copy of it', async () => {
      const v1 = JSON.stringify({
        version: 1,
        peers: {
          [a.id]: {
            peer_id: a.id,
            public_key: toBase64(a.publicKey),
            last_seen: '0001-01-01T00:00:00Z',
            blacklisted: true,
            created_at: '2026-01-27T10:00:00.123456789+02:00',
            updated_at: '2026-01-27T10:00:00.123456789+02:00',
            multiaddrs: [ADDR]
          }
        }
      }, null, 2)
      await writeFile(file, v1)
      const book = open()
      expect(await book.open()).toMatchObject({ peers: 1, blacklisted: 1, problems: [] })
      expect(book.get(a.id)?.publicKey).toEqual(a.publicKey)
      expect(book.isBlacklisted(a.id)).toBe(true)
      await book.add(b.id, [])
      const written = parseBook(await readFile(file, 'utf8'))
      expect(written.version).toBe(2)
      expect(Object.keys(written.blacklist)).toEqual([a.id])
      const [copy] = await backups('v1')
      expect(await readFile(copy, 'utf8')).toBe(v1)
      await book.add(c.id, [])
      expect(await backups('v1')).toHaveLength(1)
    })
  })

  describe('locking', () => {
    it('two books on one file in one process lose nothing', async () => {
      const one = open()
      const two = open()
      await Promise.all([
        ...fifty.slice(0, 50).map(async p => await one.add(p.id, [ADDR])),
        ...fifty.slice(50).map(async p => await two.add(p.id, [ADDR]))
      ])
      await one.close()
      await two.close()
      const check = open()
      await check.open()
      expect(new Set(check.list().map(e => e.peerId))).toEqual(new Set(fifty.map(p => p.id)))
      expect(await listDir(dir)).toEqual(['book.json'])
    })

    it('waits for a lock held by someone else, or fails with StorageFailed', async () => {
      const release = await lockfile.lock(file, { realpath: false, lockfilePath: `${file}.lock` })
      const impatient = open(file, { lockRetries: 0 })
      const err = await rejectionOf(impatient.add(a.id, []))
      expect(err.code).toBe(ErrorCode.StorageFailed)
      expect(err.retriable).toBe(true)
      const patient = open()
      const adding = patient.add(b.id, [])
      await new Promise(resolve => setTimeout(resolve, 50))
      expect(await listDir(dir)).toEqual(['book.json.lock'])
      await release()
      await adding
      expect(patient.has(b.id)).toBe(true)
      await impatient.add(a.id, [])
      expect(impatient.list().map(e => e.peerId)).toEqual([b.id, a.id])
    })

    it('takes over a stale lock left by a crashed process', async () => {
      await mkdir(`${file}.lock`)
      const old = new Date(Date.now() - 60_000)
      await utimes(`${file}.lock`, old, old)
      const book = open(file, { lockStale: 2000 })
      await book.add(a.id, [])
      expect(await listDir(dir)).toEqual(['book.json'])
    })
  })

  describe('failures and close', () => {
    it('reports an unreadable path as StorageFailed', async () => {
      await mkdir(file)
      expect((await rejectionOf(open().open())).code).toBe(ErrorCode.StorageFailed)
    })

    it('reports a directory that cannot be created as StorageFailed', async () => {
      await writeFile(join(dir, 'plain-file'), 'x')
      const err = await rejectionOf(open(join(dir, 'plain-file', 'book.json')).add(a.id, []))
      expect(err.code).toBe(ErrorCode.StorageFailed)
      // fs errors come from another realm under Jest: check the shape, not the class
      expect((err.cause as { code?: string }).code).toMatch(/^E[A-Z]+$/)
    })

    it('refuses calls after close, which is idempotent', async () => {
      const storage = new JsonFileStorage(file)
      await storage.close()
      await storage.close()
      expect((await rejectionOf(storage.load())).code).toBe(ErrorCode.NodeStopped)
      expect((await rejectionOf(storage.update(s => s))).code).toBe(ErrorCode.NodeStopped)
    })

    it('is an instance of GlueberryError all the way', async () => {
      await writeFile(file, 'garbage')
      const { problems } = await open().open()
      expect(problems[0]).toBeInstanceOf(GlueberryError)
      expect(problems[0]?.name).toBe('AddressBookCorruptError')
      expect(problems[0]?.retriable).toBe(false)
    })
  })
})

describe('MemoryStorage', () => {
  it('starts from a copy of the given snapshot', async () => {
    const peers = new Map([[a.id, { peerId: a.id, multiaddrs: [ADDR], metadata: {}, createdAt: 1, updatedAt: 1 }]])
    const storage = new MemoryStorage({ peers, blacklist: new Map() })
    peers.get(a.id)?.multiaddrs.push('x')
    const book = new AddressBook(storage)
    await book.open()
    expect(book.get(a.id)?.multiaddrs).toEqual([ADDR])
    await book.close()
  })
})

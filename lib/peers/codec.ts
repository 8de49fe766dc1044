/**
 * The address-book file format: encoding, and decoding with salvage.
 *
 * Decoding never throws for bad content (only for a version from the future,
 * which this code must not pretend to understand). It keeps everything that
 * is valid and lists every problem, so the caller can back the file up,
 * report, and still work with what survived: one bad entry must not empty the
 * book (the Go original started empty, W16). The rules:
 *
 * - a peer survives whenever its id is valid; a field that fails validation
 *   is replaced by its empty value (a bad multiaddr is removed from the list);
 * - a ban survives whenever its id is valid (failing open would unban peers);
 * - unparsable JSON or a wrong top-level shape leaves nothing to salvage.
 *
 * Version 1 is the Go original's format and is read (migrated) as well.
 * Pure: no I/O, no `node:*`, so custom storages (browser) can reuse it.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import { fromBase64, toBase64 } from './base64.js'
import type { BlacklistEntry, PeerEntry, Snapshot } from './types.js'
import { canonicalMultiaddr, checkedPublicKey, isTimestamp, tryCanonicalPeerId } from './validate.js'

/** The version this code writes. */
export const ADDRESS_BOOK_VERSION = 2

/** Problems listed one by one before the rest are summarised in one line. */
export const MAX_LISTED_PROBLEMS = 100

export interface DecodeProblem {
  readonly message: string
  readonly peerId?: string
}

export interface DecodeResult {
  readonly snapshot: Snapshot
  /** Empty when the content was entirely valid. */
  readonly problems: readonly DecodeProblem[]
  /** The version found; 0 for empty content. */
  readonly version: number
}

type JsonObject = Record<string, unknown>

function isObject (value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function describe (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Collects problems, listing at most MAX_LISTED_PROBLEMS so a huge bad file cannot flood the reports. */
class ProblemList {
  private readonly listed: DecodeProblem[] = []
  private more = 0

  add (message: string, peerId?: string): void {
    if (this.listed.length < MAX_LISTED_PROBLEMS) this.listed.push(peerId === undefined ? { message } : { message, peerId })
    else this.more++
  }

  done (): DecodeProblem[] {
    if (this.more > 0) this.listed.push({ message: `${this.more} more problems not listed` })
    return this.listed
  }
}

// ---------------------------------------------------------------- encoding

interface EncodedPeer {
  multiaddrs: readonly string[]
  publicKey?: string
  metadata: Readonly<Record<string, string>>
  lastSeen?: number
  createdAt: number
  updatedAt: number
}

function encodePeer (entry: PeerEntry): EncodedPeer {
  // Built field by field so the file reads in a stable, documented order.
  const out: Partial<EncodedPeer> = { multiaddrs: entry.multiaddrs }
  if (entry.publicKey !== undefined) out.publicKey = toBase64(entry.publicKey)
  out.metadata = entry.metadata
  if (entry.lastSeen !== undefined) out.lastSeen = entry.lastSeen
  out.createdAt = entry.createdAt
  out.updatedAt = entry.updatedAt
  return out as EncodedPeer
}

function encodeBan (ban: BlacklistEntry): { since: number, reason?: string } {
  return ban.reason === undefined ? { since: ban.since } : { since: ban.since, reason: ban.reason }
}

/** The file content for `snapshot`: version 2, two-space indented, newline-terminated. */
export function encodeAddressBook (snapshot: Snapshot): string {
  const peers = Object.fromEntries([...snapshot.peers.values()].map(entry => [entry.peerId, encodePeer(entry)]))
  const blacklist = Object.fromEntries([...snapshot.blacklist.values()].map(ban => [ban.peerId, encodeBan(ban)]))
  return JSON.stringify({ version: ADDRESS_BOOK_VERSION, peers, blacklist }, null, 2) + '\n'
}

// ---------------------------------------------------------------- decoding

/** Field names and time encoding of one file version. */
interface Dialect {
  readonly multiaddrs: string
  readonly publicKey: string
  readonly metadata: string
  readonly lastSeen: string
  readonly createdAt: string
  readonly updatedAt: string
  /** A number for a valid time, undefined when absent (or Go's zero time), null when invalid. */
  time (value: unknown): number | undefined | null
}

const V2: Dialect = {
  multiaddrs: 'multiaddrs',
  publicKey: 'publicKey',
  metadata: 'metadata',
  lastSeen: 'lastSeen',
  createdAt: 'createdAt',
  updatedAt: 'updatedAt',
  time: value => value === undefined ? undefined : isTimestamp(value) ? value : null
}

// Go wrote RFC 3339 strings, and "0001-01-01T00:00:00Z" for a time never set.
const V1: Dialect = {
  multiaddrs: 'multiaddrs',
  publicKey: 'public_key',
  metadata: 'metadata',
  lastSeen: 'last_seen',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  time: value => {
    if (value === undefined) return undefined
    if (typeof value !== 'string') return null
    const ms = Date.parse(value)
    if (Number.isNaN(ms)) return null
    return ms < 0 ? undefined : ms
  }
}

function decodeMultiaddrs (raw: unknown, peerId: string, problems: ProblemList): string[] {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) {
    problems.add('multiaddrs is not an array: addresses dropped', peerId)
    return []
  }
  const out = new Set<string>()
  for (const item of raw) {
    try {
      out.add(canonicalMultiaddr(item, peerId))
    } catch (err) {
      problems.add(`${describe(err)}: address dropped`, peerId)
    }
  }
  return [...out]
}

function decodeMetadata (raw: unknown, peerId: string, problems: ProblemList): Record<string, string> {
  if (raw === undefined || raw === null) return {}
  if (!isObject(raw)) {
    problems.add('metadata is not an object: metadata dropped', peerId)
    return {}
  }
  const entries: Array<[string, string]> = []
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string') entries.push([key, value])
    else problems.add(`metadata value for ${JSON.stringify(key)} is not a string: dropped`, peerId)
  }
  return Object.fromEntries(entries)
}

function decodePublicKey (raw: unknown, peerId: string, problems: ProblemList): Uint8Array | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined
  const bytes = typeof raw === 'string' ? fromBase64(raw) : undefined
  if (bytes === undefined) {
    problems.add('publicKey is not valid base64: key dropped', peerId)
    return undefined
  }
  try {
    return checkedPublicKey(bytes, peerId)
  } catch (err) {
    problems.add(`${describe(err)}: key dropped`, peerId)
    return undefined
  }
}

function decodeTime (raw: JsonObject, field: string, dialect: Dialect, peerId: string, problems: ProblemList, required: boolean): number | undefined {
  const value = dialect.time(raw[field])
  if (value === null) problems.add(`${field} is not a valid time: ${required ? 'set to 0' : 'dropped'}`, peerId)
  else if (value === undefined && required) problems.add(`${field} is missing: set to 0`, peerId)
  else return value
  return required ? 0 : undefined
}

function decodePeer (peerId: string, raw: unknown, dialect: Dialect, problems: ProblemList): PeerEntry {
  if (!isObject(raw)) {
    problems.add('entry is not an object: kept with no data', peerId)
    return { peerId, multiaddrs: [], metadata: {}, createdAt: 0, updatedAt: 0 }
  }
  const multiaddrs = decodeMultiaddrs(raw[dialect.multiaddrs], peerId, problems)
  const publicKey = decodePublicKey(raw[dialect.publicKey], peerId, problems)
  const metadata = decodeMetadata(raw[dialect.metadata], peerId, problems)
  const lastSeen = decodeTime(raw, dialect.lastSeen, dialect, peerId, problems, false)
  const createdAt = decodeTime(raw, dialect.createdAt, dialect, peerId, problems, true) ?? 0
  const updatedAt = decodeTime(raw, dialect.updatedAt, dialect, peerId, problems, true) ?? 0
  const entry: PeerEntry = { peerId, multiaddrs, metadata, createdAt, updatedAt }
  if (publicKey !== undefined) entry.publicKey = publicKey
  if (lastSeen !== undefined) entry.lastSeen = lastSeen
  return entry
}

function decodeBan (peerId: string, raw: unknown, problems: ProblemList): BlacklistEntry {
  if (!isObject(raw)) {
    problems.add('blacklist entry is not an object: ban kept', peerId)
    return { peerId, since: 0 }
  }
  let since = 0
  if (isTimestamp(raw.since)) since = raw.since
  else problems.add('blacklist since is not a valid time: set to 0', peerId)
  if (raw.reason === undefined) return { peerId, since }
  if (typeof raw.reason === 'string') return { peerId, since, reason: raw.reason }
  problems.add('blacklist reason is not a string: dropped', peerId)
  return { peerId, since }
}

/** Iterates a map-shaped section, yielding canonical ids; reports bad ids and duplicates. */
function * section (raw: unknown, name: string, problems: ProblemList): Generator<[string, unknown]> {
  if (raw === undefined || raw === null) return
  if (!isObject(raw)) {
    problems.add(`${name} is not an object: section dropped`)
    return
  }
  const seen = new Set<string>()
  for (const [key, value] of Object.entries(raw)) {
    const id = tryCanonicalPeerId(key)
    if (id === undefined) {
      problems.add(`${name}: invalid peer id ${JSON.stringify(key)}: dropped`)
    } else if (seen.has(id)) {
      problems.add(`${name}: duplicate entry for ${JSON.stringify(key)}: dropped`, id)
    } else {
      seen.add(id)
      yield [id, value]
    }
  }
}

function decodeV2 (data: JsonObject, problems: ProblemList): Snapshot {
  const peers = new Map<string, PeerEntry>()
  for (const [id, raw] of section(data.peers, 'peers', problems)) peers.set(id, decodePeer(id, raw, V2, problems))
  const blacklist = new Map<string, BlacklistEntry>()
  for (const [id, raw] of section(data.blacklist, 'blacklist', problems)) blacklist.set(id, decodeBan(id, raw, problems))
  return { peers, blacklist }
}

// The Go original kept the ban as a flag on the entry; it becomes a separate ban.
function decodeV1 (data: JsonObject, problems: ProblemList): Snapshot {
  const peers = new Map<string, PeerEntry>()
  const blacklist = new Map<string, BlacklistEntry>()
  for (const [id, raw] of section(data.peers, 'peers', problems)) {
    const entry = decodePeer(id, raw, V1, problems)
    peers.set(id, entry)
    if (isObject(raw) && raw.blacklisted === true) blacklist.set(id, { peerId: id, since: entry.updatedAt })
  }
  return { peers, blacklist }
}

function empty (): Snapshot {
  return { peers: new Map(), blacklist: new Map() }
}

/**
 * Decodes file content. Empty (or whitespace-only) content is an empty book.
 *
 * @throws {GlueberryError} `UnsupportedVersion` for a version newer than
 * {@link ADDRESS_BOOK_VERSION}: such a file must be neither read nor overwritten.
 */
export function decodeAddressBook (text: string): DecodeResult {
  if (text.trim() === '') return { snapshot: empty(), problems: [], version: 0 }
  const problems = new ProblemList()
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    problems.add(`not valid JSON: ${describe(err)}`)
    return { snapshot: empty(), problems: problems.done(), version: 0 }
  }
  if (!isObject(data)) {
    problems.add('the top level is not a JSON object')
    return { snapshot: empty(), problems: problems.done(), version: 0 }
  }
  const version = data.version
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    problems.add(`missing or invalid version ${JSON.stringify(version) ?? 'undefined'}`)
    return { snapshot: empty(), problems: problems.done(), version: 0 }
  }
  if (version > ADDRESS_BOOK_VERSION) {
    throw new GlueberryError(ErrorCode.UnsupportedVersion,
      `address book version ${version} is newer than the supported version ${ADDRESS_BOOK_VERSION}`)
  }
  const snapshot = version === 1 ? decodeV1(data, problems) : decodeV2(data, problems)
  return { snapshot, problems: problems.done(), version }
}

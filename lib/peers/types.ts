/**
 * The address book's data model and the storage contract. A {@link Snapshot}
 * is an immutable value: every change produces a new one, so a storage can
 * hand the same object to several readers without copying, and a mutation can
 * be retried against fresher data without undoing anything.
 *
 * @module
 */
import type { GlueberryError } from '../errors.js'

/**
 * What the book knows about one peer. Times are milliseconds since the epoch.
 * Every entry the API returns is the caller's own copy.
 */
export interface PeerEntry {
  /** Canonical string form (`12D3KooW…`). */
  peerId: string
  /** Canonical multiaddr strings, without duplicates, in the order given. */
  multiaddrs: string[]
  /** The peer's 32-byte Ed25519 public key, once known (set after the handshake). */
  publicKey?: Uint8Array
  /** The application's strings about the peer (at most `maxMetadataBytes` as JSON; default `{}`). */
  metadata: Record<string, string>
  /** Last successful connection, when there was one. */
  lastSeen?: number
  /** When the entry was first added. */
  createdAt: number
  /** Last change made through the API (`add`, `setPublicKey`); `lastSeen` does not count. */
  updatedAt: number
}

/**
 * A ban. Kept apart from the entries so that peers the book does not know can
 * be banned, and removing an entry does not lift its ban.
 */
export interface BlacklistEntry {
  /** The banned peer, canonical string form. */
  peerId: string
  /** When it was first banned (re-banning keeps it), ms since the epoch. */
  since: number
  /** Why, as given to `blacklist()`. */
  reason?: string
}

/** The whole book at one moment. Never mutated: mutations return a new one. */
export interface Snapshot {
  /** The entries, by canonical peer id. */
  readonly peers: ReadonlyMap<string, PeerEntry>
  /** The bans, by canonical peer id. */
  readonly blacklist: ReadonlyMap<string, BlacklistEntry>
}

/**
 * A pure function from the book as it is now in the storage to the book as it
 * should be. Returning the argument itself means "no change" and lets the
 * storage skip the write.
 */
export type Mutation = (current: Snapshot) => Snapshot

/** What a storage read or write produced. */
export interface StorageResult {
  /** The book as the storage now holds it (after the mutation, for `update`). */
  readonly snapshot: Snapshot
  /**
   * Problems found in what was read (corrupt or invalid data), each reported
   * once: a storage does not repeat problems it has already returned for the
   * same stored content.
   */
  readonly problems: readonly GlueberryError[]
}

/**
 * Where the book lives. `update` must apply the mutation to the data as it is
 * in the storage at that moment (not to a copy read earlier) and store the
 * result atomically, so that several books, in one process or several, can
 * share one storage without losing each other's changes.
 */
export interface AddressBookStorage {
  /** Reads the book as stored now. */
  load (): Promise<StorageResult>
  /** Applies `mutate` to the book as stored now and stores the result atomically. */
  update (mutate: Mutation): Promise<StorageResult>
  /** Releases everything the storage holds. Later calls fail. Idempotent. */
  close (): Promise<void>
  /**
   * True while the stored data is corrupt and writes are refused until
   * {@link acknowledgeCorruption} (storages that never refuse omit it).
   */
  readonly quarantined?: boolean
  /** Allows the next write to replace corrupt stored data (which was backed up). */
  acknowledgeCorruption? (): void
}

export function emptySnapshot (): Snapshot {
  return { peers: new Map(), blacklist: new Map() }
}

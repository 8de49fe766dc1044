/**
 * The MockNode's address book: the real book's rules (canonical peer ids and
 * multiaddrs, metadata limit, a blacklist kept apart from the entries) on a
 * plain in-memory snapshot, with every change applied synchronously.
 *
 * Why not the real `AddressBook` over a `MemoryStorage`: its changes go
 * through a promise queue (group commit), so they land a few microtasks
 * after the call, and its LastSeen flush uses a wall-clock timer. Under a
 * TestScheduler both would happen outside virtual time. The checks
 * themselves are the real ones (peers/validate.ts, peers/snapshot.ts), so
 * the mock refuses what the real node refuses, with the same codes.
 *
 * @module
 */
import { BehaviorSubject } from 'rxjs'
import type { Observable } from 'rxjs'
import { ErrorCode, GlueberryError } from '../errors.js'
import { AddressBookCorruptError } from '../peers/errors.js'
import { copyBan, copyEntry, frozenEntry, withBan, withoutBan, withoutPeer, withPeerEntry } from '../peers/snapshot.js'
import type { BlacklistEntry, PeerEntry, Snapshot } from '../peers/types.js'
import { emptySnapshot } from '../peers/types.js'
import { canonicalMultiaddrs, canonicalPeerId, checkedBanReason, checkedMetadata, checkedPublicKey, tryCanonicalPeerId } from '../peers/validate.js'

const NO_PEERS: readonly PeerEntry[] = Object.freeze([])

/** A synchronous, in-memory address book with the real book's validation and blacklist semantics. */
export class MockAddressBook {
  /** The entries on subscribe, then after every change. Completes on {@link close}. */
  readonly peers$: Observable<readonly PeerEntry[]>
  private snapshot: Snapshot = emptySnapshot()
  private readonly subject = new BehaviorSubject<readonly PeerEntry[]>(NO_PEERS)
  private closed = false
  /** Set while the (simulated) stored book is corrupt and writes are refused. */
  private corruption?: { readonly backupPath: string }

  constructor (private readonly maxMetadataBytes: number, private readonly now: () => number) {
    this.peers$ = this.subject.asObservable()
  }

  /** True once {@link close} was called. */
  get isClosed (): boolean {
    return this.closed
  }

  /** True while writes are refused, as a JSON file storage that found a corrupt file. */
  get quarantined (): boolean {
    return this.corruption !== undefined
  }

  /**
   * Simulates a corrupt stored book: reads go on, writes fail with
   * `AddressBookCorrupt` until {@link acknowledgeCorruption}. Returns the
   * problem the real book reports on `errors$`.
   */
  quarantine (backupPath: string): AddressBookCorruptError {
    this.corruption = { backupPath }
    return new AddressBookCorruptError(`address book: stored data is corrupt (original kept in ${backupPath})`, { backupPath })
  }

  /** Lets writes replace the corrupt data again. */
  acknowledgeCorruption (): void {
    this.corruption = undefined
  }

  /** Upsert, as `AddressBook.add`: refuses banned peers; metadata is kept when omitted. */
  add (peerId: string, multiaddrs: readonly string[], metadata?: Readonly<Record<string, string>>): PeerEntry {
    const id = canonicalPeerId(peerId)
    const addrs = canonicalMultiaddrs(multiaddrs, id)
    const meta = metadata === undefined ? undefined : checkedMetadata(metadata, this.maxMetadataBytes, id)
    // As the real book: arguments first, then the storage's refusal, then the checks against its contents.
    this.assertOpen()
    if (this.snapshot.blacklist.has(id)) throw new GlueberryError(ErrorCode.PeerBlacklisted, `peer ${id} is blacklisted`, { peer: id })
    const now = this.now()
    const existing = this.snapshot.peers.get(id)
    const entry: PeerEntry = existing === undefined
      ? { peerId: id, multiaddrs: addrs, metadata: meta ?? {}, createdAt: now, updatedAt: now }
      : { ...existing, multiaddrs: addrs, metadata: meta ?? existing.metadata, updatedAt: now }
    this.replace(withPeerEntry(this.snapshot, entry))
    return copyEntry(entry)
  }

  /** Removes the entry; a ban stays (as in the real book). */
  remove (peerId: string): void {
    const id = canonicalPeerId(peerId)
    this.assertOpen()
    if (!this.snapshot.peers.has(id)) throw new GlueberryError(ErrorCode.PeerNotFound, `peer ${id} is not in the address book`, { peer: id })
    this.replace(withoutPeer(this.snapshot, id))
  }

  /** A copy of the entry, or undefined. @throws {GlueberryError} `InvalidPeerId` for an unknown string that is no peer id. */
  get (peerId: string): PeerEntry | undefined {
    const entry = this.snapshot.peers.get(peerId) ?? this.snapshot.peers.get(canonicalPeerId(peerId))
    return entry === undefined ? undefined : copyEntry(entry)
  }

  /** Never throws: a string that is no peer id is simply not in the book. */
  has (peerId: string): boolean {
    if (this.snapshot.peers.has(peerId)) return true
    const id = tryCanonicalPeerId(peerId)
    return id !== undefined && this.snapshot.peers.has(id)
  }

  /** Copies of all entries, in the order peers were first added. */
  list (): PeerEntry[] {
    return [...this.snapshot.peers.values()].map(copyEntry)
  }

  /** Records the peer's key after phase 1; quietly ignored for peers not in the book. */
  setPublicKey (peerId: string, key: Uint8Array): void {
    // The real node ignores a failed write here (prepareStreams does not fail for it).
    if (this.closed || this.corruption !== undefined) return
    const id = canonicalPeerId(peerId)
    const existing = this.snapshot.peers.get(id)
    if (existing === undefined) return
    this.replace(withPeerEntry(this.snapshot, { ...existing, publicKey: checkedPublicKey(key, id), updatedAt: this.now() }))
  }

  /** Marks the peer as seen now (visible at once; there is nothing to flush). */
  touchLastSeen (peerId: string): void {
    if (this.closed) return
    const existing = this.snapshot.peers.get(peerId)
    if (existing === undefined) return
    this.replace(withPeerEntry(this.snapshot, { ...existing, lastSeen: this.now() }))
  }

  /** Bans a peer, in the book or not; a second ban keeps the first time and takes the new reason. */
  blacklist (peerId: string, reason?: string): BlacklistEntry {
    const id = canonicalPeerId(peerId)
    checkedBanReason(reason, this.maxMetadataBytes, id)
    this.assertOpen()
    const existing = this.snapshot.blacklist.get(id)
    const newReason = reason ?? existing?.reason
    const since = existing?.since ?? this.now()
    const ban: BlacklistEntry = newReason === undefined ? { peerId: id, since } : { peerId: id, since, reason: newReason }
    this.replace(withBan(this.snapshot, ban))
    return copyBan(ban)
  }

  /** Lifts a ban; false when there was none. */
  unblacklist (peerId: string): boolean {
    const id = canonicalPeerId(peerId)
    this.assertOpen()
    const banned = this.snapshot.blacklist.has(id)
    this.replace(withoutBan(this.snapshot, id))
    return banned
  }

  /** Never throws: anything that is not a banned peer id is not banned. */
  isBlacklisted (peerId: string): boolean {
    const { blacklist } = this.snapshot
    if (blacklist.size === 0 || typeof peerId !== 'string') return false
    if (blacklist.has(peerId)) return true
    const id = tryCanonicalPeerId(peerId)
    return id !== undefined && blacklist.has(id)
  }

  /** Copies of all bans. */
  listBlacklist (): BlacklistEntry[] {
    return [...this.snapshot.blacklist.values()].map(copyBan)
  }

  /** Completes `peers$`; later changes fail with `NodeStopped`, reads keep answering. Idempotent. */
  close (): void {
    if (this.closed) return
    this.closed = true
    this.subject.complete()
  }

  private replace (next: Snapshot): void {
    const peersChanged = next.peers !== this.snapshot.peers
    this.snapshot = next
    if (peersChanged) this.subject.next(Object.freeze([...next.peers.values()].map(frozenEntry)))
  }

  private assertOpen (): void {
    if (this.closed) throw new GlueberryError(ErrorCode.NodeStopped, 'address book is closed')
    if (this.corruption !== undefined) {
      throw new AddressBookCorruptError(
        `address book is corrupt (original kept in ${this.corruption.backupPath}): writes are refused until acknowledgeCorruption()`,
        { backupPath: this.corruption.backupPath })
    }
  }
}

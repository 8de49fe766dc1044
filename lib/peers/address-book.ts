/**
 * The address book: known peers and their addresses, keys and metadata, plus
 * a separate blacklist, kept in a storage (a JSON file or memory).
 *
 * How it stays consistent:
 * - Every change goes through `storage.update()` as a pure function of what
 *   the storage holds at that moment, so changes made by other books (other
 *   processes on the same file) are merged, never overwritten.
 * - Changes run one batch at a time, in call order. Calls made while a write
 *   is under way are grouped into the next write (group commit): a burst of
 *   100 `add()`s costs a couple of file writes, not 100, and a call that fails
 *   its own checks fails alone.
 * - The in-memory snapshot is replaced by what each write returns, so reads
 *   (`get`, `list`, `isBlacklisted`) are synchronous and show other processes'
 *   changes after the next write or `reload()`.
 * - LastSeen is not worth a write per connection: `touchLastSeen` only marks
 *   it, and a timer (unref'd) or `flush()`/`close()` writes the batch.
 *
 * @module
 */
import { BehaviorSubject, Subject } from 'rxjs'
import type { Observable } from 'rxjs'
import { ErrorCode, GlueberryError, isGlueberryError } from '../errors.js'
import { AddressBookCorruptError, closedError } from './errors.js'
import { copyBan, copyEntry, frozenEntry, samePeers, withBan, withLastSeen, withoutBan, withoutPeer, withPeerEntry } from './snapshot.js'
import type { AddressBookStorage, BlacklistEntry, Mutation, PeerEntry, Snapshot, StorageResult } from './types.js'
import { emptySnapshot } from './types.js'
import { canonicalMultiaddrs, canonicalPeerId, checkedBanReason, checkedMetadata, checkedPublicKey, tryCanonicalPeerId } from './validate.js'

/** Options of the {@link AddressBook} constructor. */
export interface AddressBookOptions {
  /** Largest metadata (and ban reason), in UTF-8 bytes of keys plus values. Default 4096. */
  maxMetadataBytes?: number
  /** How long a touched LastSeen may wait before it is written, in ms. Default 5000. */
  lastSeenFlushInterval?: number
  /** The clock, in ms since the epoch. Default `Date.now`. */
  now?: () => number
}

/** What `open()` and `reload()` found. */
export interface LoadReport {
  /** Entries in the book. */
  readonly peers: number
  /** Bans in the book. */
  readonly blacklisted: number
  /** Problems found in the stored data that had not been reported before (also sent on `errors$`). */
  readonly problems: readonly GlueberryError[]
  /** True when the stored data is corrupt and writes are refused until `acknowledgeCorruption()`. */
  readonly quarantined: boolean
}

export const DEFAULT_MAX_METADATA_BYTES = 4096
export const DEFAULT_LAST_SEEN_FLUSH_INTERVAL = 5000

/** One change: the new snapshot and what the caller gets back. */
interface Step<T> {
  readonly snapshot: Snapshot
  readonly value: T
}

interface PendingChange {
  readonly apply: (current: Snapshot) => Step<unknown>
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
}

type Outcome = { readonly ok: true, readonly value: unknown } | { readonly ok: false, readonly error: unknown }

const NO_PEERS: readonly PeerEntry[] = Object.freeze([])

function asGlueberryError (err: unknown, message: string): GlueberryError {
  return isGlueberryError(err) ? err : new GlueberryError(ErrorCode.StorageFailed, message, { cause: err })
}

function unref (timer: unknown): void {
  // Node timers keep the process alive unless unref'd; browser timers are numbers.
  if (typeof timer === 'object' && timer !== null && 'unref' in timer && typeof timer.unref === 'function') (timer as { unref: () => void }).unref()
}

/**
 * The address book on its own: entries and bans in a storage adapter, with
 * validation, copies in and out, batched LastSeen writes and corruption
 * handling. A node keeps one (the `addressBook` option); use this class for
 * tools that read or edit a book while no node runs. See docs/ADDRESS_BOOK.md.
 */
export class AddressBook {
  /**
   * The current list of entries on subscribe, then the new list after every
   * change (LastSeen included). Lists and entries are frozen, shared by all
   * subscribers: copy before changing. Completes on `close()`.
   */
  readonly peers$: Observable<readonly PeerEntry[]>
  /**
   * Failures nobody else would see: corrupt stored data (found by a load or by
   * the re-read inside a write) and failed background LastSeen writes. Hot:
   * subscribe before `open()` to see load problems, or read them from its
   * report. Never errors; completes on `close()`.
   */
  readonly errors$: Observable<GlueberryError>

  private readonly storage: AddressBookStorage
  private readonly maxMetadataBytes: number
  private readonly flushInterval: number
  private readonly now: () => number
  private readonly peersSubject = new BehaviorSubject<readonly PeerEntry[]>(NO_PEERS)
  private readonly errorsSubject = new Subject<GlueberryError>()
  /** The book as the storage last returned it. */
  private stored: Snapshot = emptySnapshot()
  /** `stored` with the not yet written LastSeen times applied: what reads see. */
  private view: Snapshot = this.stored
  private readonly pendingLastSeen = new Map<string, number>()
  /** Peer ids with an add() in flight, and how many (see `expects`). */
  private readonly adding = new Map<string, number>()
  private tail: Promise<void> = Promise.resolve()
  /** The batch that new changes join, until its write starts or another task is queued. */
  private openBatch?: PendingChange[]
  private opened?: Promise<LoadReport>
  private closing?: Promise<void>
  private closed = false
  private timer?: ReturnType<typeof setTimeout>

  /**
   * A book in `storage`; nothing is read until `open()` (or the first change).
   *
   * @param storage Where the book lives ({@link JsonFileStorage}, {@link MemoryStorage} or your own).
   * @param options Limits, LastSeen batching and clock.
   * @throws {GlueberryError} `INVALID_CONFIG` for a storage without load/update/close or a bad option.
   */
  constructor (storage: AddressBookStorage, options: AddressBookOptions = {}) {
    if (typeof storage !== 'object' || storage === null || typeof storage.load !== 'function' ||
        typeof storage.update !== 'function' || typeof storage.close !== 'function') {
      throw new GlueberryError(ErrorCode.InvalidConfig, 'storage must implement load(), update() and close()')
    }
    const { maxMetadataBytes = DEFAULT_MAX_METADATA_BYTES, lastSeenFlushInterval = DEFAULT_LAST_SEEN_FLUSH_INTERVAL, now = Date.now } = options
    if (!Number.isSafeInteger(maxMetadataBytes) || maxMetadataBytes < 0) {
      throw new GlueberryError(ErrorCode.InvalidConfig, `maxMetadataBytes must be a non-negative integer, got ${String(maxMetadataBytes)}`)
    }
    if (typeof lastSeenFlushInterval !== 'number' || !Number.isFinite(lastSeenFlushInterval) || lastSeenFlushInterval <= 0) {
      throw new GlueberryError(ErrorCode.InvalidConfig, `lastSeenFlushInterval must be a positive number of ms, got ${String(lastSeenFlushInterval)}`)
    }
    if (typeof now !== 'function') throw new GlueberryError(ErrorCode.InvalidConfig, 'now must be a function')
    this.storage = storage
    this.maxMetadataBytes = maxMetadataBytes
    this.flushInterval = lastSeenFlushInterval
    this.now = now
    this.peers$ = this.peersSubject.asObservable()
    this.errors$ = this.errorsSubject.asObservable()
  }

  /**
   * Loads the book. Call it (and await it) before relying on `isBlacklisted`.
   * Later calls return the same report; changes made before it open the book
   * themselves. Corrupt data does not make it fail: the salvaged book is
   * loaded and the problems are in the report and on `errors$`.
   *
   * @throws {GlueberryError} `UnsupportedVersion` (file from a newer version),
   * `StorageFailed` (unreadable, or the backup could not be made).
   */
  async open (): Promise<LoadReport> {
    if (this.closed) throw closedError('address book')
    if (this.opened === undefined) {
      const opening = this.schedule(async () => await this.load())
      this.opened = opening
      // A failed open can be retried.
      opening.catch(() => { if (this.opened === opening) this.opened = undefined })
    }
    return await this.opened
  }

  /** Reads the storage again, in order with pending changes. */
  async reload (): Promise<LoadReport> {
    if (this.closed) throw closedError('address book')
    const loading = this.schedule(async () => await this.load())
    this.opened ??= loading
    return await loading
  }

  /**
   * Adds a peer or replaces its addresses (upsert). Metadata replaces the old
   * metadata when given and is kept when omitted; the public key, LastSeen and
   * creation time of a known peer are kept.
   *
   * @throws {GlueberryError} `InvalidPeerId`, `InvalidMultiaddr` (unparsable,
   * empty, or naming another peer in `/p2p/`), `MetadataTooLarge`,
   * `InvalidConfig` (metadata not an object of strings), `PeerBlacklisted`,
   * plus the storage's `StorageFailed` and `AddressBookCorrupt`.
   */
  async add (peerId: string, multiaddrs: readonly string[], metadata?: Readonly<Record<string, string>>): Promise<PeerEntry> {
    const id = canonicalPeerId(peerId)
    const addrs = canonicalMultiaddrs(multiaddrs, id)
    const meta = metadata === undefined ? undefined : checkedMetadata(metadata, this.maxMetadataBytes, id)
    const now = this.now()
    this.adding.set(id, (this.adding.get(id) ?? 0) + 1)
    try {
      return await this.change(current => {
        if (current.blacklist.has(id)) throw new GlueberryError(ErrorCode.PeerBlacklisted, `peer ${id} is blacklisted`, { peer: id })
        const existing = current.peers.get(id)
        const entry: PeerEntry = existing === undefined
          ? { peerId: id, multiaddrs: addrs, metadata: meta ?? {}, createdAt: now, updatedAt: now }
          : { ...existing, multiaddrs: addrs, metadata: meta ?? existing.metadata, updatedAt: now }
        return { snapshot: withPeerEntry(current, entry), value: copyEntry(entry) }
      })
    } finally {
      const left = (this.adding.get(id) ?? 1) - 1
      if (left === 0) this.adding.delete(id)
      else this.adding.set(id, left)
    }
  }

  /**
   * Removes a peer's entry. Its ban, if any, stays.
   *
   * @throws {GlueberryError} `InvalidPeerId`, `PeerNotFound`.
   */
  async remove (peerId: string): Promise<void> {
    const id = canonicalPeerId(peerId)
    await this.change(current => {
      if (!current.peers.has(id)) throw new GlueberryError(ErrorCode.PeerNotFound, `peer ${id} is not in the address book`, { peer: id })
      return { snapshot: withoutPeer(current, id), value: undefined }
    })
    // A LastSeen still pending would otherwise land on a later entry for the same peer.
    this.pendingLastSeen.delete(id)
  }

  /** A copy of the peer's entry, or undefined. @throws {GlueberryError} `InvalidPeerId`. */
  get (peerId: string): PeerEntry | undefined {
    const entry = this.view.peers.get(peerId) ?? this.view.peers.get(canonicalPeerId(peerId))
    return entry === undefined ? undefined : copyEntry(entry)
  }

  /** @throws {GlueberryError} `InvalidPeerId`. */
  has (peerId: string): boolean {
    return this.view.peers.has(peerId) || this.view.peers.has(canonicalPeerId(peerId))
  }

  /**
   * True when the peer is in the book or an `add()` of it is still being
   * written. The connection gater admits such a peer: two nodes that add
   * each other at once dial at once, and the first connection must not be
   * refused because the other side's write has not finished. Never throws.
   */
  expects (peerId: string): boolean {
    if (this.adding.has(peerId)) return true
    try {
      return this.has(peerId)
    } catch {
      return false
    }
  }

  /** Copies of all entries, in the order peers were first added. */
  list (): PeerEntry[] {
    return [...this.view.peers.values()].map(copyEntry)
  }

  /**
   * Records the peer's Ed25519 public key (after the handshake).
   *
   * @throws {GlueberryError} `InvalidPeerId`, `InvalidKey` (not 32 bytes),
   * `PublicKeyMismatch` (not the key of this peer id), `PeerNotFound`.
   */
  async setPublicKey (peerId: string, key: Uint8Array): Promise<PeerEntry> {
    const id = canonicalPeerId(peerId)
    const publicKey = checkedPublicKey(key, id)
    const now = this.now()
    return await this.change(current => {
      const existing = current.peers.get(id)
      if (existing === undefined) throw new GlueberryError(ErrorCode.PeerNotFound, `peer ${id} is not in the address book`, { peer: id })
      const entry: PeerEntry = { ...existing, publicKey, updatedAt: now }
      return { snapshot: withPeerEntry(current, entry), value: copyEntry(entry) }
    })
  }

  /**
   * Bans a peer, whether or not it is in the book. Banning a banned peer keeps
   * the original time and replaces the reason when one is given.
   *
   * @throws {GlueberryError} `InvalidPeerId`, `InvalidConfig` (reason not a
   * string), `MetadataTooLarge` (reason longer than `maxMetadataBytes`).
   */
  async blacklist (peerId: string, reason?: string): Promise<BlacklistEntry> {
    const id = canonicalPeerId(peerId)
    checkedBanReason(reason, this.maxMetadataBytes, id)
    const now = this.now()
    return await this.change(current => {
      const existing = current.blacklist.get(id)
      const newReason = reason ?? existing?.reason
      if (existing !== undefined && existing.reason === newReason) return { snapshot: current, value: copyBan(existing) }
      const ban: BlacklistEntry = newReason === undefined
        ? { peerId: id, since: existing?.since ?? now }
        : { peerId: id, since: existing?.since ?? now, reason: newReason }
      return { snapshot: withBan(current, ban), value: copyBan(ban) }
    })
  }

  /** Lifts a ban. Resolves to false when the peer was not banned. @throws {GlueberryError} `InvalidPeerId`. */
  async unblacklist (peerId: string): Promise<boolean> {
    const id = canonicalPeerId(peerId)
    return await this.change(current => ({ snapshot: withoutBan(current, id), value: current.blacklist.has(id) }))
  }

  /**
   * Synchronous, for the connection gater, which asks on every connection.
   * Never throws: anything that is not a banned peer id is not banned.
   */
  isBlacklisted (peerId: string): boolean {
    const { blacklist } = this.view
    if (blacklist.size === 0 || typeof peerId !== 'string') return false
    if (blacklist.has(peerId)) return true
    const id = tryCanonicalPeerId(peerId)
    return id !== undefined && id !== peerId && blacklist.has(id)
  }

  /** Copies of all bans. */
  listBlacklist (): BlacklistEntry[] {
    return [...this.view.blacklist.values()].map(copyBan)
  }

  /**
   * Marks the peer as seen now. Written within `lastSeenFlushInterval`, or by
   * `flush()`/`close()`; visible to `get`/`list`/`peers$` at once. Ignored for
   * peers not in the book when the write happens, and after `close()`.
   *
   * @throws {GlueberryError} `InvalidPeerId`.
   */
  touchLastSeen (peerId: string): void {
    const id = canonicalPeerId(peerId)
    if (this.closed) return
    const now = this.now()
    const pending = this.pendingLastSeen.get(id)
    if (pending !== undefined && pending >= now) return
    this.pendingLastSeen.set(id, now)
    // Only this peer's entry changes: applying every pending time again and
    // comparing every entry made each new connection cost O(book size).
    const view = withLastSeen(this.view, new Map([[id, now]]))
    if (view !== this.view) {
      this.view = view
      this.emitPeers()
    }
    this.armTimer()
  }

  /** Resolves once every change made so far, LastSeen included, is in the storage. */
  async flush (): Promise<void> {
    await this.flushLastSeen()
  }

  /** Lets the next write replace corrupt stored data (see {@link LoadReport.quarantined}). */
  acknowledgeCorruption (): void {
    this.storage.acknowledgeCorruption?.()
  }

  /** True once `close()` was called. */
  get isClosed (): boolean {
    return this.closed
  }

  /** See {@link LoadReport.quarantined}. */
  get quarantined (): boolean {
    return this.storage.quarantined ?? false
  }

  /**
   * Writes pending LastSeen times, waits for queued changes, closes the
   * storage, stops the timer and completes `peers$` and `errors$`. Later
   * changes fail with `NodeStopped`; reads keep answering from the last
   * snapshot. Idempotent. Rejects (after cleaning up all the same) when the
   * last write failed.
   */
  async close (): Promise<void> {
    this.closing ??= this.shutdown()
    await this.closing
  }

  // ------------------------------------------------------------------ internals

  private async shutdown (): Promise<void> {
    this.closed = true
    let failure: unknown
    try {
      await this.flushLastSeen()
    } catch (err) {
      failure = err
    }
    this.clearTimer()
    await this.tail
    try {
      await this.storage.close()
    } catch (err) {
      failure ??= err
    }
    this.peersSubject.complete()
    this.errorsSubject.complete()
    if (failure !== undefined) throw asGlueberryError(failure, 'closing the address book failed')
  }

  /** Queues a task after everything queued so far; later changes start a new batch. */
  private async schedule<T> (task: () => Promise<T>): Promise<T> {
    this.openBatch = undefined
    const run = this.tail.then(task)
    this.tail = run.then(() => {}, () => {})
    return await run
  }

  /** A change requested through the API: refused after close(), opens the book first. */
  private async change<T> (apply: (current: Snapshot) => Step<T>): Promise<T> {
    if (this.closed) throw closedError('address book')
    if (this.opened === undefined) {
      // The first change loads the book first, so load problems are reported.
      this.open().catch((err: unknown) => this.report([asGlueberryError(err, 'loading the address book failed')]))
    }
    return await this.enqueue(apply)
  }

  /** Queues one change, joining the batch that has not started writing yet. */
  private async enqueue<T> (apply: (current: Snapshot) => Step<T>): Promise<T> {
    return await new Promise<T>((resolve, reject) => {
      const change: PendingChange = { apply, resolve: resolve as (value: unknown) => void, reject }
      if (this.openBatch !== undefined) {
        this.openBatch.push(change)
        return
      }
      const batch = [change]
      this.schedule(async () => await this.commit(batch)).catch(() => {})
      this.openBatch = batch
    })
  }

  /** Writes one batch; each change succeeds or fails on its own, in order. */
  private async commit (batch: PendingChange[]): Promise<void> {
    if (this.openBatch === batch) this.openBatch = undefined
    const outcomes: Outcome[] = []
    const mutation: Mutation = current => {
      outcomes.length = 0
      let snapshot = current
      for (const change of batch) {
        try {
          const step = change.apply(snapshot)
          snapshot = step.snapshot
          outcomes.push({ ok: true, value: step.value })
        } catch (error) {
          outcomes.push({ ok: false, error })
        }
      }
      return snapshot
    }
    let result: StorageResult
    try {
      result = await this.storage.update(mutation)
    } catch (err) {
      const error = asGlueberryError(err, 'writing the address book failed')
      if (error instanceof AddressBookCorruptError) this.report(error.problems)
      for (const change of batch) change.reject(error)
      return
    }
    this.adopt(result)
    batch.forEach((change, i) => {
      const outcome = outcomes[i]
      if (outcome === undefined) change.reject(new GlueberryError(ErrorCode.StorageFailed, 'the storage did not apply the change'))
      else if (outcome.ok) change.resolve(outcome.value)
      else change.reject(outcome.error)
    })
  }

  private async load (): Promise<LoadReport> {
    const result = await this.storage.load()
    this.adopt(result)
    return {
      peers: this.stored.peers.size,
      blacklisted: this.stored.blacklist.size,
      problems: result.problems,
      quarantined: this.quarantined
    }
  }

  private adopt (result: StorageResult): void {
    this.stored = result.snapshot
    this.refreshView()
    this.report(result.problems)
  }

  private refreshView (): void {
    const view = withLastSeen(this.stored, this.pendingLastSeen)
    const changed = !samePeers(this.view.peers, view.peers)
    this.view = view
    if (changed) this.emitPeers()
  }

  private emitPeers (): void {
    this.peersSubject.next(Object.freeze([...this.view.peers.values()].map(frozenEntry)))
  }

  private report (problems: readonly GlueberryError[]): void {
    for (const problem of problems) this.errorsSubject.next(problem)
  }

  private async flushLastSeen (): Promise<void> {
    this.clearTimer()
    if (this.pendingLastSeen.size === 0) {
      await this.tail
      return
    }
    const times = new Map(this.pendingLastSeen)
    try {
      // enqueue, not change: the final flush runs after close() has refused new changes.
      await this.enqueue(current => ({ snapshot: withLastSeen(current, times), value: undefined }))
      for (const [id, time] of times) if (this.pendingLastSeen.get(id) === time) this.pendingLastSeen.delete(id)
      this.refreshView()
    } finally {
      if (this.pendingLastSeen.size > 0) this.armTimer()
    }
  }

  private armTimer (): void {
    if (this.timer !== undefined || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.flushLastSeen().catch((err: unknown) => {
        // A refused write's new problems were reported by commit(); repeating the refusal every interval is noise.
        if (!(err instanceof AddressBookCorruptError)) this.report([asGlueberryError(err, 'writing LastSeen failed')])
      })
    }, this.flushInterval)
    unref(this.timer)
  }

  private clearTimer (): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }
}

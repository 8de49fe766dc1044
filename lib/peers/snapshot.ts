/**
 * Pure operations on snapshots: each returns a new snapshot and leaves its
 * argument untouched, and returns the argument itself when nothing changes
 * (which lets a storage skip the write). Copies of entries are deep, so no
 * caller-owned array, object or Uint8Array ever ends up inside a snapshot or
 * escapes from one.
 *
 * @module
 */
import type { BlacklistEntry, PeerEntry, Snapshot } from './types.js'
import { bytesEqual } from '../wire/bytes.js'

export function copyEntry (entry: PeerEntry): PeerEntry {
  const copy: PeerEntry = {
    peerId: entry.peerId,
    multiaddrs: [...entry.multiaddrs],
    metadata: Object.fromEntries(Object.entries(entry.metadata)),
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt
  }
  if (entry.publicKey !== undefined) copy.publicKey = entry.publicKey.slice()
  if (entry.lastSeen !== undefined) copy.lastSeen = entry.lastSeen
  return copy
}

export function copyBan (ban: BlacklistEntry): BlacklistEntry {
  return ban.reason === undefined ? { peerId: ban.peerId, since: ban.since } : { peerId: ban.peerId, since: ban.since, reason: ban.reason }
}

/** A deep copy of an entry that cannot be modified (the public key's bytes excepted). */
export function frozenEntry (entry: PeerEntry): PeerEntry {
  const copy = copyEntry(entry)
  Object.freeze(copy.multiaddrs)
  Object.freeze(copy.metadata)
  return Object.freeze(copy)
}

/** `snapshot` with a copy of `entry` added, or replacing the entry of the same peer. */
export function withPeerEntry (snapshot: Snapshot, entry: PeerEntry): Snapshot {
  const peers = new Map(snapshot.peers)
  peers.set(entry.peerId, copyEntry(entry))
  return { peers, blacklist: snapshot.blacklist }
}

export function withoutPeer (snapshot: Snapshot, peerId: string): Snapshot {
  if (!snapshot.peers.has(peerId)) return snapshot
  const peers = new Map(snapshot.peers)
  peers.delete(peerId)
  return { peers, blacklist: snapshot.blacklist }
}

export function withBan (snapshot: Snapshot, ban: BlacklistEntry): Snapshot {
  const blacklist = new Map(snapshot.blacklist)
  blacklist.set(ban.peerId, copyBan(ban))
  return { peers: snapshot.peers, blacklist }
}

export function withoutBan (snapshot: Snapshot, peerId: string): Snapshot {
  if (!snapshot.blacklist.has(peerId)) return snapshot
  const blacklist = new Map(snapshot.blacklist)
  blacklist.delete(peerId)
  return { peers: snapshot.peers, blacklist }
}

/**
 * Applies batched LastSeen times to the peers that exist. A time never moves
 * backwards, so a later time written by another process is kept.
 */
export function withLastSeen (snapshot: Snapshot, times: ReadonlyMap<string, number>): Snapshot {
  let peers: Map<string, PeerEntry> | undefined
  for (const [peerId, time] of times) {
    const entry = snapshot.peers.get(peerId)
    if (entry === undefined || (entry.lastSeen !== undefined && entry.lastSeen >= time)) continue
    peers ??= new Map(snapshot.peers)
    peers.set(peerId, { ...entry, lastSeen: time })
  }
  return peers === undefined ? snapshot : { peers, blacklist: snapshot.blacklist }
}

export function entriesEqual (a: PeerEntry, b: PeerEntry): boolean {
  if (a === b) return true
  if (a.peerId !== b.peerId || a.lastSeen !== b.lastSeen || a.createdAt !== b.createdAt || a.updatedAt !== b.updatedAt) return false
  if (a.multiaddrs.length !== b.multiaddrs.length || a.multiaddrs.some((addr, i) => addr !== b.multiaddrs[i])) return false
  if ((a.publicKey === undefined) !== (b.publicKey === undefined)) return false
  if (a.publicKey !== undefined && b.publicKey !== undefined && !bytesEqual(a.publicKey, b.publicKey)) return false
  const aKeys = Object.keys(a.metadata)
  const bKeys = Object.keys(b.metadata)
  return aKeys.length === bKeys.length && aKeys.every((key, i) => key === bKeys[i] && a.metadata[key] === b.metadata[key])
}

/** Same peers, in the same order, with equal entries. */
export function samePeers (a: ReadonlyMap<string, PeerEntry>, b: ReadonlyMap<string, PeerEntry>): boolean {
  if (a === b) return true
  if (a.size !== b.size) return false
  const bEntries = [...b.values()]
  let i = 0
  for (const entry of a.values()) {
    if (!entriesEqual(entry, bEntries[i++])) return false
  }
  return true
}

/**
 * Protocol versions. The wire protocol's major version is in every protocol
 * id (`/2.0.0`) and stream header; the full version is what the standard
 * handshake exchanges and checks.
 *
 * Compatibility rule (asymmetric, as in the Go original): we accept a peer
 * whose major equals ours and whose minor is not above ours, because a newer
 * minor may send what we do not understand, while an older one only lacks
 * features.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from './errors.js'

/** A protocol version, `major.minor.patch`. */
export interface ProtocolVersion {
  /** Incompatible wire changes; part of every protocol id. */
  readonly major: number
  /** Compatible additions: a peer accepts an older minor, not a newer one. */
  readonly minor: number
  /** Fixes; never affects compatibility. */
  readonly patch: number
}

/** The protocol version this library speaks: 2.0.0. */
export const CURRENT_VERSION: ProtocolVersion = Object.freeze({ major: 2, minor: 0, patch: 0 })

const PART = /^(0|[1-9]\d{0,8})$/

/**
 * Parses `'major.minor.patch'` (decimal, no leading zeros, no extras).
 *
 * @throws {GlueberryError} `VERSION_MISMATCH` for anything else.
 */
export function parseVersion (text: string): ProtocolVersion {
  const parts = typeof text === 'string' ? text.trim().split('.') : []
  if (parts.length !== 3 || !parts.every(p => PART.test(p))) {
    throw new GlueberryError(ErrorCode.VersionMismatch, `not a version 'major.minor.patch': ${JSON.stringify(text)}`)
  }
  const [major, minor, patch] = parts.map(Number) as [number, number, number]
  return Object.freeze({ major, minor, patch })
}

/** `'major.minor.patch'`. */
export function formatVersion (v: ProtocolVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`
}

/** True when `ours` accepts a peer speaking `theirs`. */
export function isCompatible (ours: ProtocolVersion, theirs: ProtocolVersion): boolean {
  return ours.major === theirs.major && theirs.minor <= ours.minor
}

/** True when `a` is strictly newer than `b`. */
export function isNewer (a: ProtocolVersion, b: ProtocolVersion): boolean {
  if (a.major !== b.major) return a.major > b.major
  if (a.minor !== b.minor) return a.minor > b.minor
  return a.patch > b.patch
}

/** Throws VersionMismatch unless `ours` accepts `theirs`. */
export function assertCompatible (ours: ProtocolVersion, theirs: ProtocolVersion, peer?: string): void {
  if (isCompatible(ours, theirs)) return
  throw new GlueberryError(ErrorCode.VersionMismatch,
    `peer speaks protocol ${formatVersion(theirs)}, incompatible with ours ${formatVersion(ours)} (same major and a minor not above ours required)`,
    peer === undefined ? {} : { peer })
}

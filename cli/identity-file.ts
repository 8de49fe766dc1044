/**
 * The identity file: a node's Ed25519 key on disk, as JSON.
 *
 * ```json
 * { "type": "glueberry-identity", "version": 1,
 *   "peerId": "12D3KooW...",
 *   "privateKey": "<base64 of the libp2p protobuf-marshalled key>" }
 * ```
 *
 * `peerId` is redundant (it follows from the key) and is checked on read, so
 * a file whose key was swapped or damaged is refused rather than silently
 * becoming another identity. Files are written atomically with mode 0600.
 *
 * @module
 */
import { lstat, readFile, stat } from 'node:fs/promises'
import writeFileAtomic from 'write-file-atomic'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey, PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CliError, ExitCode } from './errors.js'

export const IDENTITY_TYPE = 'glueberry-identity'
export const IDENTITY_VERSION = 1
/** Where `keygen` writes when --out is not given (relative to the working directory). */
export const DEFAULT_IDENTITY_FILE = 'glueberry-identity.json'
/** Identity files are a few hundred bytes: anything much larger is the wrong file. */
const MAX_FILE_SIZE = 64 * 1024
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

export interface Identity {
  readonly privateKey: Ed25519PrivateKey
  readonly peerId: string
}

export interface LoadedIdentity extends Identity {
  /** Problems that do not stop the key being used (loose file permissions). */
  readonly warnings: readonly string[]
}

export async function generateIdentity (): Promise<Identity> {
  const privateKey = await generateKeyPair('Ed25519')
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString() }
}

/** The file's JSON text (with a trailing newline). */
export function encodeIdentity (privateKey: PrivateKey): string {
  const marshalled = privateKeyToProtobuf(privateKey)
  const file = {
    type: IDENTITY_TYPE,
    version: IDENTITY_VERSION,
    peerId: peerIdFromPrivateKey(privateKey).toString(),
    privateKey: Buffer.from(marshalled).toString('base64')
  }
  marshalled.fill(0)
  return JSON.stringify(file, null, 2) + '\n'
}

/**
 * Parses and checks an identity file's text. `path` only names the file in
 * error messages, which never quote the key.
 *
 * @throws CliError KeyFile for anything but a version 1 glueberry identity
 * holding an Ed25519 key that matches its peer id.
 */
export function decodeIdentity (text: string, path: string): Identity {
  const bad = (why: string, cause?: unknown): CliError =>
    new CliError(ExitCode.KeyFile, `key file ${path}: ${why}`, cause === undefined ? {} : { cause })
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw bad('not valid JSON', err)
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw bad('not a glueberry identity (expected a JSON object)')
  const file = json as Record<string, unknown>
  if (file.type !== IDENTITY_TYPE) {
    throw bad(`not a glueberry identity (type is ${describe(file.type)}, expected "${IDENTITY_TYPE}")`)
  }
  if (file.version !== IDENTITY_VERSION) {
    throw bad(`unsupported version ${describe(file.version)} (this glueberry reads version ${IDENTITY_VERSION})`)
  }
  if (typeof file.privateKey !== 'string' || file.privateKey.length === 0 || !BASE64.test(file.privateKey)) {
    throw bad('"privateKey" must be a base64 string')
  }
  const marshalled = Buffer.from(file.privateKey, 'base64')
  let privateKey: PrivateKey
  try {
    privateKey = privateKeyFromProtobuf(marshalled)
  } catch (err) {
    throw bad('"privateKey" is not a libp2p private key', err)
  } finally {
    marshalled.fill(0)
  }
  if (privateKey.type !== 'Ed25519') throw bad(`the key is ${privateKey.type}, glueberry needs Ed25519`)
  const peerId = peerIdFromPrivateKey(privateKey).toString()
  if (file.peerId !== undefined && file.peerId !== peerId) {
    throw bad(`"peerId" ${describe(file.peerId)} does not match the key (whose peer id is ${peerId})`)
  }
  return { privateKey, peerId }
}

/**
 * Reads and checks an identity file. A file that group or others can read
 * is used, with a warning: refusing would lock users out over a chmod, and
 * the warning says which one.
 */
export async function readIdentityFile (path: string): Promise<LoadedIdentity> {
  let size: number
  let mode: number
  try {
    ({ size, mode } = await stat(path))
  } catch (err) {
    throw new CliError(ExitCode.KeyFile, `key file ${path}: ${fsReason(err)}`, { cause: err })
  }
  if (size > MAX_FILE_SIZE) throw new CliError(ExitCode.KeyFile, `key file ${path}: too large to be an identity file (${size} bytes)`)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new CliError(ExitCode.KeyFile, `key file ${path}: ${fsReason(err)}`, { cause: err })
  }
  const identity = decodeIdentity(text, path)
  const warnings: string[] = []
  // POSIX permission bits mean nothing on Windows.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    warnings.push(`key file ${path} is accessible by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); run: chmod 600 ${path}`)
  }
  return { ...identity, warnings }
}

/**
 * Writes the identity atomically (temporary file, fsync, rename) with mode
 * 0600. Without `force` an existing file is left alone. The existence check
 * and the rename are two steps: two keygens racing for one path could both
 * pass the check; the last rename wins and the files stay whole.
 */
export async function writeIdentityFile (path: string, privateKey: PrivateKey, options: { force: boolean }): Promise<void> {
  if (!options.force && await exists(path)) {
    throw new CliError(ExitCode.KeyFile, `key file ${path} already exists; use --force to replace it (the old identity is lost)`)
  }
  try {
    await writeFileAtomic(path, encodeIdentity(privateKey), { mode: 0o600 })
  } catch (err) {
    throw new CliError(ExitCode.KeyFile, `cannot write key file ${path}: ${fsReason(err, 'write')}`, { cause: err })
  }
}

async function exists (path: string): Promise<boolean> {
  try {
    await lstat(path)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw new CliError(ExitCode.KeyFile, `key file ${path}: ${fsReason(err)}`, { cause: err })
  }
}

function fsReason (err: unknown, operation: 'read' | 'write' = 'read'): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT': return operation === 'read' ? 'no such file (create one with: glueberry keygen --out <file>)' : 'its directory does not exist'
    case 'EACCES':
    case 'EPERM': return 'permission denied'
    case 'EISDIR': return 'is a directory'
    case 'ENOTDIR': return 'a parent of the path is not a directory'
    default: return err instanceof Error ? err.message : String(err)
  }
}

/** A short, safe rendering of an unexpected JSON value for an error message. */
function describe (value: unknown): string {
  if (value === undefined) return 'missing'
  const text = JSON.stringify(value) ?? typeof value
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}

/**
 * The address book in a JSON file, safe against crashes and against other
 * processes using the same file. The only module of the address book that
 * touches `node:*`.
 *
 * - Durable, atomic writes: write-file-atomic writes a temporary file in the
 *   same directory, fsyncs it and renames it over the book (mode 0600); the
 *   directory is then fsynced so the rename itself survives a power cut.
 *   Readers therefore see the old file or the new one, never a torn one.
 * - No lost updates between processes: `update()` holds an inter-process lock
 *   (proper-lockfile, a `<path>.lock` directory) around read, mutate, write,
 *   and the mutation is applied to the file as it is on disk at that moment.
 *   The lock path is given explicitly, so the book need not exist yet.
 * - Corrupt content is copied, byte for byte, to `<path>.corrupt-<time>`
 *   (created exclusively: never overwritten, never deleted; an existing
 *   backup of the same bytes is reused) before anything else happens, and
 *   reported. What could be salvaged is returned. Writes are
 *   then refused until `acknowledgeCorruption()` (policy `'quarantine'`, the
 *   default) or allowed at once (policy `'recover'`). See docs/ADDRESS_BOOK.md.
 * - A file from a newer version is refused (UnsupportedVersion) and never
 *   overwritten. A version-1 file (the Go original) is read, copied to
 *   `<path>.v1-<time>` and rewritten as version 2 at the first write.
 *
 * @module
 */
import { mkdir, open, readFile, readdir, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import lockfile from 'proper-lockfile'
import writeFileAtomic from 'write-file-atomic'
import { ErrorCode, GlueberryError, isGlueberryError } from '../errors.js'
import { decodeAddressBook, encodeAddressBook } from './codec.js'
import type { DecodeResult } from './codec.js'
import { AddressBookCorruptError, closedError } from './errors.js'
import type { AddressBookStorage, Mutation, StorageResult } from './types.js'
import { emptySnapshot } from './types.js'
import { bytesEqual } from '../wire/bytes.js'

/** What happens after corrupt content was backed up and reported. */
export type CorruptPolicy = 'quarantine' | 'recover'

/** Options of the {@link JsonFileStorage} constructor. */
export interface JsonFileStorageOptions {
  /**
   * `'quarantine'` (default): the salvaged book can be read, but writes fail
   * with AddressBookCorrupt until `acknowledgeCorruption()`; then the next
   * write replaces the file. `'recover'`: the next write replaces the file at
   * once. Either way the original bytes are in the backup first.
   */
  onCorrupt?: CorruptPolicy
  /** A lock whose holder has not refreshed it for this long (ms) is taken over. Default 10 000, minimum 2000. */
  lockStale?: number
  /** Attempts to take a busy lock, 5 ms apart at first, growing to 250 ms. Default 100 (about 20 s). */
  lockRetries?: number
}

const FILE_MODE = 0o600
const DIR_MODE = 0o700

interface Interpreted extends StorageResult {
  readonly version: number
}

function errorCode (err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined
}

function storageFailed (message: string, cause: unknown): GlueberryError {
  return isGlueberryError(cause) ? cause : new GlueberryError(ErrorCode.StorageFailed, message, { cause })
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

function decodeBytes (bytes: Uint8Array): DecodeResult {
  let text: string
  try {
    text = strictUtf8.decode(bytes)
  } catch {
    return { snapshot: emptySnapshot(), problems: [{ message: 'not valid UTF-8' }], version: 0 }
  }
  return decodeAddressBook(text)
}

export class JsonFileStorage implements AddressBookStorage {
  /** Absolute path of the book. */
  readonly path: string
  private readonly lockPath: string
  private readonly policy: CorruptPolicy
  private readonly lockStale: number
  private readonly lockRetries: number
  private tail: Promise<unknown> = Promise.resolve()
  private closing?: Promise<void>
  /** The corrupt content currently on disk, as last read, and where it was backed up. */
  private corrupt?: { readonly bytes: Uint8Array, readonly backupPath: string }
  private acknowledged = false

  /**
   * A book in a JSON file.
   *
   * @param path The JSON file (created with its directory on the first write).
   * @param options Corruption policy and cross-process lock settings.
   * @throws {GlueberryError} `INVALID_CONFIG` for an empty path or a bad option.
   */
  constructor (path: string, options: JsonFileStorageOptions = {}) {
    if (typeof path !== 'string' || path.length === 0) {
      throw new GlueberryError(ErrorCode.InvalidConfig, 'address book path must be a non-empty string')
    }
    const { onCorrupt = 'quarantine', lockStale = 10_000, lockRetries = 100 } = options
    if (onCorrupt !== 'quarantine' && onCorrupt !== 'recover') {
      throw new GlueberryError(ErrorCode.InvalidConfig, `onCorrupt must be 'quarantine' or 'recover', got ${String(onCorrupt)}`)
    }
    if (!Number.isInteger(lockStale) || lockStale < 2000) {
      throw new GlueberryError(ErrorCode.InvalidConfig, `lockStale must be an integer of at least 2000 ms, got ${String(lockStale)}`)
    }
    if (!Number.isInteger(lockRetries) || lockRetries < 0) {
      throw new GlueberryError(ErrorCode.InvalidConfig, `lockRetries must be a non-negative integer, got ${String(lockRetries)}`)
    }
    this.path = resolve(path)
    this.lockPath = `${this.path}.lock`
    this.policy = onCorrupt
    this.lockStale = lockStale
    this.lockRetries = lockRetries
  }

  /** True while corrupt content is on disk and writes are refused. */
  get quarantined (): boolean {
    return this.corrupt !== undefined && this.policy === 'quarantine' && !this.acknowledged
  }

  /**
   * Lets the next write replace the corrupt content last reported (its bytes
   * are in the backup). Does nothing when no corruption is known, so it cannot
   * pre-approve corruption that has not been seen yet.
   */
  acknowledgeCorruption (): void {
    if (this.corrupt !== undefined) this.acknowledged = true
  }

  /** Reads and validates the file (a missing file is an empty book). */
  async load (): Promise<StorageResult> {
    return await this.serial(async () => {
      const { snapshot, problems } = await this.interpret(await this.read())
      return { snapshot, problems }
    })
  }

  /** Under the cross-process lock: re-reads the file, applies `mutate`, writes atomically. */
  async update (mutate: Mutation): Promise<StorageResult> {
    return await this.serial(async () => {
      await this.ensureDirectory()
      const held = await this.lock()
      try {
        const bytes = await this.read()
        const current = await this.interpret(bytes)
        if (this.quarantined) {
          throw new AddressBookCorruptError(
            `address book ${this.path} is corrupt (original kept in ${this.corrupt?.backupPath ?? '?'}): ` +
            'writes are refused until acknowledgeCorruption()',
            { backupPath: this.corrupt?.backupPath, problems: current.problems })
        }
        const next = mutate(current.snapshot)
        if (next === current.snapshot) return { snapshot: next, problems: current.problems }
        // Keep the Go-format file for a downgrade, unless it was backed up as corrupt already.
        if (current.version === 1 && this.corrupt === undefined && bytes !== undefined) await this.backup(bytes, 'v1')
        // Writing after the lock was taken over could overwrite another process's update.
        if (held.compromised !== undefined) {
          throw new GlueberryError(ErrorCode.StorageFailed, `lost the lock on ${this.path}`, { cause: held.compromised })
        }
        await this.write(encodeAddressBook(next))
        this.corrupt = undefined
        this.acknowledged = false
        return { snapshot: next, problems: current.problems }
      } finally {
        await held.release()
      }
    })
  }

  /** Waits for running operations; later calls fail. Idempotent. */
  async close (): Promise<void> {
    this.closing ??= this.tail.then(() => {})
    await this.closing
  }

  // One operation at a time per instance: the lock serialises processes, this
  // keeps one process from contending (and backing off) against itself.
  private async serial<T> (task: () => Promise<T>): Promise<T> {
    if (this.closing !== undefined) throw closedError(`address book storage ${this.path}`)
    const run = this.tail.then(task)
    this.tail = run.catch(() => {})
    return await run
  }

  /** The file's bytes, or undefined when it does not exist. */
  private async read (): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.path)
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined
      throw storageFailed(`could not read ${this.path}`, err)
    }
  }

  /** Decodes what was read; backs up and reports corrupt content the first time it is seen. */
  private async interpret (bytes: Uint8Array | undefined): Promise<Interpreted> {
    let decoded: DecodeResult
    try {
      decoded = bytes === undefined ? { snapshot: emptySnapshot(), problems: [], version: 0 } : decodeBytes(bytes)
    } catch (err) {
      if (!isGlueberryError(err, ErrorCode.UnsupportedVersion)) throw err
      throw new GlueberryError(ErrorCode.UnsupportedVersion, `${this.path}: ${err.message}; the file is left untouched`, { cause: err })
    }
    if (decoded.problems.length === 0 || bytes === undefined) {
      this.corrupt = undefined
      this.acknowledged = false
      return { snapshot: decoded.snapshot, problems: [], version: decoded.version }
    }
    if (this.corrupt !== undefined && bytesEqual(this.corrupt.bytes, bytes)) {
      return { snapshot: decoded.snapshot, problems: [], version: decoded.version }
    }
    const backupPath = await this.backup(bytes, 'corrupt')
    this.corrupt = { bytes, backupPath }
    this.acknowledged = false
    const problems = decoded.problems.map(problem => new AddressBookCorruptError(
      `address book ${this.path}: ${problem.message} (original kept in ${backupPath})`,
      { peer: problem.peerId, backupPath }))
    return { snapshot: decoded.snapshot, problems, version: decoded.version }
  }

  /**
   * Copies `bytes` to a new `<path>.<label>-<time>` file, never replacing one.
   * A backup that already holds exactly these bytes (say, from before a
   * restart) is reused, so a service restarting over a corrupt book does not
   * fill the disk with copies.
   */
  private async backup (bytes: Uint8Array, label: string): Promise<string> {
    const existing = await this.findBackup(bytes, label)
    if (existing !== undefined) return existing
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    for (let attempt = 0; ; attempt++) {
      const candidate = `${this.path}.${label}-${stamp}${attempt === 0 ? '' : `-${attempt}`}`
      let handle
      try {
        handle = await open(candidate, 'wx', FILE_MODE)
      } catch (err) {
        if (errorCode(err) === 'EEXIST' && attempt < 1000) continue
        throw storageFailed(`could not create the backup ${candidate}`, err)
      }
      try {
        await handle.writeFile(bytes)
        await handle.sync()
      } catch (err) {
        await handle.close().catch(() => {})
        // Only our own incomplete copy is removed; the original is untouched.
        await unlink(candidate).catch(() => {})
        throw storageFailed(`could not write the backup ${candidate}`, err)
      }
      await handle.close()
      return candidate
    }
  }

  private async findBackup (bytes: Uint8Array, label: string): Promise<string | undefined> {
    const directory = dirname(this.path)
    const prefix = `${basename(this.path)}.${label}-`
    try {
      for (const name of (await readdir(directory)).sort()) {
        if (!name.startsWith(prefix)) continue
        const candidate = join(directory, name)
        if ((await stat(candidate)).size !== bytes.length) continue
        if (bytesEqual(await readFile(candidate), bytes)) return candidate
      }
    } catch {
      // Looking is an optimisation: when it fails, a new backup is made.
    }
    return undefined
  }

  private async ensureDirectory (): Promise<void> {
    try {
      await mkdir(dirname(this.path), { recursive: true, mode: DIR_MODE })
    } catch (err) {
      throw storageFailed(`could not create the directory of ${this.path}`, err)
    }
  }

  private async lock (): Promise<{ release: () => Promise<void>, compromised?: Error }> {
    const held: { release: () => Promise<void>, compromised?: Error } = { release: async () => {} }
    let release: () => Promise<void>
    try {
      release = await lockfile.lock(this.path, {
        realpath: false,
        lockfilePath: this.lockPath,
        stale: this.lockStale,
        retries: { retries: this.lockRetries, factor: 1.5, minTimeout: 5, maxTimeout: 250, randomize: true },
        // The default throws from a timer, which would crash the process.
        onCompromised: (err: Error) => { held.compromised = err }
      })
    } catch (err) {
      throw storageFailed(`could not lock ${this.path} (lock ${this.lockPath})`, err)
    }
    held.release = async () => {
      // Fails only when the lock was already taken over, which update() has reported.
      await release().catch(() => {})
    }
    return held
  }

  private async write (text: string): Promise<void> {
    try {
      await writeFileAtomic(this.path, text, { mode: FILE_MODE, fsync: true, encoding: 'utf8' })
    } catch (err) {
      throw storageFailed(`could not write ${this.path}`, err)
    }
    await this.syncDirectory()
  }

  private async syncDirectory (): Promise<void> {
    let handle
    try {
      handle = await open(dirname(this.path), 'r')
      await handle.sync()
    } catch {
      // Not every platform can fsync a directory (Windows cannot); the rename is atomic regardless.
    } finally {
      await handle?.close().catch(() => {})
    }
  }
}

/**
 * An address book in IndexedDB, for a node in a page: the same content as
 * the JSON file (lib/peers/codec.ts, docs/ADDRESS_BOOK.md), kept under one
 * key of one database per book.
 *
 * Several tabs on one book lose no update: `update` reads, mutates and writes
 * inside ONE readwrite transaction (the mutation is synchronous, so the
 * transaction never goes idle), and IndexedDB runs readwrite transactions
 * over the same store one after another, across tabs and workers of the
 * origin. That is the cross-process lock the file storage takes with a lock
 * file; `navigator.locks` would add nothing to it.
 *
 * Corrupt content (a hand edit in DevTools, an old version of the app) is
 * reported once as AddressBookCorruptError problems, copied to the
 * `backups` store before anything overwrites it, and the valid part of the
 * book is kept (the file storage's `'recover'` policy).
 *
 * @module
 */
import { openDB } from 'idb'
import type { DBSchema, IDBPDatabase } from 'idb'
import { ErrorCode, GlueberryError } from '../errors.js'
import { decodeAddressBook, encodeAddressBook } from './codec.js'
import { AddressBookCorruptError, closedError } from './errors.js'
import type { AddressBookStorage, Mutation, Snapshot, StorageResult } from './types.js'

const BOOK_KEY = 'book'

interface BookSchema extends DBSchema {
  book: { key: string, value: string }
  backups: { key: string, value: { at: number, text: string } }
}

/**
 * The one method of the DOM's IDBDatabase used here. This project compiles
 * without the DOM library (its code runs in Node.js too, and adding it would
 * let DOM globals slip into Node code), so idb's IDBPDatabase, which inherits
 * `close` from IDBDatabase, has no `close` in this program.
 */
interface Closable { close (): void }

function storageFailed (message: string, cause: unknown): GlueberryError {
  return new GlueberryError(ErrorCode.StorageFailed, message, { cause })
}

export class IndexedDbStorage implements AddressBookStorage {
  /** The IndexedDB database name. */
  readonly name: string
  private db?: Promise<IDBPDatabase<BookSchema>>
  private closed = false
  /** The stored text whose problems were last reported: each problem is reported once. */
  private reported?: string

  /**
   * A book in the IndexedDB database `name` of this origin (created on first use).
   *
   * @throws {GlueberryError} InvalidConfig where there is no IndexedDB (Node.js) or the name is empty.
   */
  constructor (name = 'glueberry-address-book') {
    if (typeof name !== 'string' || name.length === 0) throw new GlueberryError(ErrorCode.InvalidConfig, 'IndexedDbStorage needs a database name')
    // Typed loosely: this project compiles without the DOM library.
    if ((globalThis as { indexedDB?: object }).indexedDB === undefined) {
      throw new GlueberryError(ErrorCode.InvalidConfig, 'IndexedDbStorage needs IndexedDB (a browser); in Node.js use a JSON file path')
    }
    this.name = name
  }

  /** Reads the book as stored now. */
  async load (): Promise<StorageResult> {
    const db = await this.open()
    let text: string | undefined
    try {
      text = await db.get('book', BOOK_KEY)
    } catch (err) {
      throw storageFailed(`could not read the address book ${this.name}`, err)
    }
    const decoded = this.decode(text)
    return { snapshot: decoded.snapshot, problems: this.report(text, decoded.problems) }
  }

  /** Reads, applies `mutate` and writes in one readwrite transaction (atomic across tabs). */
  async update (mutate: Mutation): Promise<StorageResult> {
    const db = await this.open()
    let outcome: { snapshot: Snapshot, problems: readonly GlueberryError[] } | undefined
    try {
      const tx = db.transaction(['book', 'backups'], 'readwrite')
      const text = await tx.objectStore('book').get(BOOK_KEY)
      const decoded = this.decode(text)
      const problems = this.report(text, decoded.problems)
      const next = mutate(decoded.snapshot)
      if (next !== decoded.snapshot) {
        // Queue both requests before awaiting, so the transaction stays busy.
        const writes: Array<Promise<unknown>> = []
        if (decoded.problems.length > 0 && text !== undefined) {
          writes.push(tx.objectStore('backups').put({ at: Date.now(), text }, `corrupt-${new Date().toISOString()}-${Math.random().toString(36).slice(2, 8)}`))
        }
        writes.push(tx.objectStore('book').put(encodeAddressBook(next), BOOK_KEY))
        await Promise.all(writes)
      }
      await tx.done
      outcome = { snapshot: next, problems }
    } catch (err) {
      if (err instanceof GlueberryError) throw err
      throw storageFailed(`could not update the address book ${this.name}`, err)
    }
    return outcome
  }

  /** Closes the database connection; later calls fail. Idempotent. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    const db = this.db
    this.db = undefined
    if (db === undefined) return
    const opened = await db.catch(() => undefined)
    // The assertion stands in for the DOM type idb builds on (see Closable).
    if (opened !== undefined) (opened as unknown as Closable).close()
  }

  private async open (): Promise<IDBPDatabase<BookSchema>> {
    if (this.closed) throw closedError(`address book storage ${this.name}`)
    this.db ??= openDB<BookSchema>(this.name, 1, {
      upgrade (db) {
        db.createObjectStore('book')
        db.createObjectStore('backups')
      }
    }).catch((err: unknown) => {
      this.db = undefined
      throw storageFailed(`could not open the IndexedDB database ${this.name}`, err)
    })
    return await this.db
  }

  private decode (text: string | undefined): { snapshot: Snapshot, problems: readonly GlueberryError[] } {
    const { snapshot, problems } = decodeAddressBook(text ?? '')
    return {
      snapshot,
      problems: problems.map(p => new AddressBookCorruptError(`address book ${this.name}: ${p.message}`, p.peerId === undefined ? {} : { peer: p.peerId }))
    }
  }

  /** The problems of `text`, unless they were reported for this very text already. */
  private report (text: string | undefined, problems: readonly GlueberryError[]): readonly GlueberryError[] {
    if (problems.length === 0 || text === this.reported) return []
    this.reported = text
    return problems
  }
}

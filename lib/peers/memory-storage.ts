/**
 * A storage that keeps the book in memory: the default when no file is given,
 * and the test double. Several books may share one instance; each `update`
 * runs against the latest snapshot, as with the file storage.
 *
 * @module
 */
import { closedError } from './errors.js'
import { copyBan, copyEntry } from './snapshot.js'
import type { AddressBookStorage, Mutation, Snapshot, StorageResult } from './types.js'
import { emptySnapshot } from './types.js'

export class MemoryStorage implements AddressBookStorage {
  private snapshot: Snapshot
  private closed = false

  /**
   * A book in memory, empty or with the given contents.
   *
   * @param initial contents to start with; copied.
   */
  constructor (initial?: Snapshot) {
    this.snapshot = initial === undefined
      ? emptySnapshot()
      : {
          peers: new Map([...initial.peers].map(([id, entry]) => [id, copyEntry(entry)])),
          blacklist: new Map([...initial.blacklist].map(([id, ban]) => [id, copyBan(ban)]))
        }
  }

  /** The book as it is now. */
  async load (): Promise<StorageResult> {
    if (this.closed) throw closedError('memory storage')
    return { snapshot: this.snapshot, problems: [] }
  }

  /** Applies `mutate` to the book as it is now. */
  async update (mutate: Mutation): Promise<StorageResult> {
    if (this.closed) throw closedError('memory storage')
    this.snapshot = mutate(this.snapshot)
    return { snapshot: this.snapshot, problems: [] }
  }

  async close (): Promise<void> {
    this.closed = true
  }
}

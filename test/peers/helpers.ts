import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { GlueberryError } from '../../lib/errors.js'
import type { AddressBookStorage, Mutation, StorageResult } from '../../lib/peers/index.js'

export interface TestPeer {
  id: string
  publicKey: Uint8Array
}

export async function makePeer (): Promise<TestPeer> {
  const key = await generateKeyPair('Ed25519')
  return { id: peerIdFromPrivateKey(key).toString(), publicKey: key.publicKey.raw }
}

export async function makePeers (n: number): Promise<TestPeer[]> {
  return await Promise.all(Array.from({ length: n }, async () => await makePeer()))
}

/** A fresh temporary directory; `cleanup()` removes it and everything in it. */
export async function tempDir (): Promise<{ dir: string, cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'glueberry-peers-'))
  return { dir, cleanup: async () => await rm(dir, { recursive: true, force: true }) }
}

export async function listDir (dir: string): Promise<string[]> {
  return (await readdir(dir)).sort()
}

/** Wraps a storage and counts the calls, to observe batching. */
export class CountingStorage implements AddressBookStorage {
  loads = 0
  updates = 0
  constructor (private readonly inner: AddressBookStorage) {}
  async load (): Promise<StorageResult> {
    this.loads++
    return await this.inner.load()
  }

  async update (mutate: Mutation): Promise<StorageResult> {
    this.updates++
    return await this.inner.update(mutate)
  }

  async close (): Promise<void> {
    await this.inner.close()
  }
}

/** Resolves with the promise's rejection, failing when it resolves. */
export async function rejectionOf (promise: Promise<unknown>): Promise<GlueberryError> {
  try {
    await promise
  } catch (err) {
    return err as GlueberryError
  }
  throw new Error('expected a rejection')
}

/** Runs `fn` and returns what it threw, failing when it returns. */
export function thrownBy (fn: () => unknown): GlueberryError {
  try {
    fn()
  } catch (err) {
    return err as GlueberryError
  }
  throw new Error('expected a throw')
}

/** An address-book file as the tests read it back: the documented JSON shape (docs/ADDRESS_BOOK.md). */
export interface StoredBook {
  version: number
  peers: Record<string, Record<string, unknown>>
  blacklist: Record<string, Record<string, unknown>>
}

/** Parses an address-book file's text as {@link StoredBook}. */
export function parseBook (text: string): StoredBook {
  return JSON.parse(text) as StoredBook
}

/**
 * Stands in for `lib/peers/json-file-storage.ts` in a page (package.json
 * `browser` field): a page has no file system, so a file address book is an
 * INVALID_CONFIG error that names the alternatives, instead of a failure
 * deep inside `path.resolve`.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import type { AddressBookStorage, Mutation, StorageResult } from '../peers/types.js'

export type CorruptPolicy = 'quarantine' | 'recover'
export interface JsonFileStorageOptions { onCorrupt?: CorruptPolicy }

export const NO_FILES_IN_A_PAGE = 'a file address book needs Node.js; in a browser use IndexedDbStorage or MemoryStorage'

export class JsonFileStorage implements AddressBookStorage {
  constructor (_path?: string, _options?: JsonFileStorageOptions) {
    throw new GlueberryError(ErrorCode.InvalidConfig, NO_FILES_IN_A_PAGE)
  }

  async load (): Promise<StorageResult> {
    throw new GlueberryError(ErrorCode.InvalidConfig, NO_FILES_IN_A_PAGE)
  }

  async update (_mutate: Mutation): Promise<StorageResult> {
    throw new GlueberryError(ErrorCode.InvalidConfig, NO_FILES_IN_A_PAGE)
  }

  async close (): Promise<void> {}
}

/**
 * Turns the node's `addressBook` option into a storage: a path means a JSON
 * file, an object is used as it is, nothing means memory.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import { JsonFileStorage } from './json-file-storage.js'
import type { JsonFileStorageOptions } from './json-file-storage.js'
import { MemoryStorage } from './memory-storage.js'
import type { AddressBookStorage } from './types.js'

export function createAddressBookStorage (spec?: string | AddressBookStorage, fileOptions?: JsonFileStorageOptions): AddressBookStorage {
  if (spec === undefined) return new MemoryStorage()
  if (typeof spec === 'string') return new JsonFileStorage(spec, fileOptions)
  if (typeof spec === 'object' && spec !== null && typeof spec.update === 'function') return spec
  throw new GlueberryError(ErrorCode.InvalidConfig, 'addressBook must be a file path or a storage adapter')
}

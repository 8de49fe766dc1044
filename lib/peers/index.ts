/**
 * The address book: peers, their addresses, keys and metadata, and the
 * blacklist, persisted through a storage adapter (JSON file or memory).
 * File format and policies: docs/ADDRESS_BOOK.md.
 *
 * @module
 */
export { AddressBook, DEFAULT_LAST_SEEN_FLUSH_INTERVAL, DEFAULT_MAX_METADATA_BYTES } from './address-book.js'
export type { AddressBookOptions, LoadReport } from './address-book.js'
export { JsonFileStorage } from './json-file-storage.js'
export type { CorruptPolicy, JsonFileStorageOptions } from './json-file-storage.js'
export { MemoryStorage } from './memory-storage.js'
export { createAddressBookStorage } from './create-storage.js'
export { AddressBookCorruptError } from './errors.js'
export type { AddressBookCorruptErrorOptions } from './errors.js'
export { ADDRESS_BOOK_VERSION, decodeAddressBook, encodeAddressBook } from './codec.js'
export type { DecodeProblem, DecodeResult } from './codec.js'
export { emptySnapshot } from './types.js'
export type { AddressBookStorage, BlacklistEntry, Mutation, PeerEntry, Snapshot, StorageResult } from './types.js'

/**
 * Shared helpers of the crypto tests: both backends, hex, error assertions
 * and the Wycheproof vector loader.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { GlueberryError } from '../../lib/errors.js'
import type { ErrorCode } from '../../lib/errors.js'
import { nobleBackend, nodeBackend } from '../../lib/crypto/index.js'
import type { CryptoBackend, SealedRecord } from '../../lib/crypto/index.js'

export const BACKENDS: ReadonlyArray<[string, CryptoBackend]> = [['node', nodeBackend], ['noble', nobleBackend]]

export function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function fromHex (text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'))
}

/** `ciphertext || tag`, the record as it travels. */
export function joinSealed (sealed: SealedRecord): Uint8Array {
  const out = new Uint8Array(sealed.ciphertext.byteLength + sealed.tag.byteLength)
  out.set(sealed.ciphertext, 0)
  out.set(sealed.tag, sealed.ciphertext.byteLength)
  return out
}

/** Bytes 0..n-1 shifted by `start` (the seeds of the reference vectors). */
export function sequence (start: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff)
}

export function isZero (bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0)
}

/** Runs `fn` and returns the GlueberryError it threw; fails the test on anything else. */
export function caught (fn: () => unknown): GlueberryError {
  let thrown: unknown
  try {
    fn()
  } catch (err) {
    thrown = err
  }
  if (thrown === undefined) throw new Error('expected a GlueberryError, nothing was thrown')
  if (!(thrown instanceof GlueberryError)) {
    throw new Error(`expected a GlueberryError, got ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : typeof thrown}`, { cause: thrown })
  }
  return thrown
}

/** Asserts `fn` throws a GlueberryError with `code`. */
export function expectCode (fn: () => unknown, code: ErrorCode): GlueberryError {
  const err = caught(fn)
  expect(err.code).toBe(code)
  return err
}

export async function expectCodeAsync (promise: Promise<unknown>, code: ErrorCode): Promise<GlueberryError> {
  let thrown: unknown
  try {
    await promise
  } catch (err) {
    thrown = err
  }
  expect(thrown).toBeInstanceOf(GlueberryError)
  expect((thrown as GlueberryError).code).toBe(code)
  return thrown as GlueberryError
}

// ---------------------------------------------------------------------------
// Wycheproof

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/**
 * Where the vectors are: $GLUEBERRY_VECTORS, else test/vectors in the repository
 * (the Wycheproof files the tests read are committed there with their LICENSE,
 * so a clone passes its tests with nothing beside it).
 */
export function vectorsRoot (): string {
  return process.env.GLUEBERRY_VECTORS ?? path.join(REPO_ROOT, 'test', 'vectors')
}

export interface WycheproofTest {
  tcId: number
  comment: string
  flags: string[]
  result: 'valid' | 'invalid' | 'acceptable'
  [field: string]: unknown
}

export interface WycheproofGroup {
  tests: WycheproofTest[]
  [field: string]: unknown
}

export interface WycheproofFile {
  algorithm: string
  numberOfTests: number
  testGroups: WycheproofGroup[]
}

/**
 * Reads `<root>/wycheproof/<name>`. A missing directory or file is an error
 * that says how to point the tests at the vectors: the suite fails, it never
 * skips.
 */
export function loadWycheproof (name: string, root: string = vectorsRoot()): WycheproofFile {
  const file = path.join(root, 'wycheproof', name)
  if (!existsSync(file)) {
    throw new Error(`Wycheproof vector file not found: ${file}. ` +
      'Set GLUEBERRY_VECTORS to the directory that contains wycheproof/ (default: test/vectors in the repository).')
  }
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as WycheproofFile
  if (!Array.isArray(parsed.testGroups) || typeof parsed.numberOfTests !== 'number') {
    throw new Error(`${file} is not a Wycheproof test file`)
  }
  return parsed
}

export function str (test: WycheproofTest, field: string): string {
  const value = test[field]
  if (typeof value !== 'string') throw new Error(`tcId ${test.tcId}: field ${field} is not a string`)
  return value
}

/**
 * The address book's own error subclass. Corruption needs more than a code:
 * the user has to know where the original bytes went (`backupPath`) and, when
 * a write is refused, which problems caused the refusal.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'

/** The optional fields of an {@link AddressBookCorruptError}. */
export interface AddressBookCorruptErrorOptions {
  /** The peer whose entry is corrupt, when one is. */
  peer?: string
  /** Where the original bytes were copied. */
  backupPath?: string
  /** For a refused write: the problems behind the refusal. */
  problems?: readonly GlueberryError[]
  /** The underlying error. */
  cause?: unknown
}

/** Code {@link ErrorCode.AddressBookCorrupt}: stored data failed validation. */
export class AddressBookCorruptError extends GlueberryError {
  /** `'AddressBookCorruptError'`. */
  override readonly name: string = 'AddressBookCorruptError'
  /** Where the original bytes were copied before anything else happened. */
  readonly backupPath?: string
  /**
   * For a refused write: the problems found by the read that led to the
   * refusal, when they had not been reported before (empty otherwise).
   */
  readonly problems: readonly GlueberryError[]

  /**
   * Makes an error of code `ADDRESS_BOOK_CORRUPT`.
   *
   * @param message For humans.
   * @param options Peer, backup path, problems and cause.
   */
  constructor (message: string, options: AddressBookCorruptErrorOptions = {}) {
    const base: { peer?: string, cause?: unknown } = {}
    if (options.peer !== undefined) base.peer = options.peer
    if (options.cause !== undefined) base.cause = options.cause
    super(ErrorCode.AddressBookCorrupt, message, base)
    if (options.backupPath !== undefined) this.backupPath = options.backupPath
    this.problems = options.problems ?? []
  }
}

/** The error for any call made after `close()`. */
export function closedError (what: string): GlueberryError {
  return new GlueberryError(ErrorCode.NodeStopped, `${what} is closed`)
}

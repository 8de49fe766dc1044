/**
 * Best-effort wiping of secret bytes.
 *
 * `zeroize` overwrites the bytes of each view with zeros, which is all that
 * JavaScript allows, and that is less than C's `explicit_bzero` promises:
 * - the garbage collector may already have moved or copied the backing
 *   store, leaving old copies nobody can reach to wipe;
 * - strings are immutable and never wiped: the node backend imports X25519
 *   private keys as base64url JWK strings (14x faster than DER), and those
 *   strings live until the collector frees them;
 * - OpenSSL and noble keep their own transient copies (expanded keys, HMAC
 *   state), wiped or not at their discretion;
 * - a view of a pooled Buffer only wipes its own slice (by design).
 * What it does guarantee: the buffers the library owns hold no key after
 * use, so a later heap dump, a reused buffer or a logging accident cannot
 * reveal them through those objects.
 *
 * @module
 */

/** Overwrites each given buffer with zeros; `undefined`/`null` entries are skipped. */
export function zeroize (...buffers: Array<Uint8Array | undefined | null>): void {
  for (const buffer of buffers) {
    if (buffer != null) buffer.fill(0)
  }
}

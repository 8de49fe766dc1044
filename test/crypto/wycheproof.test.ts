/**
 * Wycheproof vectors (C2SP/wycheproof), every case against both backends.
 * The files are read from $GLUEBERRY_VECTORS/wycheproof/ (default
 * test/vectors/wycheproof/ in the repository, where the three files this suite
 * reads are kept unmodified with Wycheproof's Apache-2.0 LICENSE).
 *
 * X25519 policy for the "acceptable" cases: an all-zero shared secret (the
 * low-order and zero public keys) must be rejected with LowOrderPoint; every
 * other acceptable case (twist points, non-canonical u, high bit set) is
 * accepted and must give exactly the expected secret, as RFC 7748 computes it.
 */
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import type { CryptoBackend } from '../../lib/crypto/index.js'
import { BACKENDS, fromHex, hex, isZero, loadWycheproof, str } from './helpers.js'
import type { WycheproofFile, WycheproofTest } from './helpers.js'

interface Tally {
  /** valid (and accepted acceptable) cases that produced exactly the expected output */
  passed: number
  /** invalid (and zero-output acceptable) cases rejected with a GlueberryError of the right code */
  rejected: number
  /** tcId: what went wrong */
  failures: string[]
}

function newTally (): Tally {
  return { passed: 0, rejected: 0, failures: [] }
}

function rejectedWith (fn: () => unknown, codes: readonly string[]): string | undefined {
  try {
    fn()
  } catch (err) {
    if (!(err instanceof GlueberryError)) return `threw a non-GlueberryError: ${String(err)}`
    if (!codes.includes(err.code)) return `threw ${err.code}, expected ${codes.join(' or ')}`
    return undefined
  }
  return 'was accepted'
}

function outcome (tally: Tally, test: WycheproofTest, problem: string | undefined, rejecting: boolean): void {
  if (problem === undefined) {
    if (rejecting) tally.rejected++
    else tally.passed++
  } else {
    tally.failures.push(`tcId ${test.tcId} (${test.result}, ${test.flags.join(',')}): ${problem}`)
  }
}

function countCases (file: WycheproofFile): Record<string, number> {
  const counts: Record<string, number> = { total: 0 }
  for (const group of file.testGroups) {
    for (const test of group.tests) {
      counts.total++
      counts[test.result] = (counts[test.result] ?? 0) + 1
    }
  }
  return counts
}

function runAead (backend: CryptoBackend, file: WycheproofFile): Tally {
  const tally = newTally()
  for (const group of file.testGroups) {
    for (const test of group.tests) {
      const key = fromHex(str(test, 'key'))
      const nonce = fromHex(str(test, 'iv'))
      const aad = fromHex(str(test, 'aad'))
      const msg = fromHex(str(test, 'msg'))
      const ct = fromHex(str(test, 'ct'))
      const tag = fromHex(str(test, 'tag'))
      const sealed = new Uint8Array(ct.byteLength + tag.byteLength)
      sealed.set(ct)
      sealed.set(tag, ct.byteLength)
      if (test.result === 'valid') {
        let problem: string | undefined
        try {
          const out = backend.seal(key, nonce, msg, aad)
          const opened = backend.open(key, nonce, sealed, aad)
          if (hex(out.ciphertext) !== hex(ct)) problem = 'ciphertext differs'
          else if (hex(out.tag) !== hex(tag)) problem = 'tag differs'
          else if (hex(opened) !== hex(msg)) problem = 'opened plaintext differs'
        } catch (err) {
          problem = `threw ${String(err)}`
        }
        outcome(tally, test, problem, false)
      } else {
        // Invalid: a modified tag must not open; a wrong nonce size must be
        // refused both ways.
        let problem = rejectedWith(() => backend.open(key, nonce, sealed, aad), [ErrorCode.DecryptionFailed, ErrorCode.InvalidKey])
        if (problem === undefined && nonce.byteLength !== 12) {
          problem = rejectedWith(() => backend.seal(key, nonce, msg, aad), [ErrorCode.InvalidKey])
          if (problem !== undefined) problem = `seal ${problem}`
        }
        if (problem === undefined && test.flags.includes('ModifiedTag')) {
          problem = rejectedWith(() => backend.open(key, nonce, sealed, aad), [ErrorCode.DecryptionFailed])
        }
        outcome(tally, test, problem, true)
      }
    }
  }
  return tally
}

function runX25519 (backend: CryptoBackend, file: WycheproofFile): Tally {
  const tally = newTally()
  for (const group of file.testGroups) {
    expect(group.curve).toBe('curve25519')
    for (const test of group.tests) {
      const priv = fromHex(str(test, 'private'))
      const pub = fromHex(str(test, 'public'))
      const shared = fromHex(str(test, 'shared'))
      const mustReject = test.result === 'invalid' || isZero(shared) || pub.byteLength !== 32
      if (mustReject) {
        const codes = test.result === 'invalid' || pub.byteLength !== 32
          ? [ErrorCode.InvalidKey, ErrorCode.LowOrderPoint]
          : [ErrorCode.LowOrderPoint]
        outcome(tally, test, rejectedWith(() => backend.x25519(priv, pub), codes), true)
      } else {
        let problem: string | undefined
        try {
          const out = backend.x25519(priv, pub)
          if (hex(out) !== hex(shared)) problem = `shared secret differs: ${hex(out)}`
        } catch (err) {
          problem = `threw ${String(err)}`
        }
        outcome(tally, test, problem, false)
      }
    }
  }
  return tally
}

function runHkdf (backend: CryptoBackend, file: WycheproofFile): Tally {
  const tally = newTally()
  for (const group of file.testGroups) {
    for (const test of group.tests) {
      const ikm = fromHex(str(test, 'ikm'))
      const salt = fromHex(str(test, 'salt'))
      const info = fromHex(str(test, 'info'))
      const size = test.size as number
      if (test.result === 'valid') {
        let problem: string | undefined
        try {
          const okm = backend.hkdfSha256(ikm, salt, info, size)
          if (hex(okm) !== str(test, 'okm')) problem = 'okm differs'
        } catch (err) {
          problem = `threw ${String(err)}`
        }
        outcome(tally, test, problem, false)
      } else {
        outcome(tally, test, rejectedWith(() => backend.hkdfSha256(ikm, salt, info, size), [ErrorCode.InvalidKey]), true)
      }
    }
  }
  return tally
}

const SUITES = [
  { file: 'chacha20_poly1305_test.json', algorithm: 'CHACHA20-POLY1305', run: runAead },
  { file: 'x25519_test.json', algorithm: 'XDH', run: runX25519 },
  { file: 'hkdf_sha256_test.json', algorithm: 'HKDF-SHA-256', run: runHkdf }
] as const

describe('Wycheproof vectors', () => {
  for (const suite of SUITES) {
    describe(suite.file, () => {
      let file: WycheproofFile | undefined
      let loadError: unknown
      try {
        file = loadWycheproof(suite.file)
      } catch (err) {
        loadError = err
      }

      if (file === undefined) {
        // Never skip: a missing vector directory is a failing test that says what to do.
        it('finds the vector file (set GLUEBERRY_VECTORS)', () => {
          throw loadError instanceof Error ? loadError : new Error(String(loadError))
        })
        return
      }
      const vectors = file
      const counts = countCases(vectors)

      it('is the expected algorithm and has cases', () => {
        expect(vectors.algorithm).toBe(suite.algorithm)
        expect(counts.total).toBeGreaterThan(0)
        expect(counts.total).toBe(vectors.numberOfTests)
      })

      for (const [name, backend] of BACKENDS) {
        it(`passes every case with the ${name} backend`, () => {
          const tally = suite.run(backend, vectors)
          expect(tally.failures).toEqual([])
          // Nothing skipped: every case was either matched or rejected.
          expect(tally.passed + tally.rejected).toBe(counts.total)
          expect(tally.passed).toBeGreaterThan(0)
          expect(tally.rejected).toBeGreaterThan(0)
          if (suite.file === 'x25519_test.json') {
            // Every valid case matches; acceptable cases split by the zero-output policy.
            expect(tally.passed).toBeGreaterThanOrEqual(counts.valid)
          } else {
            expect(tally.passed).toBe(counts.valid)
            expect(tally.rejected).toBe(counts.invalid)
          }
        })
      }
    })
  }

  it('fails with a message naming GLUEBERRY_VECTORS when the directory is missing', () => {
    expect(() => loadWycheproof('x25519_test.json', '/nonexistent/glueberry-vectors'))
      .toThrow(/GLUEBERRY_VECTORS/)
  })
})

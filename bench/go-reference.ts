/**
 * The Go original's published benchmark figures, as published (no machine
 * given, no spread). Sources:
 * - "report": reference/glueberry-go-prerelease-report.md, phase P4-1,
 *   "Benchmark Results (Reference)" (`go test -bench ./benchmark/...`);
 * - "README": the Go repository's README performance figures.
 *
 * What Go measures: each message sealed on its own (ChaCha20-Poly1305, a
 * random 12-byte nonce per message, `nonce || ct || tag`), cramberry
 * framing; one static key per peer pair (1 X25519 + HKDF, then cached).
 *
 * @module
 */

export type GoUnit = 'MB/s' | 'us'

export interface GoFigure {
  id: GoFigureId
  /** What Go calls it. */
  figure: string
  /** The published value: MB/s (10^6 bytes/s), or microseconds per operation. */
  value: number
  unit: GoUnit
  source: string
}

export type GoFigureId =
  | 'encrypt-1mib' | 'decrypt-1mib' | 'encrypt-64kib' | 'encrypt-1kib-time'
  | 'send-1kib' | 'receive-1kib' | 'message-send-1kib' | 'derive-uncached'

const REPORT = 'prerelease report, P4-1'
const README = 'Go README'

export const GO_FIGURES: readonly GoFigure[] = Object.freeze([
  { id: 'encrypt-1mib', figure: 'Encrypt 1 MB', value: 1200, unit: 'MB/s', source: `${REPORT} (~1.2 GB/s)` },
  { id: 'decrypt-1mib', figure: 'Decrypt 1 MB', value: 1200, unit: 'MB/s', source: `${REPORT} (~1.2 GB/s)` },
  { id: 'encrypt-64kib', figure: 'Encrypt 64 KB', value: 1000, unit: 'MB/s', source: `${REPORT} (~1.0 GB/s)` },
  { id: 'encrypt-1kib-time', figure: 'Encrypt 1 KB', value: 10, unit: 'us', source: `${README} (~10 us)` },
  { id: 'send-1kib', figure: 'Send path (serialize + encrypt) 1 KB', value: 685, unit: 'MB/s', source: `${REPORT} (~685 MB/s)` },
  { id: 'receive-1kib', figure: 'Receive path (decrypt + deserialize) 1 KB', value: 440, unit: 'MB/s', source: `${REPORT} (~440 MB/s)` },
  { id: 'message-send-1kib', figure: 'Message send 1 KB', value: 100, unit: 'us', source: `${README} (~100 us)` },
  {
    id: 'derive-uncached',
    figure: 'Key derivation, uncached',
    value: 50,
    unit: 'us',
    source: `${README} (~50 us; the ${REPORT} gives ~125 us including key generation)`
  }
] satisfies GoFigure[])

export function goFigure (id: GoFigureId): GoFigure {
  const found = GO_FIGURES.find((f) => f.id === id)
  if (found === undefined) throw new Error(`no Go figure ${id}`)
  return found
}

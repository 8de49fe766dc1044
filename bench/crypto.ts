/**
 * Crypto benchmark: record seal/open throughput at 64 B .. 1 MiB and the cost
 * of the v2 key schedule, for the node:crypto and noble backends side by side.
 *
 *   node --import ./bench/register.js bench/crypto.ts [--quick] [--json]
 *
 * Method (bench/harness.ts, after notes/crypto-speed.md): per cell a warm-up, then batches
 * calibrated to a minimum duration; reps of a minimum time each, taken
 * round-robin across all cells; the figure is the median of a cell's reps. Records go through RecordSealer/RecordOpener, the path
 * the library really uses (counter nonce, one cipher object per record, rekey
 * every 2^20 records, ciphertext and tag as two chunks, no concatenation).
 *
 * `runCryptoBench(options)` returns the numbers for a suite runner.
 */
import { pathToFileURL } from 'node:url'
import {
  RecordOpener,
  RecordSealer,
  createIdentity,
  createPeerKeys,
  deriveStreamKeys,
  generateStreamSecrets,
  nobleBackend,
  nodeBackend
} from '../lib/crypto/index.js'
import type { CryptoBackend, Identity, StreamKeyInput } from '../lib/crypto/index.js'
import { FULL_TIMING, QUICK_TIMING, formatMb, formatRate, formatSize, measureAll, prepare, table } from './harness.js'
import type { Cell, Timing } from './harness.js'

export type BackendName = 'node' | 'noble'

export interface CryptoBenchOptions {
  /** Short timings (the whole run well under 20 s). Default false. */
  quick?: boolean
  /** Default both. */
  backends?: BackendName[]
  /** Record sizes in bytes. Default 64 B, 1 KiB, 16 KiB, 64 KiB, 1 MiB. */
  sizes?: number[]
  /** Progress lines (default: none). */
  log?: (line: string) => void
}

export interface AeadResult {
  backend: BackendName
  op: 'seal' | 'open'
  size: number
  opsPerSec: number
  mbPerSec: number
  /** ops/s of each rep, for spread. */
  reps: number[]
}

export interface KeyScheduleResult {
  backend: BackendName
  op: string
  opsPerSec: number
  usPerOp: number
  reps: number[]
}

export interface CryptoBenchResult {
  node: string
  quick: boolean
  aead: AeadResult[]
  keySchedule: KeyScheduleResult[]
}

/** The shared timings, plus a longer rep for records of 64 KiB and more. */
interface CryptoTiming extends Timing {
  bigRepMs: number
}

const FULL: CryptoTiming = { ...FULL_TIMING, bigRepMs: 450 }
const QUICK: CryptoTiming = { ...QUICK_TIMING, bigRepMs: 100 }

export const DEFAULT_SIZES = [64, 1024, 16 * 1024, 64 * 1024, 1024 * 1024]

const BACKENDS: Record<BackendName, CryptoBackend> = { node: nodeBackend, noble: nobleBackend }

/** Keeps results observable so the work cannot be optimised away. */
let sink = 0

function sealCell (backend: CryptoBackend, size: number, timing: Timing, repMs: number): Cell {
  const sealer = new RecordSealer(backend.randomBytes(32), { backend })
  const plaintext = backend.randomBytes(size)
  return prepare((n) => {
    for (let i = 0; i < n; i++) sink ^= sealer.seal(plaintext).tag[0]
  }, timing, repMs, () => { sealer.destroy() })
}

/**
 * Opening needs records sealed under consecutive counters: seal a ring of
 * them once, then open the ring over and over with a fresh opener per pass
 * (an opener costs a key copy and a DataView, spread over the whole ring).
 */
function openCell (backend: CryptoBackend, size: number, timing: Timing, repMs: number): Cell {
  const key = backend.randomBytes(32)
  const ringLength = Math.max(4, Math.min(1024, Math.floor((4 * 1024 * 1024) / size)))
  const sealer = new RecordSealer(key.slice(), { backend })
  const plaintext = backend.randomBytes(size)
  const ring: Uint8Array[] = []
  for (let i = 0; i < ringLength; i++) {
    const { ciphertext, tag } = sealer.seal(plaintext)
    const record = new Uint8Array(ciphertext.byteLength + tag.byteLength)
    record.set(ciphertext)
    record.set(tag, ciphertext.byteLength)
    ring.push(record)
  }
  sealer.destroy()
  let opener = new RecordOpener(key.slice(), { backend })
  let position = 0
  return prepare((n) => {
    for (let i = 0; i < n; i++) {
      if (position === ringLength) {
        opener.destroy()
        opener = new RecordOpener(key.slice(), { backend })
        position = 0
      }
      sink ^= opener.open(ring[position++])[0] ?? 0
    }
  }, timing, repMs, () => { opener.destroy() })
}

interface Parties {
  a: Identity
  b: Identity
}

async function parties (backend: CryptoBackend): Promise<Parties> {
  const seed = (start: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => start + i)
  return { a: await createIdentity(seed(0), backend), b: await createIdentity(seed(32), backend) }
}

/** The key-derivation operations: what one stream opening and one peer cost. */
function keyScheduleOps (backend: CryptoBackend, { a, b }: Parties): Array<[string, () => void]> {
  const opener = generateStreamSecrets(backend)
  const responder = generateStreamSecrets(backend)
  const protocolId = '/glueberry/stream/blocks/2.0.0'
  const input: StreamKeyInput = {
    backend,
    protocolId,
    isOpener: true,
    localStaticPrivateKey: a.xPrivateKey,
    remoteStaticPublicKey: b.xPublicKey,
    localEphemeralPrivateKey: opener.ephemeral.privateKey,
    // Reused across iterations, so it must survive each one.
    zeroEphemeralPrivateKey: false,
    opener: { peerId: a.peerId.toMultihash().bytes, salt: opener.salt, ephemeralPublicKey: opener.ephemeral.publicKey },
    responder: { peerId: b.peerId.toMultihash().bytes, salt: responder.salt, ephemeralPublicKey: responder.ephemeral.publicKey }
  }
  const staticSharedSecret = backend.x25519(a.xPrivateKey, b.xPublicKey)
  const { localStaticPrivateKey: _l, remoteStaticPublicKey: _r, ...base } = input
  const cached: StreamKeyInput = { ...base, staticSharedSecret }
  const atA = createPeerKeys(backend, a, b.peerIdString, b.edPublicKey)
  const atB = createPeerKeys(backend, b, a.peerIdString, a.edPublicKey)
  const ctxA = { protocolId, peer: b.peerIdString }
  const ctxB = { protocolId, peer: a.peerIdString }
  const position = { incarnation: new Uint8Array(8), seq: 0, maxMessageSize: 1024 * 1024 }
  return [
    ['deriveStreamKeys, full (2 X25519 + HKDF)', () => { sink ^= deriveStreamKeys(input).sendKey[0] }],
    ['deriveStreamKeys, cached static secret', () => { sink ^= deriveStreamKeys(cached).sendKey[0] }],
    ['stream opening, both sides (keygen x2 + derive x2)', () => {
      const opening = atA.opener(ctxA, position)
      const answer = atB.responder(ctxB, opening.header, () => position)
      const keys = opening.complete(answer.header)
      keys.sealer.destroy()
      keys.acks.destroy()
      answer.opener.destroy()
      answer.acks.destroy()
    }],
    ['createPeerKeys (Ed25519->X25519 + static X25519)', () => {
      createPeerKeys(backend, a, b.peerIdString, b.edPublicKey).destroy()
    }]
  ]
}

/** Runs the benchmark and returns the figures. */
export async function runCryptoBench (options: CryptoBenchOptions = {}): Promise<CryptoBenchResult> {
  const quick = options.quick ?? false
  const timing = quick ? QUICK : FULL
  const names = options.backends ?? ['node', 'noble']
  const sizes = options.sizes ?? DEFAULT_SIZES
  const log = options.log ?? (() => {})
  const result: CryptoBenchResult = { node: process.version, quick, aead: [], keySchedule: [] }

  const aeadCells: Array<{ row: Omit<AeadResult, 'opsPerSec' | 'mbPerSec' | 'reps'>, cell: Cell }> = []
  for (const name of names) {
    const backend = BACKENDS[name]
    for (const size of sizes) {
      const repMs = size >= 64 * 1024 ? timing.bigRepMs : timing.repMs
      aeadCells.push({ row: { backend: name, op: 'seal', size }, cell: sealCell(backend, size, timing, repMs) })
      aeadCells.push({ row: { backend: name, op: 'open', size }, cell: openCell(backend, size, timing, repMs) })
    }
  }
  log(`measuring ${aeadCells.length} seal/open cells, ${timing.reps} interleaved reps`)
  const aeadMedians = measureAll(aeadCells.map((c) => c.cell), timing)
  aeadCells.forEach(({ row, cell }, i) => {
    const opsPerSec = aeadMedians[i]
    const full: AeadResult = { ...row, opsPerSec, mbPerSec: opsPerSec * row.size / 1e6, reps: cell.reps }
    result.aead.push(full)
    log(`${full.backend} ${full.op} ${formatSize(full.size)}: ${formatAead(full)}`)
  })

  const kdCells: Array<{ backend: BackendName, op: string, cell: Cell }> = []
  for (const name of names) {
    const backend = BACKENDS[name]
    for (const [op, fn] of keyScheduleOps(backend, await parties(backend))) {
      kdCells.push({ backend: name, op, cell: prepare((n) => { for (let i = 0; i < n; i++) fn() }, timing, timing.repMs) })
    }
  }
  log(`measuring ${kdCells.length} key-schedule cells`)
  const kdMedians = measureAll(kdCells.map((c) => c.cell), timing)
  kdCells.forEach(({ backend, op, cell }, i) => {
    const row: KeyScheduleResult = { backend, op, opsPerSec: kdMedians[i], usPerOp: 1e6 / kdMedians[i], reps: cell.reps }
    result.keySchedule.push(row)
    log(`${backend} ${op}: ${row.usPerOp.toFixed(1)} us`)
  })
  if (sink === 0.5) log('') // never true; reads the sink
  return result
}

function formatAead (row: AeadResult): string {
  return `${formatMb(row.mbPerSec)} MB/s · ${formatRate(row.opsPerSec)}`
}

/** The results as two Markdown tables. */
export function formatCryptoBench (result: CryptoBenchResult): string {
  const names = [...new Set(result.aead.map((r) => r.backend))]
  const sizes = [...new Set(result.aead.map((r) => r.size))]
  const columns = names.flatMap((n) => [`${n} seal`, `${n} open`])
  const aeadRows = sizes.map((size) => [formatSize(size), ...names.flatMap((n) => (['seal', 'open'] as const).map((op) => {
    const row = result.aead.find((r) => r.backend === n && r.op === op && r.size === size)
    return row === undefined ? '-' : formatAead(row)
  }))])
  const ratioRows = sizes.map((size) => {
    const get = (n: BackendName, op: string): number | undefined => result.aead.find((r) => r.backend === n && r.op === op && r.size === size)?.opsPerSec
    const ratio = (op: string): string => {
      const node = get('node', op)
      const noble = get('noble', op)
      return node === undefined || noble === undefined ? '-' : `${(node / noble).toFixed(1)}x`
    }
    return [formatSize(size), ratio('seal'), ratio('open')]
  })
  const ops = [...new Set(result.keySchedule.map((r) => r.op))]
  const kdNames = [...new Set(result.keySchedule.map((r) => r.backend))]
  const kdRows = ops.map((op) => [op, ...kdNames.map((n) => {
    const row = result.keySchedule.find((r) => r.backend === n && r.op === op)
    return row === undefined ? '-' : `${row.usPerOp.toFixed(1)} us · ${formatRate(row.opsPerSec)}`
  })])
  return [
    `Crypto benchmark (${result.node}${result.quick ? ', quick' : ''}; median of reps)`,
    '',
    'ChaCha20-Poly1305 records (RecordSealer.seal / RecordOpener.open), MB/s · records/s',
    table(['size', ...columns], aeadRows),
    '',
    ...(names.length === 2 ? ['node / noble speed ratio', table(['size', 'seal', 'open'], ratioRows), ''] : []),
    'Key schedule v2',
    table(['operation', ...kdNames], kdRows)
  ].join('\n')
}

async function main (): Promise<void> {
  const args = new Set(process.argv.slice(2))
  const started = performance.now()
  const result = await runCryptoBench({
    quick: args.has('--quick'),
    log: (line) => { process.stderr.write(`  ${line}\n`) }
  })
  if (args.has('--json')) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n')
  } else {
    process.stdout.write(formatCryptoBench(result) + '\n')
    process.stdout.write(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)\n`)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`)
    process.exitCode = 1
  })
}

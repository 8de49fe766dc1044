/**
 * In-memory send and receive paths: the code the node runs for every
 * message on an encrypted stream, without libp2p underneath.
 *
 *   node --import ./bench/register.js bench/paths.ts [--quick] [--json]
 *
 * Send: messages are queued into the real {@link RecordFrameEncoder}, which
 * packs them into records of at most 64 KiB, seals each record
 * ({@link RecordSealer}: counter nonce, one cipher object per record) and
 * frames it into a Uint8ArrayList, exactly what OutboundChannel.flush() hands
 * to `stream.send()`. One op is one flush of a burst that fills
 * {@link FLUSH_RECORDS} records, as a `for (...) node.send()` loop queues in
 * one tick. The 'unbatched' variant flushes after every message: one record
 * per message, as a sender that writes one message per tick gets.
 *
 * Receive: a stream of sealed record frames (made once by the same encoder)
 * is fed to the node's frame decoder in {@link DEFAULT_CHUNK_BYTES} chunks,
 * as libp2p 'message' events deliver it; every frame is opened
 * ({@link RecordOpener}) and split into messages (the node's wire binding,
 * `streamWire`: FrameDecoder and splitRecordBody). One op is one pass over
 * that stream with a fresh opener (the counter must start again).
 *
 * Not included: the send() admission (OutboundChannel, WatermarkGate), the
 * flush scheduling (setImmediate), FrameReader's queue and the delivery to
 * `messages$`; and of course libp2p, noise and yamux (the network benchmarks).
 *
 * Figures are messages/s and MB/s of payload (10^6 message bytes per second,
 * framing and tags not counted), median of interleaved reps (bench/harness.ts).
 *
 * `runPathsBench(options)` returns the numbers for a suite runner.
 */
import { pathToFileURL } from 'node:url'
import { Uint8ArrayList } from 'uint8arraylist'
import { DEFAULTS } from '../lib/config.js'
import { RecordOpener, RecordSealer, nobleBackend, nodeBackend } from '../lib/crypto/index.js'
import type { CryptoBackend } from '../lib/crypto/index.js'
import { RecordFrameEncoder } from '../lib/streams/frame-encoders.js'
import { streamWire } from '../lib/streams/wire-adapter.js'
import { varintLength } from '../lib/wire/index.js'
import {
  FULL_TIMING, QUICK_TIMING, formatMb, formatRate, formatSize, measureAll, prepare, table
} from './harness.js'
import type { Cell, Timing } from './harness.js'

export type BackendName = 'node' | 'noble'

/** `send`/`receive`: records packed up to 64 KiB; `-unbatched`: one record per message. */
export type PathName = 'send' | 'send-unbatched' | 'receive' | 'receive-unbatched'

export const PATH_NAMES: readonly PathName[] = ['send', 'send-unbatched', 'receive', 'receive-unbatched']

export interface PathsBenchOptions {
  /** Short timings (a few seconds in all). Default false. */
  quick?: boolean
  /** Default both. */
  backends?: BackendName[]
  /** Message sizes in bytes. Default 64 B and 1 KiB. */
  sizes?: number[]
  /** Size of the chunks the receive path is fed. Default 64 KiB. */
  chunkBytes?: number
  /** Progress lines (default: none). */
  log?: (line: string) => void
}

export interface PathResult {
  backend: BackendName
  path: PathName
  /** Message size, bytes. */
  size: number
  /** Messages per measured op (one flush, or one pass over the received stream). */
  messagesPerOp: number
  /** Sealed records per measured op. */
  recordsPerOp: number
  /** Median of the reps. */
  messagesPerSec: number
  /** Median payload throughput, 10^6 bytes/s. */
  mbPerSec: number
  /** messages/s of each rep, for the spread. */
  reps: number[]
}

export interface PathsBenchResult {
  node: string
  quick: boolean
  /** Records are packed up to this many body bytes. */
  recordTargetBytes: number
  /** Records per flush of the batched send path. */
  flushRecords: number
  /** Chunk size fed to the receive path. */
  chunkBytes: number
  paths: PathResult[]
}

export const DEFAULT_PATH_SIZES = [64, 1024]
/** libp2p delivers at most one yamux frame (64 KiB by default) per 'message' event. */
export const DEFAULT_CHUNK_BYTES = 64 * 1024
/** A batched flush fills this many records. */
export const FLUSH_RECORDS = 4
/** The received stream of the batched path holds this many records (about 1 MiB). */
const RECEIVE_RECORDS = 16
/** The received stream of the unbatched path holds about this many payload bytes (256 KiB). */
const RECEIVE_UNBATCHED_BYTES = 256 * 1024

const BACKENDS: Record<BackendName, CryptoBackend> = { node: nodeBackend, noble: nobleBackend }
const MAX_MESSAGE_SIZE = DEFAULTS.maxMessageSize
const MAX_FRAME = streamWire.maxRecordFrame(MAX_MESSAGE_SIZE)

/** Keeps results observable so the work cannot be optimised away. */
let sink = 0

/** How many messages of `size` bytes fill one record body. */
export function messagesPerRecord (size: number): number {
  return Math.max(1, Math.floor(streamWire.recordTarget / (varintLength(size) + size)))
}

function randomMessages (backend: CryptoBackend, count: number, size: number): Uint8Array[] {
  const pool = backend.randomBytes(Math.max(size * 8, 4096))
  return Array.from({ length: count }, (_, i) => {
    const start = (i * 61) % (pool.byteLength - size + 1)
    const message = pool.slice(start, start + size)
    // Distinct first bytes, so a misordered or repeated message is noticed.
    if (size >= 4) new DataView(message.buffer).setUint32(0, i)
    return message
  })
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

/** Decodes `bytes` as the node would and returns every message: the correctness check of both paths. */
function decodeAll (backend: CryptoBackend, key: Uint8Array, bytes: Uint8Array): Uint8Array[] {
  const decoder = streamWire.deframer(MAX_FRAME)
  const opener = new RecordOpener(key.slice(), { backend })
  const messages: Uint8Array[] = []
  for (const frame of decoder.push(bytes)) messages.push(...streamWire.split(opener.open(frame), MAX_MESSAGE_SIZE))
  opener.destroy()
  return messages
}

function check (what: string, got: readonly Uint8Array[], want: readonly Uint8Array[]): void {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} messages out, ${want.length} in`)
  for (let i = 0; i < want.length; i++) {
    if (!equal(got[i], want[i])) throw new Error(`${what}: message ${i} differs`)
  }
}

interface PathCell {
  cell: Cell
  messagesPerOp: number
  recordsPerOp: number
}

/** Send: queue a burst into the real encoder, then one take() into a fresh list (one flush). */
function sendCell (backend: CryptoBackend, size: number, batched: boolean, timing: Timing): PathCell {
  const burst = batched ? FLUSH_RECORDS * messagesPerRecord(size) : 1
  const payload = backend.randomBytes(size)

  const key = backend.randomBytes(32)
  const probe = new RecordFrameEncoder(new RecordSealer(key.slice(), { backend }), streamWire.recordTarget)
  const sample = randomMessages(backend, burst, size)
  for (const message of sample) probe.add(message)
  const out = new Uint8ArrayList()
  const records = probe.take(out)
  probe.destroy()
  check(`send ${formatSize(size)}`, decodeAll(backend, key, out.subarray()), sample)

  const encoder = new RecordFrameEncoder(new RecordSealer(backend.randomBytes(32), { backend }), streamWire.recordTarget)
  const cell = prepare((n) => {
    for (let i = 0; i < n; i++) {
      for (let m = 0; m < burst; m++) encoder.add(payload)
      const frames = new Uint8ArrayList()
      encoder.take(frames)
      sink ^= frames.byteLength
    }
  }, timing, timing.repMs, () => { encoder.destroy() })
  return { cell, messagesPerOp: burst, recordsPerOp: records }
}

/**
 * Receive: the sealed stream of `count` messages is made once; each op feeds
 * it to the decoder chunk by chunk, opens every frame and splits every body.
 * The decoder lives across passes (the stream ends on a frame boundary);
 * the opener is replaced per pass because its counter must restart.
 */
function receiveCell (backend: CryptoBackend, size: number, batched: boolean, chunkBytes: number, timing: Timing): PathCell {
  const count = batched
    ? RECEIVE_RECORDS * messagesPerRecord(size)
    : Math.max(256, Math.ceil(RECEIVE_UNBATCHED_BYTES / size))
  const messages = randomMessages(backend, count, size)
  const key = backend.randomBytes(32)
  const encoder = new RecordFrameEncoder(new RecordSealer(key.slice(), { backend }), streamWire.recordTarget)
  const out = new Uint8ArrayList()
  let records = 0
  for (const message of messages) {
    encoder.add(message)
    if (!batched) records += encoder.take(out)
  }
  if (batched) records += encoder.take(out)
  encoder.destroy()
  const bytes = out.subarray()
  const chunks: Uint8Array[] = []
  for (let offset = 0; offset < bytes.byteLength; offset += chunkBytes) {
    chunks.push(bytes.subarray(offset, Math.min(bytes.byteLength, offset + chunkBytes)))
  }

  const decoder = streamWire.deframer(MAX_FRAME)
  const pass = (collect?: Uint8Array[]): number => {
    const opener = new RecordOpener(key.slice(), { backend })
    let received = 0
    for (const chunk of chunks) {
      for (const frame of decoder.push(chunk)) {
        const body = opener.open(frame)
        const split = streamWire.split(body, MAX_MESSAGE_SIZE)
        received += split.length
        if (collect !== undefined) collect.push(...split)
        else sink ^= split[split.length - 1][0] ?? 0
      }
    }
    opener.destroy()
    return received
  }
  const got: Uint8Array[] = []
  pass(got)
  check(`receive ${formatSize(size)}`, got, messages)

  const cell = prepare((n) => {
    for (let i = 0; i < n; i++) {
      if (pass() !== count) throw new Error('receive: lost messages')
    }
  }, timing)
  return { cell, messagesPerOp: count, recordsPerOp: records }
}

/** Runs the benchmark and returns the figures. */
export async function runPathsBench (options: PathsBenchOptions = {}): Promise<PathsBenchResult> {
  const quick = options.quick ?? false
  const timing = quick ? QUICK_TIMING : FULL_TIMING
  const names = options.backends ?? ['node', 'noble']
  const sizes = options.sizes ?? DEFAULT_PATH_SIZES
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES
  const log = options.log ?? (() => {})
  const result: PathsBenchResult = {
    node: process.version,
    quick,
    recordTargetBytes: streamWire.recordTarget,
    flushRecords: FLUSH_RECORDS,
    chunkBytes,
    paths: []
  }

  const cells: Array<{ row: Pick<PathResult, 'backend' | 'path' | 'size'>, cell: PathCell }> = []
  for (const name of names) {
    const backend = BACKENDS[name]
    for (const size of sizes) {
      for (const path of PATH_NAMES) {
        const batched = !path.endsWith('-unbatched')
        const cell = path.startsWith('send')
          ? sendCell(backend, size, batched, timing)
          : receiveCell(backend, size, batched, chunkBytes, timing)
        cells.push({ row: { backend: name, path, size }, cell })
      }
    }
  }
  log(`measuring ${cells.length} send/receive path cells, ${timing.reps} interleaved reps`)
  const medians = measureAll(cells.map((c) => c.cell.cell), timing)
  cells.forEach(({ row, cell }, i) => {
    const messagesPerSec = medians[i] * cell.messagesPerOp
    const full: PathResult = {
      ...row,
      messagesPerOp: cell.messagesPerOp,
      recordsPerOp: cell.recordsPerOp,
      messagesPerSec,
      mbPerSec: messagesPerSec * row.size / 1e6,
      reps: cell.cell.reps.map((ops) => ops * cell.messagesPerOp)
    }
    result.paths.push(full)
    log(`${full.backend} ${full.path} ${formatSize(full.size)}: ${formatPath(full)}`)
  })
  if (sink === 0.5) log('') // never true; reads the sink
  return result
}

function formatPath (row: PathResult): string {
  return `${formatMb(row.mbPerSec)} MB/s · ${formatRate(row.messagesPerSec)}`
}

export const PATH_LABELS: Record<PathName, string> = {
  send: 'send (batched into 64 KiB records)',
  'send-unbatched': 'send, one record per message',
  receive: 'receive (64 KiB records)',
  'receive-unbatched': 'receive, one record per message'
}

/** The results as Markdown tables. */
export function formatPathsBench (result: PathsBenchResult): string {
  const names = [...new Set(result.paths.map((r) => r.backend))]
  const sizes = [...new Set(result.paths.map((r) => r.size))]
  const find = (backend: BackendName, path: PathName, size: number): PathResult | undefined =>
    result.paths.find((r) => r.backend === backend && r.path === path && r.size === size)
  const rows = PATH_NAMES.flatMap((path) => sizes.map((size) => [
    PATH_LABELS[path], formatSize(size), ...names.map((n) => {
      const row = find(n, path, size)
      return row === undefined ? '-' : formatPath(row)
    })
  ]))
  const gainRows = sizes.map((size) => [formatSize(size), ...names.flatMap((n) => (['send', 'receive'] as const).map((path) => {
    const batched = find(n, path, size)
    const single = find(n, `${path}-unbatched`, size)
    return batched === undefined || single === undefined ? '-' : `${(batched.messagesPerSec / single.messagesPerSec).toFixed(1)}x`
  }))])
  return [
    `Send/receive paths in memory (${result.node}${result.quick ? ', quick' : ''}; median of reps; MB/s of payload · messages/s)`,
    '',
    table(['path', 'message', ...names], rows),
    '',
    'What batching buys (batched / one record per message, messages/s)',
    table(['message', ...names.flatMap((n) => [`${n} send`, `${n} receive`])], gainRows)
  ].join('\n')
}

async function main (): Promise<void> {
  const args = new Set(process.argv.slice(2))
  const started = performance.now()
  const result = await runPathsBench({
    quick: args.has('--quick'),
    log: (line) => { process.stderr.write(`  ${line}\n`) }
  })
  if (args.has('--json')) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n')
  } else {
    process.stdout.write(formatPathsBench(result) + '\n')
    process.stdout.write(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)\n`)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    process.exitCode = 1
  })
}

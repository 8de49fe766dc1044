/**
 * What the scenarios share: waiting on events and conditions (never on
 * sleeps), an application handshake, typed-error assertions, and `conform()`,
 * the one place where a known divergence of a platform changes what a test
 * asserts.
 *
 * @module
 */
import { expect } from '@jest/globals'
import { filter, firstValueFrom, take, timeout } from 'rxjs'
import type { Observable } from 'rxjs'
import { ConnectionState, GlueberryError } from '../../lib/index.js'
import type { ConnectionEvent, ErrorCode, GlueberryNode, IncomingMessage } from '../../lib/index.js'
import type { ConformanceOptions, Pair, PlatformDriver } from './driver.js'
import type { DivergenceId } from './divergences.js'

/** Generous: the machine is shared; a correct run waits far less. */
export const WAIT_MS = 10_000

/**
 * Runs `real` (the real node's documented behaviour) unless the platform has
 * the known divergence `id`: then `current`, which asserts what the platform
 * does today. Remove the id from the driver and the real assertions apply.
 */
export async function conform<T> (driver: PlatformDriver, id: DivergenceId, cases: { real: () => Promise<T> | T, current: () => Promise<T> | T }): Promise<T> {
  return driver.divergences.has(id) ? await cases.current() : await cases.real()
}

/** A test title that says when the platform runs it against a known divergence. */
export function titled (driver: PlatformDriver, title: string, ...ids: DivergenceId[]): string {
  const known = ids.filter(id => driver.divergences.has(id))
  return known.length === 0 ? title : `${title} [known divergence on ${driver.name}: ${known.join(', ')}]`
}

export async function first<T> (source$: Observable<T>, predicate: (value: T) => boolean = () => true, ms = WAIT_MS): Promise<T> {
  return await firstValueFrom(source$.pipe(filter(predicate), take(1), timeout(ms)))
}

export async function waitForState (node: GlueberryNode, peerId: string, state: ConnectionState, ms = WAIT_MS): Promise<void> {
  await first(node.state$(peerId), s => s === state, ms)
}

/** Resolves once `check()` holds (polled every 20 ms: for values no Observable announces, e.g. peerStats). */
export async function until (check: () => boolean, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

/** Every event of `node` from now on. */
export function recordEvents (node: GlueberryNode): ConnectionEvent[] {
  const events: ConnectionEvent[] = []
  node.events$.subscribe(e => events.push(e))
  return events
}

/** Every message of `node` from now on (optionally only on `stream`). */
export function recordMessages (node: GlueberryNode, stream?: string): IncomingMessage[] {
  const messages: IncomingMessage[] = []
  node.messages$.subscribe((m) => { if (stream === undefined || m.stream === stream) messages.push(m) })
  return messages
}

/** The compact shape of events that the scenarios compare. */
export const transitions = (events: readonly ConnectionEvent[], peerId: string): Array<[string, string, boolean]> =>
  events.filter(e => e.peerId === peerId).map(e => [e.previous, e.state, e.outbound])

/** Asserts that `call` rejects (or throws) a GlueberryError with `code`. */
export async function expectCode (call: () => unknown, code: ErrorCode): Promise<GlueberryError> {
  let error: unknown
  try {
    await call()
  } catch (err) {
    error = err
  }
  expect(error).toBeInstanceOf(GlueberryError)
  expect((error as GlueberryError).code).toBe(code)
  return error as GlueberryError
}

const KEY = 1
const READY = 2

/**
 * The application handshake every scenario uses, on the plaintext
 * 'handshake' stream: on Connected, send our public key; on the peer's key,
 * prepareStreams and send "ready"; once both are done, finalizeHandshake.
 * Returns its teardown.
 */
export function keyHandshake (node: GlueberryNode, streams: readonly string[]): () => void {
  const prepared = new Set<string>()
  const ready = new Set<string>()
  const finalize = (peer: string): void => {
    if (prepared.has(peer) && ready.has(peer)) node.finalizeHandshake(peer).catch(() => {})
  }
  const events = node.events$.pipe(filter(e => e.state === ConnectionState.Connected)).subscribe((e) => {
    prepared.delete(e.peerId)
    ready.delete(e.peerId)
    node.send(e.peerId, 'handshake', Uint8Array.of(KEY, ...node.publicKey)).catch(() => {})
  })
  const messages = node.messages$.pipe(filter(m => m.stream === 'handshake')).subscribe((m) => {
    if (m.data[0] === KEY) {
      node.prepareStreams(m.peerId, m.data.subarray(1), streams).then(async () => {
        prepared.add(m.peerId)
        await node.send(m.peerId, 'handshake', Uint8Array.of(READY))
        finalize(m.peerId)
      }).catch(() => {})
    } else if (m.data[0] === READY) {
      ready.add(m.peerId)
      finalize(m.peerId)
    }
  })
  return () => { events.unsubscribe(); messages.unsubscribe() }
}

/** The dialer adds the listener with its address: it dials it at once. */
export async function introduce (driver: PlatformDriver, pair: Pair): Promise<void> {
  await pair.dialer.addPeer(pair.listener.peerId, driver.addressOf(pair.listener))
}

/** A pair running keyHandshake on `streams`, Established both ways. */
export async function establishedPair (driver: PlatformDriver, streams: readonly string[], options: ConformanceOptions = {}, listenerOptions: ConformanceOptions = options): Promise<Pair> {
  const pair = await driver.pair(options, listenerOptions)
  keyHandshake(pair.dialer, streams)
  keyHandshake(pair.listener, streams)
  await introduce(driver, pair)
  await Promise.all([
    waitForState(pair.dialer, pair.listener.peerId, ConnectionState.Established),
    waitForState(pair.listener, pair.dialer.peerId, ConnectionState.Established)
  ])
  return pair
}

export const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

/** A message that says which stream and index it is, `size` bytes long (at least 8). */
export function numbered (stream: number, index: number, size = 8): Uint8Array {
  const data = new Uint8Array(Math.max(8, size))
  new DataView(data.buffer).setUint32(0, stream)
  new DataView(data.buffer).setUint32(4, index)
  return data
}

export const indexOf = (data: Uint8Array): number => new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(4)

/**
 * A local glueberry cluster: N nodes on 127.0.0.1, each with its address book
 * in a temporary folder, connected in a full mesh and running the standard
 * handshake, a few links at a time (mesh.ts). Once every link is
 * Established, every node streams numbered messages to every peer it is
 * Established with for the duration; every node checks what it receives. A live view shows
 * peers, states and rates; at the end (the duration, or Ctrl-C) the senders
 * stop, the cluster waits for what is in flight, stops every node, removes
 * the folder and prints a summary (or one JSON line with --json).
 *
 *   node examples/cluster/run.mjs [--nodes 5] [--duration 10] [--size 1024] [--rate 100] [--json]
 *
 * Exit code: 0 when every check passed, 1 when one failed (the final line
 * says which), 2 for a bad flag. A second Ctrl-C leaves at once (130).
 *
 * This module only composes: the pipelines are in traffic.ts, the accounts in
 * ledger.ts, the rendering in view.ts and summary.ts.
 */
import { existsSync, rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ReplaySubject, catchError, delay, endWith, filter, firstValueFrom, fromEvent, ignoreElements, interval,
  lastValueFrom, map, merge, of, pairwise, race, scan, startWith, take, tap, timeout, timer
} from 'rxjs'
import type { Observable } from 'rxjs'
import { createNode, standardHandshake } from '../../lib/index.js'
import type { FlowOptions } from '../../lib/index.js'
import { createLedger, isDrained, record, snapshotOf } from './ledger.js'
import { connectMesh } from './mesh.js'
import type { MeshResult } from './mesh.js'
import type { ClusterEvent, Ledger } from './ledger.js'
import { parseOptions } from './options.js'
import type { ClusterOptions } from './options.js'
import { screenFor } from './screen.js'
import type { Screen } from './screen.js'
import { buildSummary, finalLine, renderSummary } from './summary.js'
import type { StreamCounts } from './summary.js'
import { STREAM, clock$, observe$, outbound$, paceFor } from './traffic.js'
import type { Member } from './traffic.js'
import { renderTable, statusLine, viewOf } from './view.js'
import type { Phase, ViewMeta } from './view.js'

/** After the stop, sends already waiting for the network get this long to be accepted. */
const SEND_GRACE_MS = 5000
/** Then what was accepted gets this long to arrive: 5 s, or 4 ms per directed link (10 s for 50 nodes). */
function drainMs (links: number): number {
  return Math.max(5000, links * 4)
}
/** After stop(), every node Observable should complete; this long at most. */
const COMPLETE_GRACE_MS = 2000

type StopReason = 'time' | 'interrupt' | 'failure'

const parsed = parseOptions(process.argv.slice(2))
if (parsed.kind === 'exit') {
  process[parsed.stream].write(parsed.text)
  process.exitCode = parsed.code
} else {
  process.exitCode = await run(parsed.options)
}

async function run (options: ClusterOptions): Promise<number> {
  // With --json, stdout carries nothing but the summary line.
  const screen = screenFor(options.json ? process.stderr : process.stdout)
  const stop$ = new ReplaySubject<StopReason>(1)
  const dir = await mkdtemp(join(tmpdir(), 'glueberry-cluster-'))
  // The normal path removes the folder before the summary; this catches a crash.
  const removeDir = (): void => { rmSync(dir, { recursive: true, force: true }) }
  process.once('exit', removeDir)
  // Ctrl-C (or SIGTERM) once: stop early, still drain and summarize. Twice: leave now.
  const signals = merge(fromEvent(process, 'SIGINT'), fromEvent(process, 'SIGTERM')).pipe(scan(n => n + 1, 0)).subscribe((n) => {
    if (n === 1) {
      stop$.next('interrupt')
      return
    }
    screen.close()
    process.stderr.write('\ninterrupted twice: leaving without a summary\n')
    process.exit(130)
  })
  const members: Member[] = []
  try {
    for (let index = 0; index < options.nodes; index++) {
      const handshake = standardHandshake({ streams: [STREAM] })
      const node = await createNode({
        listen: ['/ip4/127.0.0.1/tcp/0'],
        addressBook: join(dir, `${nameOf({ index })}.json`),
        handshake,
        flow: flowFor(options.size)
      })
      members.push({ index, node, handshake })
    }
    return await runCluster(options, members, dir, stop$, screen)
  } catch (err) {
    // Ends the senders and anything else waiting for the stop.
    stop$.next('failure')
    screen.close()
    process.stderr.write(`cluster failed: ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  } finally {
    signals.unsubscribe()
    await Promise.all(members.map(async m => { await m.node.stop() }))
    await rm(dir, { recursive: true, force: true })
    process.removeListener('exit', removeDir)
  }
}

async function runCluster (
  options: ClusterOptions, members: readonly Member[], dir: string, stop$: ReplaySubject<StopReason>, screen: Screen
): Promise<number> {
  const ledger = createLedger(members.map(m => ({ name: nameOf(m), peerId: m.node.peerId })))
  const ids = new Set(members.map(m => m.node.peerId))
  const book = (event: ClusterEvent): void => { record(ledger, event) }

  let phase: Phase = 'starting'
  let connectingSince: number | undefined
  let startedAt: number | undefined
  let stoppedAt: number | undefined
  const meta = (): ViewMeta => ({
    phase,
    elapsedMs: startedAt === undefined ? 0 : (stoppedAt ?? Date.now()) - startedAt,
    connectingMs: connectingSince === undefined ? 0 : (startedAt ?? Date.now()) - connectingSince,
    durationMs: options.duration * 1000,
    size: options.size,
    rate: options.rate
  })

  // Observe before starting: events$ and messages$ are hot.
  const stopped$ = new ReplaySubject<void>(1)
  const completed = settle(
    merge(...members.map(m => observe$(m, ids, options.size))).pipe(tap(book)),
    stopped$.pipe(delay(COMPLETE_GRACE_MS))
  )
  const viewing = view$(ledger, screen.live, meta).subscribe((lines) => { screen.show(lines) })
  let reason: StopReason
  let sent: boolean
  let drained: boolean
  let mesh: MeshResult
  try {
    await Promise.all(members.map(async m => { await m.node.start() }))
    // The traffic waits for the mesh: messages flowing on the first links
    // would take the CPU the remaining handshakes need.
    phase = 'connecting'
    connectingSince = Date.now()
    mesh = await connectMesh(members.map(m => ({ node: m.node, name: nameOf(m) })), { stop$ })
    startedAt = Date.now()
    phase = 'running'
    const pace = paceFor(options.rate, options.size)
    const sendsSettled = settle(
      merge(...members.map(m => outbound$(m, pace, clock$(pace.tickMs), stop$))).pipe(tap(book)),
      stop$.pipe(delay(SEND_GRACE_MS))
    )
    reason = await firstValueFrom(race(stop$, timer(options.duration * 1000).pipe(map((): StopReason => 'time'))))
    if (reason === 'time') stop$.next(reason)
    stoppedAt = Date.now()
    phase = 'draining'
    sent = await sendsSettled
    drained = await drain(ledger, drainMs(mesh.links))
    phase = 'stopping'
  } finally {
    viewing.unsubscribe()
    screen.close()
  }

  await Promise.all(members.map(async m => { await m.node.stop() }))
  stopped$.next()
  const observablesCompleted = await completed
  await rm(dir, { recursive: true, force: true })

  const summary = buildSummary({
    options,
    snapshot: snapshotOf(ledger, Date.now()),
    elapsedMs: stoppedAt - startedAt,
    interrupted: reason === 'interrupt',
    mesh,
    library: members.map(m => streamCounts(m, ids)),
    stopped: members.every(m => m.node.status === 'stopped'),
    addressBooks: { dir, removed: !existsSync(dir) },
    sendsSettled: sent,
    drained,
    observablesCompleted
  })
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`)
    process.stderr.write(`${finalLine(summary)}\n`)
  } else {
    process.stdout.write(`${renderSummary(summary).join('\n')}\n`)
  }
  return summary.ok ? 0 : 1
}

function nameOf (member: Pick<Member, 'index'>): string {
  return `node-${member.index + 1}`
}

/** Resolves true once every message sent has arrived (or is known lost), false after `ms`. */
async function drain (ledger: Ledger, ms: number): Promise<boolean> {
  return await firstValueFrom(interval(20).pipe(
    startWith(0),
    map(() => isDrained(snapshotOf(ledger, Date.now()))),
    filter(Boolean),
    take(1),
    timeout({ first: ms, with: () => of(false) })
  ))
}

/** The view, every second (twice a second on a terminal), as lines to show. */
function view$ (ledger: Ledger, live: boolean, meta: () => ViewMeta): Observable<string[]> {
  return interval(live ? 500 : 1000).pipe(
    map(() => snapshotOf(ledger, Date.now())),
    startWith(snapshotOf(ledger, Date.now())),
    pairwise(),
    map(([before, now]) => viewOf(before, now, meta())),
    map(view => live ? renderTable(view) : [statusLine(view)])
  )
}

/**
 * Subscribes now; resolves true when `source$` completes, false when it
 * fails or `deadline$` comes first (the subscription is then dropped).
 */
async function settle (source$: Observable<unknown>, deadline$: Observable<unknown>): Promise<boolean> {
  return await lastValueFrom(race(
    // The pipelines report their own failures as events; an error that still
    // gets here must not become an unhandled rejection before it is awaited.
    source$.pipe(ignoreElements(), endWith(true), catchError(() => of(false))),
    deadline$.pipe(map(() => false))
  ))
}

/** The library's statistics of the cluster stream, over the node's cluster peers. */
function streamCounts (member: Member, ids: ReadonlySet<string>): StreamCounts {
  const counts = { messagesSent: 0, messagesReceived: 0, bytesSent: 0, bytesReceived: 0 }
  for (const peerId of ids) {
    const stream = member.node.peerStats(peerId)?.streams[STREAM]
    if (stream === undefined) continue
    counts.messagesSent += stream.messagesSent
    counts.messagesReceived += stream.messagesReceived
    counts.bytesSent += stream.bytesSent
    counts.bytesReceived += stream.bytesReceived
  }
  return counts
}

/**
 * Send-side watermarks for this message size. The library counts them in
 * messages, not bytes: its default (1000) would let one link queue 1 GiB of
 * 1 MiB messages. About 4 MiB per link instead.
 */
function flowFor (size: number): FlowOptions {
  const high = Math.min(1000, Math.max(16, Math.floor(4 * 1024 * 1024 / size)))
  return { high, low: Math.floor(high / 4) }
}

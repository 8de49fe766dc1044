import { map, merge, scan } from 'rxjs';
import type { Observable } from 'rxjs';
import type { ConnectionEvent, GlueberryError, GlueberryNode, IncomingMessage } from 'glueberry/browser';
import { onStream } from 'glueberry/operators';

/** One line of the live chat log. */
export interface LogLine { at: number; peer: string; text: string; mine: boolean }

/** One row of the peers page. */
export interface PeerRow { peerId: string; state: string }

/** One line of the errors panel. */
export interface ErrorLine { at: number; code: string; text: string }

/** How many lines the log and the errors panel keep. */
export const KEEP_LINES = 200;

// Pure stream pipelines, kept apart from the service so that they can be
// tested with marbles against plain Observables or a MockNode.

/** Every peer of the book and of the connection events, with its latest state, in order of first appearance. */
export function peerRows$(node: Pick<GlueberryNode, 'peers$' | 'events$' | 'state'>): Observable<PeerRow[]> {
  return merge(
    node.peers$.pipe(map((peers) => peers.map((p) => ({ peerId: p.peerId, state: String(node.state(p.peerId)) })))),
    node.events$.pipe(map((e: ConnectionEvent) => [{ peerId: e.peerId, state: String(e.state) }]))
  ).pipe(
    scan((all, rows) => {
      const next = new Map(all);
      for (const r of rows) next.set(r.peerId, r.state);
      return next;
    }, new Map<string, string>()),
    map((m) => [...m].map(([peerId, state]) => ({ peerId, state })))
  );
}

/** The chat log: the 'chat' messages (glueberry's onStream operator) merged with what we sent, the last KEEP_LINES lines. */
export function chatLog$(messages$: Observable<IncomingMessage>, local$: Observable<LogLine>): Observable<LogLine[]> {
  const decoder = new TextDecoder();
  return merge(
    messages$.pipe(onStream('chat'), map((m) => ({ at: m.receivedAt, peer: m.peerId, text: decoder.decode(m.data), mine: false }))),
    local$
  ).pipe(scan((lines, line: LogLine) => [...lines, line].slice(-KEEP_LINES), [] as LogLine[]));
}

/** The node's non-fatal failures and our own failed sends, the last KEEP_LINES lines. */
export function errorLines$(errors$: Observable<GlueberryError>, local$: Observable<ErrorLine>, now: () => number): Observable<ErrorLine[]> {
  return merge(
    errors$.pipe(map((e) => ({ at: now(), code: String(e.code), text: e.message }))),
    local$
  ).pipe(scan((lines, line: ErrorLine) => [...lines, line].slice(-KEEP_LINES), [] as ErrorLine[]));
}

import { DestroyRef, Injectable, inject, makeEnvironmentProviders, provideAppInitializer, signal } from '@angular/core';
import type { EnvironmentProviders } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { ReplaySubject, map, scan, switchMap, merge, startWith } from 'rxjs';
import { createNode, IndexedDbStorage, standardHandshake } from 'glueberry/browser';
import type { ConnectionEvent, GlueberryNode, NodeStats } from 'glueberry/browser';
import { onStream } from 'glueberry/operators';

export interface LogLine { at: number; peer: string; text: string; mine: boolean }

/** Where the app finds its Node peers: `?peers=<id>@<multiaddr>,...` (npm run example:angular prints such a URL). */
export function peersFromUrl(search: string): Array<{ id: string; addr: string }> {
  const raw = new URLSearchParams(search).get('peers') ?? '';
  return raw.split(',').filter(Boolean).map((pair) => {
    const at = pair.indexOf('@');
    return { id: pair.slice(0, at), addr: pair.slice(at + 1) };
  });
}

/** Holds the node and exposes its Observables as signals. */
@Injectable({ providedIn: 'root' })
export class GlueberryService {
  private readonly node$ = new ReplaySubject<GlueberryNode>(1);
  private readonly local = new ReplaySubject<LogLine>();
  readonly peerId = signal('');

  /** Every peer and its latest state. */
  readonly peers = toSignal(this.node$.pipe(
    switchMap((node) => merge(
      node.peers$.pipe(map((peers) => peers.map((p) => ({ peerId: p.peerId, state: node.state(p.peerId) })))),
      node.events$.pipe(map((e: ConnectionEvent) => [{ peerId: e.peerId, state: e.state }]))
    ).pipe(scan((all, rows) => {
      const next = new Map(all);
      for (const r of rows) next.set(r.peerId, r.state);
      return next;
    }, new Map<string, string>()))),
    map((m) => [...m].map(([peerId, state]) => ({ peerId, state })))
  ), { initialValue: [] as Array<{ peerId: string; state: string }> });

  /** The live chat log: messages$ through glueberry's onStream operator, plus what we sent. */
  readonly log = toSignal(this.node$.pipe(
    switchMap((node) => merge(
      node.messages$.pipe(onStream('chat'), map((m) => ({ at: m.receivedAt, peer: m.peerId, text: new TextDecoder().decode(m.data), mine: false }))),
      this.local
    )),
    scan((lines, line: LogLine) => [...lines, line].slice(-200), [] as LogLine[])
  ), { initialValue: [] as LogLine[] });

  readonly stats = toSignal(this.node$.pipe(switchMap((node) => node.stats$), startWith(undefined)), { initialValue: undefined as NodeStats | undefined });

  private node?: GlueberryNode;

  async start(peers: Array<{ id: string; addr: string }>): Promise<void> {
    const node = await createNode({
      addressBook: new IndexedDbStorage('glueberry-angular-example'),
      handshake: standardHandshake({ streams: ['chat'] }),
      inbound: 'any'
    });
    await node.start();
    this.node = node;
    this.peerId.set(node.peerId);
    this.node$.next(node);
    for (const p of peers) await node.addPeer(p.id, [p.addr]);
  }

  async send(peerId: string, text: string): Promise<void> {
    if (this.node === undefined) return;
    await this.node.send(peerId, 'chat', new TextEncoder().encode(text));
    this.local.next({ at: Date.now(), peer: peerId, text, mine: true });
  }

  async stop(): Promise<void> {
    await this.node?.stop();
    this.node = undefined;
  }
}

/** Creates and starts the node with the application, and stops it when the application is destroyed. */
export function provideGlueberry(): EnvironmentProviders {
  return makeEnvironmentProviders([
    provideAppInitializer(async () => {
      const service = inject(GlueberryService);
      inject(DestroyRef).onDestroy(() => { void service.stop(); });
      // Not awaited: the page renders while the node dials.
      void service.start(peersFromUrl(location.search));
    })
  ]);
}

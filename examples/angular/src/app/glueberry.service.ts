import { DestroyRef, Injectable, InjectionToken, inject, makeEnvironmentProviders, provideAppInitializer, signal } from '@angular/core';
import type { EnvironmentProviders } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { ReplaySubject, shareReplay, startWith, switchMap } from 'rxjs';
import type { Observable } from 'rxjs';
import { createNode, IndexedDbStorage, standardHandshake } from 'glueberry/browser';
import type { GlueberryNode, NodeStats } from 'glueberry/browser';
import { chatLog$, errorLines$, peerRows$ } from './glueberry.streams';
import type { ErrorLine, LogLine, PeerRow } from './glueberry.streams';

export type { ErrorLine, LogLine, PeerRow } from './glueberry.streams';

/** Where the app finds its Node peers: `?peers=<id>@<multiaddr>,...` (npm run example:angular prints such a URL). */
export function peersFromUrl(search: string): Array<{ id: string; addr: string }> {
  const raw = new URLSearchParams(search).get('peers') ?? '';
  return raw.split(',').filter(Boolean).map((pair) => {
    const at = pair.indexOf('@');
    return { id: pair.slice(0, at), addr: pair.slice(at + 1) };
  });
}

/** Makes the (not yet started) node the application runs. */
export type GlueberryNodeFactory = () => Promise<GlueberryNode>;

/** The page's real node: WebSockets, noble crypto, an address book in IndexedDB. */
export const browserNode: GlueberryNodeFactory = async () => await createNode({
  addressBook: new IndexedDbStorage('glueberry-angular-example'),
  handshake: standardHandshake({ streams: ['chat'] }),
  inbound: 'any'
});

/** Which node the service creates; component tests provide one that returns a MockNode from 'glueberry/testing'. */
export const GLUEBERRY_NODE_FACTORY = new InjectionToken<GlueberryNodeFactory>('glueberry node factory', {
  providedIn: 'root',
  factory: () => browserNode
});

/** How many sent lines and failures are replayed to a late subscriber. */
const GLUEBERRY_REPLAY = 200;

/** Holds the node and exposes its Observables, and signals made from them for the templates. */
@Injectable({ providedIn: 'root' })
export class GlueberryService {
  private readonly factory = inject(GLUEBERRY_NODE_FACTORY);
  private readonly node$ = new ReplaySubject<GlueberryNode>(1);
  private readonly sentLines = new ReplaySubject<LogLine>(GLUEBERRY_REPLAY);
  private readonly failures = new ReplaySubject<ErrorLine>(GLUEBERRY_REPLAY);
  readonly peerId = signal('');

  /** Every peer and its latest state. */
  readonly peers$: Observable<PeerRow[]> = this.node$.pipe(switchMap((node) => peerRows$(node)), shareReplay({ bufferSize: 1, refCount: true }));
  /** The live chat log: messages$ through glueberry's onStream operator, plus what we sent. */
  readonly log$: Observable<LogLine[]> = this.node$.pipe(switchMap((node) => chatLog$(node.messages$, this.sentLines)), shareReplay({ bufferSize: 1, refCount: true }));
  /** The node's errors$ and our failed sends and starts. */
  readonly errors$: Observable<ErrorLine[]> = errorLines$(this.node$.pipe(switchMap((node) => node.errors$)), this.failures, Date.now)
    .pipe(shareReplay({ bufferSize: 1, refCount: true }));
  /** The node's statistics (throttled by the node). */
  readonly stats$: Observable<NodeStats | undefined> = this.node$.pipe(switchMap((node) => node.stats$), startWith(undefined));

  readonly peers = toSignal(this.peers$, { initialValue: [] as PeerRow[] });
  readonly log = toSignal(this.log$, { initialValue: [] as LogLine[] });
  readonly errors = toSignal(this.errors$, { initialValue: [] as ErrorLine[] });
  readonly stats = toSignal(this.stats$, { initialValue: undefined as NodeStats | undefined });

  private node?: GlueberryNode;
  private stopped = false;

  /** Creates and starts the node, then adds the peers (which it dials). A failure shows up in errors. */
  async start(peers: Array<{ id: string; addr: string }>): Promise<void> {
    try {
      const node = await this.factory();
      if (this.stopped) return;
      await node.start();
      this.node = node;
      this.peerId.set(node.peerId);
      this.node$.next(node);
      for (const p of peers) await node.addPeer(p.id, [p.addr]);
    } catch (e) {
      this.fail(e);
    }
  }

  /** Sends `text` on 'chat'; a failed send goes to errors (and rejects). */
  async send(peerId: string, text: string): Promise<void> {
    if (this.node === undefined) return;
    try {
      await this.node.send(peerId, 'chat', new TextEncoder().encode(text));
    } catch (e) {
      this.fail(e);
      throw e;
    }
    this.sentLines.next({ at: Date.now(), peer: peerId, text, mine: true });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const node = this.node;
    this.node = undefined;
    await node?.stop();
  }

  private fail(e: unknown): void {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : 'Error';
    this.failures.next({ at: Date.now(), code, text: e instanceof Error ? e.message : String(e) });
  }
}

/** Creates and starts the node with the application, and stops it when the application is destroyed. */
export function provideGlueberry(peers: () => Array<{ id: string; addr: string }> = () => peersFromUrl(location.search)): EnvironmentProviders {
  return makeEnvironmentProviders([
    provideAppInitializer(() => {
      const service = inject(GlueberryService);
      inject(DestroyRef).onDestroy(() => { void service.stop(); });
      // Not awaited: the page renders while the node dials.
      void service.start(peers());
    })
  ]);
}

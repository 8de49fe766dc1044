import { TestScheduler } from 'rxjs/testing';
import { EMPTY, from } from 'rxjs';
import { ConnectionState, ErrorCode, GlueberryError } from 'glueberry/browser';
import type { ConnectionEvent, IncomingMessage, PeerEntry } from 'glueberry/browser';
import { KEEP_LINES, chatLog$, errorLines$, peerRows$ } from './glueberry.streams';
import type { LogLine } from './glueberry.streams';

// Marble tests of the pure pipelines the service builds on the node's Observables.

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const message = (peerId: string, stream: string, text: string, receivedAt: number): IncomingMessage =>
  ({ peerId, stream, data: bytes(text), receivedAt });
const event = (peerId: string, state: ConnectionState, previous: ConnectionState): ConnectionEvent =>
  ({ peerId, state, previous, outbound: true, at: 0 });

describe('glueberry.streams', () => {
  let scheduler: TestScheduler;
  beforeEach(() => { scheduler = new TestScheduler((actual, expected) => { expect(actual).toEqual(expected); }); });

  it('chatLog$ decodes the chat messages, drops other streams, merges what we sent and accumulates', () => {
    scheduler.run(({ cold, hot, expectObservable }) => {
      const messages$ = cold<IncomingMessage>('-a-b--c|', {
        a: message('P1', 'chat', 'hello', 1),
        b: message('P1', 'metrics', 'not for the log', 2),
        c: message('P2', 'chat', 'world', 3)
      });
      const mine: LogLine = { at: 4, peer: 'P2', text: 'hi there', mine: true };
      const local$ = hot<LogLine>('----m---', { m: mine });
      const a: LogLine = { at: 1, peer: 'P1', text: 'hello', mine: false };
      const c: LogLine = { at: 3, peer: 'P2', text: 'world', mine: false };
      expectObservable(chatLog$(messages$, local$), '^-------!').toBe('-x--y-z-', { x: [a], y: [a, mine], z: [a, mine, c] });
    });
  });

  it(`chatLog$ keeps the last ${KEEP_LINES} lines`, () => {
    const many = Array.from({ length: KEEP_LINES + 5 }, (_, i) => message('P', 'chat', `m${i}`, i));
    let last: LogLine[] = [];
    chatLog$(from(many), EMPTY).subscribe((lines) => { last = lines; });
    expect(last).toHaveLength(KEEP_LINES);
    expect(last[0].text).toBe('m5');
    expect(last.at(-1)?.text).toBe(`m${KEEP_LINES + 4}`);
  });

  it('peerRows$ lists the book with the current states and moves each peer to its latest state', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const node = {
        peers$: cold<PeerEntry[]>('a------', { a: [{ peerId: 'P1' } as PeerEntry, { peerId: 'P2' } as PeerEntry] }),
        events$: cold<ConnectionEvent>('--b-c-d', {
          b: event('P1', ConnectionState.Connecting, ConnectionState.Disconnected),
          c: event('P1', ConnectionState.Established, ConnectionState.Connected),
          d: event('P3', ConnectionState.Connected, ConnectionState.Disconnected)
        }),
        state: (peerId: string) => (peerId === 'P2' ? ConnectionState.Reconnecting : ConnectionState.Disconnected)
      };
      expectObservable(peerRows$(node)).toBe('a-b-c-d', {
        a: [{ peerId: 'P1', state: 'Disconnected' }, { peerId: 'P2', state: 'Reconnecting' }],
        b: [{ peerId: 'P1', state: 'Connecting' }, { peerId: 'P2', state: 'Reconnecting' }],
        c: [{ peerId: 'P1', state: 'Established' }, { peerId: 'P2', state: 'Reconnecting' }],
        d: [{ peerId: 'P1', state: 'Established' }, { peerId: 'P2', state: 'Reconnecting' }, { peerId: 'P3', state: 'Connected' }]
      });
    });
  });

  it('errorLines$ shows the code and message of node errors and of our own failures, stamped with now()', () => {
    scheduler.run(({ cold, hot, expectObservable }) => {
      const failure = new GlueberryError(ErrorCode.PeerNotFound, 'inbound connection refused', { peer: 'P9' });
      const errors$ = cold<GlueberryError>('-e---', { e: failure });
      const local$ = hot('---l-', { l: { at: 7, code: 'NotConnected', text: 'send failed' } });
      const e = { at: 1, code: ErrorCode.PeerNotFound, text: 'inbound connection refused' };
      expectObservable(errorLines$(errors$, local$, () => scheduler.now())).toBe('-a-b-', {
        a: [e],
        b: [e, { at: 7, code: 'NotConnected', text: 'send failed' }]
      });
    });
  });
});

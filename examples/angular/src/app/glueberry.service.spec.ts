import { TestBed } from '@angular/core/testing';
import { firstValueFrom, filter } from 'rxjs';
import { ErrorCode, GlueberryError } from 'glueberry/browser';
import { MockNode } from 'glueberry/testing';
import { GLUEBERRY_NODE_FACTORY, GlueberryService } from './glueberry.service';

// The service against a MockNode from glueberry/testing, injected through
// GLUEBERRY_NODE_FACTORY in place of the page's real node.

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('GlueberryService with a MockNode', () => {
  let node: MockNode;
  let service: GlueberryService;
  const peer = MockNode.identity();
  const other = MockNode.identity();

  beforeEach(async () => {
    node = new MockNode({ inbound: 'any', autoConnect: false });
    TestBed.configureTestingModule({ providers: [{ provide: GLUEBERRY_NODE_FACTORY, useValue: async () => node }] });
    service = TestBed.inject(GlueberryService);
    await service.start([{ id: peer.peerId, addr: '/ip4/127.0.0.1/tcp/4001/ws' }]);
  });

  afterEach(async () => { await node.stop(); });

  it('starts the node made by the factory, shows its id and adds the peers it is given', () => {
    expect(node.status).toBe('started');
    expect(service.peerId()).toBe(node.peerId);
    expect(node.getPeer(peer.peerId)?.multiaddrs).toEqual(['/ip4/127.0.0.1/tcp/4001/ws']);
  });

  it('peers$ lists the book peers and follows each one to Established', async () => {
    expect(await firstValueFrom(service.peers$)).toEqual([{ peerId: peer.peerId, state: 'Disconnected' }]);
    node.simulateConnect(peer.peerId);
    await node.completeHandshake(peer.peerId, peer.publicKey, ['chat']);
    node.simulateConnect(other.peerId);
    expect(await firstValueFrom(service.peers$)).toEqual([
      { peerId: peer.peerId, state: 'Established' },
      { peerId: other.peerId, state: 'Connected' }
    ]);
    TestBed.tick();
    expect(service.peers()).toEqual(await firstValueFrom(service.peers$));
  });

  it('log$ appends the chat messages MockNode delivers and what we send; send() goes out through node.send', async () => {
    const lines: string[][] = [];
    const sub = service.log$.subscribe((log) => lines.push(log.map((l) => `${l.mine ? 'me' : l.peer}: ${l.text}`)));
    node.simulateConnect(peer.peerId);
    await node.completeHandshake(peer.peerId, peer.publicKey, ['chat', 'other']);
    node.simulateMessage(peer.peerId, 'chat', bytes('hello'));
    node.simulateMessage(peer.peerId, 'other', bytes('not shown'));
    await service.send(peer.peerId, 'hi back');
    sub.unsubscribe();
    expect(lines).toEqual([[`${peer.peerId}: hello`], [`${peer.peerId}: hello`, 'me: hi back']]);
    expect(node.sent.map((m) => ({ peerId: m.peerId, stream: m.stream, text: new TextDecoder().decode(m.data) })))
      .toEqual([{ peerId: peer.peerId, stream: 'chat', text: 'hi back' }]);
  });

  it('errors$ shows the node errors and a failed send (which rejects with the typed error)', async () => {
    node.simulateError(new GlueberryError(ErrorCode.DecryptionFailed, 'record failed to authenticate', { peer: peer.peerId }));
    await expect(service.send(peer.peerId, 'nobody listens')).rejects.toMatchObject({ code: ErrorCode.NotConnected });
    const errors = await firstValueFrom(service.errors$.pipe(filter((e) => e.length === 2)));
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.DecryptionFailed, ErrorCode.NotConnected]);
    expect(node.sent).toHaveLength(0);
  });

  it('stats$ carries the node statistics', async () => {
    node.simulateConnect(peer.peerId);
    await node.completeHandshake(peer.peerId, peer.publicKey, ['chat']);
    node.simulateMessage(peer.peerId, 'chat', bytes('counted'));
    const stats = await firstValueFrom(service.stats$.pipe(filter((s) => (s?.messagesReceived ?? 0) >= 1)));
    expect(stats?.messagesReceived).toBe(1);
  });

  it('stop() stops the node and completes its Observables', async () => {
    let completed = false;
    node.messages$.subscribe({ complete: () => { completed = true; } });
    await service.stop();
    expect(node.status).toBe('stopped');
    expect(completed).toBe(true);
  });
});

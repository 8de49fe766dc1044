import { TestBed } from '@angular/core/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { ErrorCode, GlueberryError } from 'glueberry/browser';
import { MockNode } from 'glueberry/testing';
import { App } from './app';
import { GLUEBERRY_NODE_FACTORY, GlueberryService, provideGlueberry } from './glueberry.service';

// The page as a person sees it, with the app's own provider (provideGlueberry)
// and a MockNode from glueberry/testing in place of the page's real node.

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('App with a MockNode', () => {
  let node: MockNode;
  let fixture: ComponentFixture<App>;
  let page: HTMLElement;
  const one = MockNode.identity();
  const two = MockNode.identity();

  const render = async (): Promise<void> => { fixture.detectChanges(); await fixture.whenStable(); };
  const texts = (selector: string): string[] => [...page.querySelectorAll(selector)].map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim());
  const establish = async (peerId: string, publicKey: Uint8Array): Promise<void> => {
    node.simulateConnect(peerId);
    await node.completeHandshake(peerId, publicKey, ['chat']);
  };

  beforeEach(async () => {
    node = new MockNode({ inbound: 'any', autoConnect: false });
    TestBed.configureTestingModule({
      providers: [
        provideGlueberry(() => [{ id: one.peerId, addr: '/ip4/127.0.0.1/tcp/4001/ws' }, { id: two.peerId, addr: '/ip4/127.0.0.1/tcp/4002/ws' }]),
        { provide: GLUEBERRY_NODE_FACTORY, useValue: async () => node }
      ]
    });
    fixture = TestBed.createComponent(App);
    page = fixture.nativeElement as HTMLElement;
    // The provider starts the node with the application, without holding up the first render.
    await vi.waitFor(() => { expect(node.listPeers()).toHaveLength(2); });
    await render();
  });

  afterEach(async () => { if (node.status !== 'stopped') await node.stop(); });

  it('shows the node id and the peers with their states as they change', async () => {
    expect(page.querySelector('[data-testid="self"]')?.textContent).toBe(node.peerId);
    expect([...page.querySelectorAll('[data-testid="peers"] [data-state]')].map((e) => e.getAttribute('data-state'))).toEqual(['Disconnected', 'Disconnected']);
    await establish(one.peerId, one.publicKey);
    node.simulateConnect(two.peerId);
    await render();
    const rows = [...page.querySelectorAll('[data-testid="peers"] li')]
      .map((li) => [li.querySelector('code')?.textContent, li.querySelector('.state')?.textContent, li.querySelector('.state')?.getAttribute('data-state')]);
    expect(rows).toEqual([
      [`${one.peerId.slice(0, 16)}…`, 'Established', 'Established'],
      [`${two.peerId.slice(0, 16)}…`, 'Connected', 'Connected']
    ]);
    expect(page.querySelector('button[type="submit"]')?.hasAttribute('disabled')).toBe(false);
  });

  it('appends a log line for each chat message MockNode delivers', async () => {
    await establish(one.peerId, one.publicKey);
    node.simulateMessage(one.peerId, 'chat', bytes('first'));
    await render();
    expect(texts('[data-testid="log"] li')).toHaveLength(1);
    node.simulateMessage(one.peerId, 'chat', bytes('second'));
    await render();
    const lines = texts('[data-testid="log"] li');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d ${one.peerId.slice(0, 10)}…: first$`));
    expect(lines[1]).toMatch(/ second$/);
  });

  it('sends the draft from the send box to every Established peer, logs it and clears the box', async () => {
    await establish(one.peerId, one.publicKey);
    await establish(two.peerId, two.publicKey);
    await render();
    const draft = page.querySelector('[data-testid="draft"]') as HTMLInputElement;
    draft.value = 'hello peers';
    draft.dispatchEvent(new Event('input'));
    (page.querySelector('button[type="submit"]') as HTMLButtonElement).click();
    await vi.waitFor(() => { expect(node.sent).toHaveLength(2); });
    expect(node.sent.map((m) => [m.peerId, m.stream, new TextDecoder().decode(m.data)]).sort()).toEqual([
      [one.peerId, 'chat', 'hello peers'],
      [two.peerId, 'chat', 'hello peers']
    ].sort());
    await vi.waitFor(async () => { await render(); expect(draft.value).toBe(''); });
    expect(texts('[data-testid="log"] li.mine').map((l) => l.replace(/^\S+ /, ''))).toEqual(['me → hello peers', 'me → hello peers']);
  });

  it('shows a failed send and the node errors in the errors panel, and keeps the draft', async () => {
    expect(page.querySelector('[data-testid="errors"]')).toBeNull();
    await establish(one.peerId, one.publicKey);
    await render();
    node.failNext('send', ErrorCode.StreamClosed);
    const draft = page.querySelector('[data-testid="draft"]') as HTMLInputElement;
    draft.value = 'doomed';
    draft.dispatchEvent(new Event('input'));
    (page.querySelector('button[type="submit"]') as HTMLButtonElement).click();
    node.simulateError(new GlueberryError(ErrorCode.PeerNotFound, 'inbound connection refused', { peer: two.peerId }));
    await vi.waitFor(async () => { await render(); expect(texts('[data-testid="errors"] li')).toHaveLength(2); });
    const errors = texts('[data-testid="errors"] li').join('\n');
    expect(errors).toContain(ErrorCode.StreamClosed);
    expect(errors).toContain(`${ErrorCode.PeerNotFound} inbound connection refused`);
    expect(node.sent).toHaveLength(0);
    expect(draft.value).toBe('doomed');
  });

  it('shows the statistics from stats$', async () => {
    await establish(one.peerId, one.publicKey);
    node.simulateMessage(one.peerId, 'chat', bytes('counted'));
    await vi.waitFor(async () => {
      await render();
      const stats = JSON.parse(page.querySelector('[data-testid="stats"]')?.textContent ?? '{}') as { messagesReceived?: number };
      expect(stats.messagesReceived).toBe(1);
    });
  });

  it('stops the node when the application is destroyed', async () => {
    expect(TestBed.inject(GlueberryService).peerId()).toBe(node.peerId);
    expect(node.status).toBe('started');
    TestBed.resetTestingModule();
    await vi.waitFor(() => { expect(node.status).toBe('stopped'); });
  });
});

/** What the test page exposes as `window.harness` (test/browser/page/harness.ts). */
export interface HarnessError { code: string, message: string, peer?: string, typed: boolean }

export interface Harness {
  /** Creates and starts a node in the page (standard handshake on `streams`). */
  start (options: { streams: string[], book?: string }): Promise<{ peerId: string, peers: string[] }>
  addPeer (peerId: string, addrs: string[]): Promise<void>
  waitForState (peerId: string, state: string, ms: number): Promise<void>
  state (peerId: string): string
  send (peerId: string, stream: string, text: string): Promise<void>
  sendMany (peerId: string, stream: string, count: number): Promise<void>
  /** Texts received on `stream`, in order. */
  received (stream: string): string[]
  /** Every message on `stream` is held `delayMs` before the next is read (flowOf pause/resume). */
  slow (stream: string, delayMs: number): void
  /** errors$ and handshake failures seen so far. */
  errors (): HarnessError[]
  peers (): string[]
  /** Round trips of `count` small messages echoed by the peer on `stream`: milliseconds each. */
  roundTrips (peerId: string, stream: string, count: number): Promise<number[]>
  /** Sends `count` messages of `size` bytes and waits for the peer's one-byte answer: elapsed ms. */
  sendAndWaitAnswer (peerId: string, stream: string, count: number, size: number): Promise<number>
  /** Adds `peerIds` straight to an IndexedDbStorage named `book`, all updates at once, then returns the peer ids it holds. */
  hammerBook (book: string, peerIds: string[]): Promise<string[]>
  /** Stops the node; the names of the Observables that completed. */
  stop (): Promise<string[]>
}

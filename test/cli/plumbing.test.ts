/** The pieces under `pipeStdio`, without a network: chunking, stdin reading, the inbox. */
import { PassThrough } from 'node:stream'
import { Subject, toArray, firstValueFrom, take } from 'rxjs'
import { createMessage } from '../../lib/flow.js'
import type { FlowHandle } from '../../lib/flow.js'
import type { IncomingMessage } from '../../lib/index.js'
import { HOLD_LIMIT, Inbox } from '../../cli/inbox.js'
import { limitChunks, readChunks } from '../../cli/chunks.js'
import { START, awaitingAck, isDone, onEmpty, outcomeAt } from '../../cli/end-of-data.js'
import type { Progress } from '../../cli/end-of-data.js'
import { parseSeconds } from '../../cli/durations.js'

async function collect<T> (source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

async function * from (...chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield * chunks
}

describe('limitChunks', () => {
  it('splits large chunks, keeps small ones, and drops empty ones (an empty message is END)', async () => {
    const chunks = await collect(limitChunks(4)(from(new Uint8Array(10).fill(1), new Uint8Array(0), Uint8Array.of(7))))
    expect(chunks.map(c => c.length)).toEqual([4, 4, 2, 1])
    expect(Buffer.concat(chunks)).toEqual(Buffer.concat([Buffer.alloc(10, 1), Buffer.of(7)]))
  })
})

describe('readChunks', () => {
  it('yields the input until it ends', async () => {
    const input = new PassThrough()
    input.end(Buffer.from('abc'))
    const chunks = await collect(readChunks(input, new AbortController().signal))
    expect(Buffer.concat(chunks).toString()).toBe('abc')
  })

  it('stops at once when aborted while a read is pending, and releases the input', async () => {
    const input = new PassThrough()
    const controller = new AbortController()
    const reading = collect(readChunks(input, controller.signal))
    input.write(Buffer.from('first'))
    await new Promise(resolve => setTimeout(resolve, 10))
    controller.abort()
    const chunks = await reading
    expect(Buffer.concat(chunks).toString()).toBe('first')
    expect(input.destroyed).toBe(true)
  })
})

describe('Inbox', () => {
  function counting (): FlowHandle & { paused: number } {
    const handle = {
      key: 'k',
      paused: 0,
      pause () { handle.paused++ },
      resume () { handle.paused-- }
    }
    return handle
  }
  const message = (peerId: string, stream: string, byte: number, flow?: FlowHandle): IncomingMessage =>
    createMessage(peerId, stream, Uint8Array.of(byte), 0, flow)

  it('holds messages from before the peer is chosen, replays them in order, then the live ones', async () => {
    const messages = new Subject<IncomingMessage>()
    const inbox = new Inbox(messages, 'stdio')
    messages.next(message('A', 'stdio', 1))
    messages.next(message('B', 'stdio', 9))
    messages.next(message('A', 'other', 8))
    messages.next(message('A', 'stdio', 2))
    const received = firstValueFrom(inbox.of('A').pipe(take(3), toArray()))
    messages.next(message('B', 'stdio', 9))
    messages.next(message('A', 'stdio', 3))
    expect((await received).map(m => m.data[0])).toEqual([1, 2, 3])
    inbox.close()
  })

  it('pauses a source past the hold limit and resumes it once handed over; other peers are released', () => {
    const messages = new Subject<IncomingMessage>()
    const inbox = new Inbox(messages, 'stdio')
    const mine = counting()
    const theirs = counting()
    for (let i = 0; i < HOLD_LIMIT + 5; i++) {
      messages.next(message('A', 'stdio', i, mine))
      messages.next(message('B', 'stdio', i, theirs))
    }
    expect([mine.paused, theirs.paused]).toEqual([1, 1])
    let count = 0
    const subscription = inbox.of('A').subscribe(() => { count++ })
    expect(count).toBe(HOLD_LIMIT + 5)
    expect([mine.paused, theirs.paused]).toEqual([0, 0])
    subscription.unsubscribe()
    inbox.close()
  })
})

describe('the end-of-data convention', () => {
  const at = (p: Partial<Progress>): Progress => ({ ...START, ...p })

  it('reads the peer\'s empty messages as END, then ACK, then ignores the rest', () => {
    const once = onEmpty(START)
    expect(once).toEqual(at({ peerEnded: true }))
    const twice = onEmpty(once)
    expect(twice).toEqual(at({ peerEnded: true, peerAcked: true }))
    expect(onEmpty(twice)).toBe(twice)
  })

  it('says what a session cut off at each point lost', () => {
    // The peer's END never came: our output is incomplete, whatever we sent.
    expect(outcomeAt(at({ sent: 10, endSent: true }))).toBe('truncated')
    expect(outcomeAt(at({}))).toBe('truncated')
    // All its data is here, ours is not confirmed.
    expect(outcomeAt(at({ sent: 10, endSent: true, peerEnded: true, ackSent: true }))).toBe('undelivered')
    // Nothing of ours to lose, or confirmed.
    expect(outcomeAt(at({ endSent: true, peerEnded: true }))).toBe('complete')
    expect(outcomeAt(at({ sent: 10, endSent: true, peerEnded: true, peerAcked: true }))).toBe('complete')
  })

  it('is done only with both ENDs and both ACKs, and waits for the ACK only once both ENDs are through', () => {
    expect(isDone(at({ endSent: true, peerEnded: true, peerAcked: true }))).toBe(false)
    expect(isDone(at({ endSent: true, ackSent: true, peerEnded: true, peerAcked: true }))).toBe(true)
    expect(awaitingAck(at({ endSent: true }))).toBe(false) // the peer may still be typing
    expect(awaitingAck(at({ peerEnded: true }))).toBe(false)
    expect(awaitingAck(at({ endSent: true, peerEnded: true }))).toBe(true)
  })
})

describe('parseSeconds', () => {
  it('takes positive seconds, decimals included, and refuses the rest', () => {
    expect(parseSeconds('20')).toBe(20_000)
    expect(parseSeconds('0.5')).toBe(500)
    for (const bad of ['0', '-1', '', 'abc', '1e3', '99999999']) expect(() => parseSeconds(bad)).toThrow('expected a positive number of seconds')
  })
})

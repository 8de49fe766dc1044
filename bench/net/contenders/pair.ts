/**
 * A connected (sender, listener) pair of one contender in one placement:
 * the listener here (in-proc) or in the child (2-proc), the sender always
 * here. A pair is opened once and serves every size and rep of its cells.
 *
 * @module
 */
import type { Contender, Placement } from '../types.js'
import type { Role, Sender } from './contender.js'
import { DRIVERS } from './index.js'
import { RemotePeer } from './remote.js'

export interface Pair {
  readonly contender: Contender
  readonly placement: Placement
  readonly sender: Sender
  /**
   * Resolves once the listener has received `messages` messages of `bytes`
   * payload bytes since the pair opened (cumulative); rejects on a shortfall
   * after `timeoutMs`, on a mismatch, or if the receiving end broke.
   */
  expect: (messages: number, bytes: number, timeoutMs: number) => Promise<void>
  /**
   * CPU time (user + system, microseconds) used so far by the receiving end's
   * process: the child's in 2-proc; undefined in-proc, where both ends share
   * this process and only their sum can be measured.
   */
  receiverCpuUs?: () => Promise<number>
  /** Stops the sender, then the listener. */
  close: () => Promise<void>
}

/** Opens a pair; `remote` is the child process, required for '2-proc'. */
export async function openPair (contender: Contender, placement: Placement, role: Role, remote?: RemotePeer): Promise<Pair> {
  const driver = DRIVERS[contender]
  if (placement === '2-proc') {
    if (remote === undefined) throw new Error('a 2-proc pair needs the peer child')
    const listener = await remote.listen(contender, role)
    const sender = await driver.connect(listener.address).catch(async (err: unknown) => {
      await listener.close()
      throw err
    })
    return {
      contender,
      placement,
      sender,
      expect: listener.expect,
      receiverCpuUs: async () => await remote.cpuUs(),
      close: async () => {
        await sender.close()
        await listener.close()
      }
    }
  }
  const listener = await driver.listen(role)
  const sender = await driver.connect(listener.address, listener).catch(async (err: unknown) => {
    await listener.close()
    throw err
  })
  return {
    contender,
    placement,
    sender,
    expect: async (messages, bytes, timeoutMs) => {
      if (listener.counter === undefined) throw new Error(`${contender} listener does not count (it echoes)`)
      await listener.counter.expect(messages, bytes, timeoutMs)
    },
    close: async () => {
      await sender.close()
      await listener.close()
    }
  }
}

/** Opens pairs one after another (dials in parallel would only compete for the same two cores); on failure closes what opened. */
export async function openPairs (cells: ReadonlyArray<{ contender: Contender, placement: Placement }>, role: Role, remote?: RemotePeer): Promise<Pair[]> {
  const pairs: Pair[] = []
  try {
    for (const { contender, placement } of cells) pairs.push(await openPair(contender, placement, role, remote))
  } catch (err) {
    await closePairs(pairs)
    throw err
  }
  return pairs
}

/** Closes every pair, even if some fail to close; throws the first failure after all are done. */
export async function closePairs (pairs: readonly Pair[]): Promise<void> {
  const results = await Promise.allSettled(pairs.map(async (pair) => { await pair.close() }))
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed !== undefined) throw failed.reason
}

/**
 * Opens one pair per combination (and the child process if any is 2-proc),
 * runs `measure` on them, and stops everything whatever happens: pairs, then
 * the child. If `measure` fails, that failure is what is thrown, not a later
 * one from closing.
 */
export async function withPairs<T> (
  combos: ReadonlyArray<{ contender: Contender, placement: Placement }>,
  role: Role,
  measure: (pairs: readonly Pair[]) => Promise<T>
): Promise<T> {
  const remote = combos.some((c) => c.placement === '2-proc') ? await RemotePeer.start() : undefined
  try {
    const pairs = await openPairs(combos, role, remote)
    let result: T
    try {
      result = await measure(pairs)
    } catch (err) {
      await closePairs(pairs).catch(() => {})
      throw err
    }
    await closePairs(pairs)
    return result
  } finally {
    await remote?.close()
  }
}

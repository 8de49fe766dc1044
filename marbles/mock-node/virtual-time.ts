/**
 * Marble tests of pipelines that await promises (`concatMap(m => node.send(…))`).
 *
 * `TestScheduler.run()` flushes virtual time synchronously, so a promise
 * returned by `send()` settles only after the whole diagram has run, and
 * everything queued behind it (the rest of a `concatMap`) lands at the last
 * frame. `flushSettling` runs the same scheduler one virtual instant at a
 * time instead, and lets promise callbacks run between instants: a promise
 * that settles "immediately" settles within its frame, as it does in real
 * time. Use the scheduler outside `run()` mode (one dash is 10 frames there)
 * and hand it to the MockNode explicitly.
 *
 * Usage: create hot/cold observables and `expectObservable(…)` (keep the
 * returned object), `await flushSettling(scheduler)`, then call `.toBe(…)`
 * and `scheduler.flush()` to compare.
 */
import { TestScheduler } from 'rxjs/testing'

async function settle (): Promise<void> {
  // A macrotask turn: every promise callback queued so far runs first.
  await new Promise<void>(resolve => setImmediate(resolve))
}

/**
 * Runs every scheduled action up to frame `until`, one instant at a time,
 * letting promises settle after each instant. Expectations whose `toBe` was
 * not called yet are not compared.
 */
export async function flushSettling (scheduler: TestScheduler, until = 750): Promise<void> {
  let frame = 0
  for (;;) {
    scheduler.maxFrames = frame
    // Sets up hot observables on the first call, then runs what is due by `frame`.
    scheduler.flush()
    await settle()
    const next = scheduler.actions[0]
    if (next === undefined || next.delay > until) break
    frame = next.delay
  }
  scheduler.maxFrames = until
}

/** A TestScheduler that compares notifications with Jest's deep equality. */
export function marbleScheduler (): TestScheduler {
  return new TestScheduler((actual, expected) => { expect(actual).toEqual(expected) })
}

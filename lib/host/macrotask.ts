/**
 * The next macrotask, on every platform: `setImmediate` where it exists
 * (Node), a `MessageChannel` post otherwise (browsers: a nested
 * `setTimeout(0)` is clamped to 4 ms, which would cap a writer at 250
 * flushes a second). Feature-detected once, so no bundler mapping is needed.
 *
 * @module
 */

/** Runs `fn` on a later macrotask (after the current microtask queue drains). */
export type Macrotask = (fn: () => void) => void

function messageChannelMacrotask (): Macrotask {
  const queue: Array<() => void> = []
  const channel = new MessageChannel()
  // The DOM's `onmessage` (which also starts the port); this project's types are Node's.
  const port = channel.port1 as unknown as { onmessage: (() => void) | null }
  port.onmessage = () => {
    const fn = queue.shift()
    if (fn !== undefined) fn()
  }
  return (fn) => {
    queue.push(fn)
    channel.port2.postMessage(null)
  }
}

function pickMacrotask (): Macrotask {
  if (typeof globalThis.setImmediate === 'function') return (fn) => { globalThis.setImmediate(fn) }
  if (typeof globalThis.MessageChannel === 'function') return messageChannelMacrotask()
  return (fn) => { setTimeout(fn, 0) }
}

export const macrotask: Macrotask = pickMacrotask()

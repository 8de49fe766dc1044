/**
 * The liveness options and the monitor's rules, with fake connections and a
 * scripted probe (the real probe runs against real nodes in outage.test.ts).
 */
import type { Connection } from '@libp2p/interface'
import { ErrorCode, GlueberryError, isGlueberryError } from '../../lib/errors.js'
import { DEFAULT_LIVENESS, LivenessMonitor, detectionBound, validateLiveness } from '../../lib/connections/liveness.js'
import { resolveConfig } from '../../lib/config.js'

describe('liveness options', () => {
  it('defaults to a 2 s interval and a 3 s timeout: a dead link is noticed within 5 s', () => {
    expect(validateLiveness(undefined)).toEqual({ interval: 2000, timeout: 3000 })
    expect(detectionBound(DEFAULT_LIVENESS)).toBe(5000)
    expect(resolveConfig({}).liveness).toEqual(DEFAULT_LIVENESS)
    expect(validateLiveness({ timeout: 1000 })).toEqual({ interval: 2000, timeout: 1000 })
    expect(validateLiveness(false)).toBe(false)
    expect(resolveConfig({ liveness: false }).liveness).toBe(false)
  })

  it.each([
    ['a zero interval', { interval: 0 }, /interval/],
    ['a negative timeout', { timeout: -1 }, /timeout/],
    ['NaN', { interval: NaN }, /interval/],
    ['a timer too long for setTimeout', { timeout: 2 ** 31 }, /timeout/],
    ['a misspelt key', { intervall: 5 }, /intervall is not an option/],
    ['true', true, /object or false/]
  ])('refuses %s with InvalidConfig', (_name, value, message) => {
    let error: unknown
    try {
      resolveConfig({ liveness: value as never })
    } catch (err) {
      error = err
    }
    expect(isGlueberryError(error, ErrorCode.InvalidConfig)).toBe(true)
    expect((error as Error).message).toMatch(message)
  })
})

/** Just enough of a libp2p Connection for the monitor. */
function fakeConnection (): Connection & { status: string } {
  return { status: 'open' } as unknown as Connection & { status: string }
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('LivenessMonitor', () => {
  let monitor: LivenessMonitor | undefined
  afterEach(() => { monitor?.stop() })

  it('probes every connection of every watched peer each interval, one probe in flight per connection', async () => {
    const a = fakeConnection()
    const b = fakeConnection()
    const probes: Connection[] = []
    let release: (() => void) | undefined
    monitor = new LivenessMonitor({
      interval: 20,
      timeout: 10_000,
      peers: () => ['p'],
      connectionsOf: () => [a, b],
      onDead: () => { throw new Error('nothing is dead') },
      // b never answers until released: it must not be probed again meanwhile.
      probe: async (connection) => {
        probes.push(connection)
        if (connection === b) await new Promise<void>(resolve => { release = resolve })
      }
    })
    monitor.start()
    await sleep(150)
    const onA = probes.filter(c => c === a).length
    expect(onA).toBeGreaterThanOrEqual(3)
    expect(probes.filter(c => c === b)).toHaveLength(1)
    release?.()
  })

  it('declares a connection dead when its probe is not answered within the timeout, with the cause', async () => {
    const connection = fakeConnection()
    const dead: Array<{ peer: string, error: GlueberryError, at: number }> = []
    const started = performance.now()
    monitor = new LivenessMonitor({
      interval: 20,
      timeout: 60,
      peers: () => ['p'],
      connectionsOf: () => [connection],
      onDead: (peer, _c, error) => { dead.push({ peer, error, at: performance.now() - started }); connection.status = 'closed' },
      probe: async (_c, signal) => { await new Promise<void>((_resolve, reject) => { signal.addEventListener('abort', () => { reject(signal.reason as unknown) }) }) }
    })
    monitor.start()
    await sleep(400)
    expect(dead).toHaveLength(1)
    expect(dead[0]?.peer).toBe('p')
    expect(dead[0]?.error.code).toBe(ErrorCode.ConnectionFailed)
    expect(dead[0]?.error.message).toMatch(/no answer to a liveness probe within 60 ms/)
    expect(String((dead[0]?.error.cause as Error).message)).toMatch(/unanswered after 60 ms/)
    // interval + timeout, with scheduling slack.
    expect(dead[0]?.at).toBeGreaterThanOrEqual(75)
    expect(dead[0]?.at).toBeLessThan(80 + 200)
  })

  it('says nothing about a connection that closed on its own, nor after stop()', async () => {
    const closing = fakeConnection()
    const dead: string[] = []
    monitor = new LivenessMonitor({
      interval: 10,
      timeout: 30,
      peers: () => ['p'],
      connectionsOf: () => [closing],
      onDead: (peer) => { dead.push(peer) },
      probe: async () => {
        closing.status = 'closed'
        throw new Error('muxer closed')
      }
    })
    monitor.start()
    await sleep(100)
    monitor.stop()
    expect(dead).toEqual([])

    const silent = fakeConnection()
    monitor = new LivenessMonitor({
      interval: 10,
      timeout: 50,
      peers: () => ['q'],
      connectionsOf: () => [silent],
      onDead: (peer) => { dead.push(peer) },
      probe: async (_c, signal) => { await new Promise<void>((_resolve, reject) => { signal.addEventListener('abort', () => { reject(new Error('aborted')) }) }) }
    })
    monitor.start()
    await sleep(25)
    monitor.stop()
    await sleep(100)
    expect(dead).toEqual([])
  })
})

/**
 * The one interpreter of the connection reducer's effects, shared by the
 * real connection manager (libp2p, `setTimeout`) and the MockNode's simulated
 * connections (an RxJS scheduler). Inputs go through the pure reducer one at
 * a time; committed transitions are handed to `commit` in commit order and
 * the returned effects are carried out here over two ports: a timer port
 * (`schedule`) and the peer-level actions a subclass provides (dial, cancel
 * a dial, close the connection, release the peer's keys and streams).
 * Timer callbacks re-enter through the reducer, which ignores stale ones, so
 * a timer can never act on a state it was not armed for.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import { withPeer } from './connect-errors.js'
import type { ConnectionEvent } from '../types.js'
import type { Logger } from '../observability/logger.js'
import type { ReconnectPolicy } from './reconnect-policy.js'
import { PeerRecords } from './peer-records.js'
import { reduce, toConnectionEvents } from './state-machine.js'
import type { Effect, Input } from './state-machine.js'

/** The reducer's settings and the peer facts it asks about. */
export interface DriverSettings {
  policy: ReconnectPolicy
  handshakeTimeout: number
  cooldown: number
  logger: Logger
  /** Draws the jitter of a backoff step. */
  random: () => number
  /** Timestamp (ms) of committed events. */
  now: () => number
  isReconnectable: (peer: string) => boolean
  isBlacklisted: (peer: string) => boolean
}

/** Runs `fn` after `ms`; the returned function cancels it. */
export type Schedule = (fn: () => void, ms: number) => () => void

/** The timers the reducer arms, one of each per peer, plus the simulated dial's. */
export type TimerKind = 'dial' | 'handshake' | 'reconnect' | 'cooldown'

export abstract class ConnectionDriver extends PeerRecords {
  protected stopped = false
  private readonly timers = new Map<string, Map<TimerKind, () => void>>()

  constructor (private readonly settings: DriverSettings, private readonly schedule: Schedule) {
    super()
  }

  /** Runs one input through the reducer and applies the outcome. Throws the rejection, if any. */
  dispatch (peer: string, input: Input): void {
    if (this.stopped) throw new GlueberryError(ErrorCode.NodeStopped, 'node is stopped', { peer })
    const { settings } = this
    const result = reduce(this.records.get(peer), input, {
      reconnectable: settings.isReconnectable(peer),
      blacklisted: settings.isBlacklisted(peer),
      stopped: this.stopped,
      peer,
      policy: settings.policy,
      random: settings.random(),
      cooldownMs: settings.cooldown,
      handshakeTimeoutMs: settings.handshakeTimeout
    })
    if (!result.accepted) throw withPeer(result.error, peer)
    this.records.set(peer, result.record)
    for (const event of toConnectionEvents(peer, result, settings.now())) this.commit(event)
    for (const effect of result.effects) this.run(peer, effect)
    this.settled()
  }

  /** A transition the reducer committed: publish it. */
  protected abstract commit (event: ConnectionEvent): void
  protected abstract dial (peer: string, generation: number): void
  protected abstract cancelDial (peer: string): void
  protected abstract closeConnection (peer: string): void
  protected abstract releasePeer (peer: string): void
  /** Called once an input and all its effects are applied. */
  protected settled (): void {}

  /** Timer, dial and libp2p callbacks: a rejection here is a stale input, never an exception. */
  protected fire (peer: string, input: Input): void {
    if (this.stopped) return
    try {
      this.dispatch(peer, input)
    } catch (err) {
      this.settings.logger.debug('input ignored', { peer_id: peer, input: input.type, error: String(err) })
    }
  }

  private run (peer: string, effect: Effect): void {
    switch (effect.type) {
      case 'dial':
        this.dial(peer, effect.generation)
        break
      case 'cancelDial':
        this.cancelDial(peer)
        break
      case 'armHandshakeTimer':
        this.arm(peer, 'handshake', effect.ms, () => { this.fire(peer, { type: 'handshakeTimedOut', generation: effect.generation }) })
        break
      case 'cancelHandshakeTimer':
        this.cancelTimer(peer, 'handshake')
        break
      case 'scheduleReconnect':
        this.arm(peer, 'reconnect', effect.ms, () => { this.fire(peer, { type: 'reconnectTimerFired', generation: effect.generation }) })
        break
      case 'cancelReconnect':
        this.cancelTimer(peer, 'reconnect')
        break
      case 'scheduleCooldownEnd':
        this.arm(peer, 'cooldown', effect.ms, () => { this.fire(peer, { type: 'cooldownEnded', generation: effect.generation }) })
        break
      case 'cancelCooldownEnd':
        this.cancelTimer(peer, 'cooldown')
        break
      case 'closeConnection':
        this.closeConnection(peer)
        break
      case 'releasePeerResources':
        this.releasePeer(peer)
        break
      default:
        break
    }
  }

  /** Arms the peer's timer of this kind, replacing the one armed before. */
  protected arm (peer: string, kind: TimerKind, ms: number, fn: () => void): void {
    let timers = this.timers.get(peer)
    if (timers === undefined) {
      timers = new Map()
      this.timers.set(peer, timers)
    }
    timers.get(kind)?.()
    const own = timers
    const cancel = this.schedule(() => {
      if (own.get(kind) === cancel) own.delete(kind)
      fn()
    }, ms)
    own.set(kind, cancel)
  }

  protected cancelTimer (peer: string, kind: TimerKind): void {
    const timers = this.timers.get(peer)
    timers?.get(kind)?.()
    timers?.delete(kind)
  }

  /** Cancels every timer of the peer (or of every peer). */
  protected clearTimers (peer?: string): void {
    const peers = peer === undefined ? [...this.timers.keys()] : [peer]
    for (const p of peers) {
      const timers = this.timers.get(p)
      if (timers === undefined) continue
      for (const cancel of timers.values()) cancel()
      this.timers.delete(p)
    }
  }
}

/**
 * The per-peer connection records and the queries on them, shared by the
 * real connection manager and the MockNode's simulated one, so both answer
 * `state`, `state$`, `isOutbound` and `peers` by the same rules.
 *
 * @module
 */
import type { Observable } from 'rxjs'
import { ConnectionState } from '../types.js'
import { PeerStates } from './peer-signals.js'
import type { PeerRecord } from './state-machine.js'

export abstract class PeerRecords {
  protected readonly records = new Map<string, PeerRecord>()
  protected readonly states = new PeerStates(peer => this.state(peer))

  /** Disconnected for peers never seen. */
  state (peer: string): ConnectionState {
    return this.records.get(peer)?.state ?? ConnectionState.Disconnected
  }

  /** Replays the current state, then changes; after stop, the final state and completion. */
  state$ (peer: string): Observable<ConnectionState> {
    return this.states.state$(peer)
  }

  /** The direction of the peer's connection; undefined while Disconnected. */
  isOutbound (peer: string): boolean | undefined {
    const record = this.records.get(peer)
    if (record === undefined || record.state === ConnectionState.Disconnected) return undefined
    return record.outbound
  }

  /** Every peer that has a record. */
  peers (): string[] {
    return [...this.records.keys()]
  }
}

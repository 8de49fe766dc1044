import { Injectable } from '@nestjs/common'
import type { OnModuleDestroy } from '@nestjs/common'
import { BehaviorSubject, filter, firstValueFrom, map } from 'rxjs'
import type { Observable } from 'rxjs'

export interface EstablishedPeer {
  readonly peerId: string
  readonly outbound: boolean
  readonly since: number
}

/**
 * The application's read model of who is reachable: kept by
 * PeerPresenceHandler from PeerEstablished/PeerDisconnected events, read by
 * whatever needs to pick a peer to talk to.
 */
@Injectable()
export class PeerDirectory implements OnModuleDestroy {
  private readonly peers = new BehaviorSubject<ReadonlyMap<string, EstablishedPeer>>(new Map())

  /** Replays the current peers, then every change. Completes on shutdown. */
  readonly peers$: Observable<ReadonlyMap<string, EstablishedPeer>> = this.peers.asObservable()

  established (peer: EstablishedPeer): void {
    this.peers.next(new Map(this.peers.value).set(peer.peerId, peer))
  }

  gone (peerId: string): void {
    if (!this.peers.value.has(peerId)) return
    const next = new Map(this.peers.value)
    next.delete(peerId)
    this.peers.next(next)
  }

  has (peerId: string): boolean {
    return this.peers.value.has(peerId)
  }

  list (): EstablishedPeer[] {
    return [...this.peers.value.values()]
  }

  /** Resolves once the peer is established (at once if it already is). */
  async whenEstablished (peerId: string): Promise<EstablishedPeer> {
    return await firstValueFrom(this.peers$.pipe(map(peers => peers.get(peerId)), filter(isDefined)))
  }

  /** Resolves once the peer is no longer established. */
  async whenGone (peerId: string): Promise<void> {
    await firstValueFrom(this.peers$.pipe(filter(peers => !peers.has(peerId))))
  }

  onModuleDestroy (): void {
    this.peers.complete()
  }
}

function isDefined<T> (value: T | undefined): value is T {
  return value !== undefined
}

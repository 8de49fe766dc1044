/**
 * A TCP relay on 127.0.0.1 that can turn into a black hole: a dead link as a
 * pulled cable or a downed veth makes it. While dark it keeps every socket
 * open and stops reading from all of them: nothing crosses in either
 * direction, the senders' TCP windows fill up, and no FIN or RST gets
 * through; new connections are accepted and then hear nothing, so a dial
 * through it hangs as a dial into a dead link does. `heal()` reads again, so
 * what was held arrives late but intact (as TCP's retransmissions deliver it
 * when a link comes back), and the closes held back are delivered.
 *
 * `blackHole({ drop: true })` is the pessimistic variant: bytes are read and
 * thrown away, so a dial that started in the dark never completes (its
 * first bytes are gone) and ends only at its dialTimeout.
 */
import net from 'node:net'

interface Pair {
  readonly client: net.Socket
  readonly upstream: net.Socket
}

export class BlackHoleRelay {
  private readonly pairs = new Set<Pair>()
  private readonly heldCloses: Array<() => void> = []
  private dark = false
  private dropping = false

  private constructor (private readonly server: net.Server, private readonly targetPort: number) {}

  /** Starts a relay to `targetPort` on 127.0.0.1. */
  static async start (targetPort: number): Promise<BlackHoleRelay> {
    const server = net.createServer()
    const relay = new BlackHoleRelay(server, targetPort)
    server.on('connection', (client) => { relay.accept(client) })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve() })
    })
    return relay
  }

  get port (): number {
    return (this.server.address() as net.AddressInfo).port
  }

  /** The relay as a multiaddr, to put in the address book instead of the target. */
  multiaddr (): string {
    return `/ip4/127.0.0.1/tcp/${this.port}`
  }

  /** Nothing crosses from now on, either way: held, or with `drop`, thrown away. */
  blackHole ({ drop = false }: { drop?: boolean } = {}): void {
    this.dark = true
    this.dropping = drop
    if (drop) return
    for (const { client, upstream } of this.pairs) {
      client.pause()
      upstream.pause()
    }
  }

  /** The link is back: what was held flows, and the closes held back arrive. */
  heal (): void {
    this.dark = false
    this.dropping = false
    for (const { client, upstream } of this.pairs) {
      client.resume()
      upstream.resume()
    }
    for (const close of this.heldCloses.splice(0)) close()
  }

  async close (): Promise<void> {
    this.heldCloses.length = 0
    for (const { client, upstream } of this.pairs) {
      client.destroy()
      upstream.destroy()
    }
    this.pairs.clear()
    await new Promise<void>(resolve => { this.server.close(() => { resolve() }) })
  }

  private accept (client: net.Socket): void {
    const upstream = net.connect(this.targetPort, '127.0.0.1')
    const pair: Pair = { client, upstream }
    this.pairs.add(pair)
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    if (this.dark && !this.dropping) {
      client.pause()
      upstream.pause()
    }
    this.forward(client, upstream)
    this.forward(upstream, client)
    const closeBoth = (): void => {
      this.pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    for (const socket of [client, upstream]) {
      socket.on('error', () => {})
      socket.on('close', () => {
        if (this.dark) this.heldCloses.push(closeBoth)
        else closeBoth()
      })
    }
  }

  private forward (from: net.Socket, to: net.Socket): void {
    // A paused socket emits no 'data': while dark and holding nothing arrives here.
    from.on('data', (chunk: Buffer) => {
      if (this.dropping) return
      if (!to.destroyed) to.write(chunk)
    })
  }
}

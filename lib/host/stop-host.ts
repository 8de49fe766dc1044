/**
 * Stops the libp2p host and clears what its own stop() leaves behind.
 *
 * libp2p 3.3's AddressManager debounces peer-store updates with a 1 s timer
 * (`debounce(..., 1000)`, armed when a transport starts listening) and has
 * no stop() that clears it, so a node stopped within a second of starting
 * keeps the process alive for up to a second. The debounce helper exposes
 * `stop()`; we call it when the internal shape is what we expect and do
 * nothing otherwise, so a libp2p upgrade cannot break stopping.
 *
 * @module
 */
import type { Host } from './libp2p.js'

interface Debounced { stop?: () => void }
interface WithComponents { components?: { addressManager?: { _updatePeerStoreAddresses?: Debounced } } }

export async function stopHost (host: Host): Promise<void> {
  try {
    await host.stop()
  } finally {
    const debounced = (host as unknown as WithComponents).components?.addressManager?._updatePeerStoreAddresses
    if (typeof debounced?.stop === 'function') debounced.stop()
  }
}

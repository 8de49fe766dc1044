/**
 * The `inbound` policy as the gater's two callbacks: who is admitted, and
 * how a refusal is reported (a `PEER_NOT_FOUND` GlueberryError, rate-limited,
 * see refusal-reports.ts).
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import type { InboundPolicy } from '../config.js'
import { RefusalReports } from './refusal-reports.js'
import type { RefusalLimits } from './refusal-reports.js'

export interface InboundAdmission {
  admitsInbound?: (peerId: string) => boolean
  onRefused?: (peerId: string) => void
}

/**
 * @param expects - true for a peer in the address book or being added to it
 * @param report - receives each refusal that passes the rate limit
 */
export function inboundAdmission (
  policy: InboundPolicy,
  expects: (peerId: string) => boolean,
  report: (error: GlueberryError) => void,
  limits: RefusalLimits & { now?: () => number } = {}
): InboundAdmission {
  if (policy === 'any') return {}
  const reports = new RefusalReports(limits)
  const now = limits.now ?? Date.now
  return {
    admitsInbound: expects,
    onRefused: (peerId) => {
      const decision = reports.refused(peerId, now())
      if (!decision.report) return
      const more = decision.suppressed === 0 ? '' : ` (${decision.suppressed} more refusals since the last report were not reported)`
      report(new GlueberryError(ErrorCode.PeerNotFound,
        `inbound connection from ${peerId} refused: the peer is not in the address book (inbound: 'known')${more}`, { peer: peerId }))
    }
  }
}

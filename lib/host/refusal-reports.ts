/**
 * Rate limiting for the reports of refused inbound peers. A peer that is
 * refused redials; a hostile network can dial from thousands of fresh keys.
 * Neither may flood `errors$` or the log: each peer is reported at most once
 * per window, and the node at most `maxPerWindow` times per window; what was
 * held back is counted and named in the next report. Pure: the clock is a
 * parameter, memory is bounded by `maxPerWindow` peer entries.
 *
 * @module
 */

export interface RefusalLimits {
  /** Length of a window, ms. Default 60 s. */
  readonly windowMs?: number
  /** Reports per window, all peers together. Default 10. */
  readonly maxPerWindow?: number
}

/** What to report now: nothing, or one report that also accounts for the ones held back. */
export type RefusalDecision =
  | { readonly report: false }
  | { readonly report: true, readonly suppressed: number }

export class RefusalReports {
  private readonly windowMs: number
  private readonly maxPerWindow: number
  private windowStart = Number.NEGATIVE_INFINITY
  /** Peers reported in the current window (at most maxPerWindow of them). */
  private readonly reported = new Set<string>()
  private suppressed = 0

  constructor (limits: RefusalLimits = {}) {
    this.windowMs = limits.windowMs ?? 60_000
    this.maxPerWindow = limits.maxPerWindow ?? 10
  }

  /** One refusal of `peer` at `now` (ms): report it, or count it as held back. */
  refused (peer: string, now: number): RefusalDecision {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now
      this.reported.clear()
    }
    if (this.reported.has(peer) || this.reported.size >= this.maxPerWindow) {
      this.suppressed++
      return { report: false }
    }
    this.reported.add(peer)
    const suppressed = this.suppressed
    this.suppressed = 0
    return { report: true, suppressed }
  }
}

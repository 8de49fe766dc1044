/**
 * Every known way a platform differs from the real node today, by id. A
 * driver lists the ids it has (with `divergences`); a scenario that meets one
 * asserts the platform's CURRENT behaviour and names the divergence in the
 * test title, so nothing is hidden and nothing is skipped. When a platform is
 * fixed (MockNode rebuilt on the node core, issue 11), delete the id from its
 * driver: the scenario then asserts the real node's behaviour there too.
 *
 * @module
 */

export const DIVERGENCES = {
  /** The real node never dials a book entry without an address (inbound only); MockNode dials every book entry. */
  dialsAddresslessPeers: 'dials-addressless-peers',
  /** Real: `send()` checks the connection before the prepared stream; MockNode checks "not prepared" first. */
  notPreparedBeforeNotConnected: 'not-prepared-before-not-connected',
  /** Real: `send()` waits at the high watermark until the peer acknowledges; MockNode's peer acknowledges at once, so it never waits. */
  sendNeverWaits: 'send-never-waits',
  /** Real: `awaitDelivery` resolves once the peer acknowledged; MockNode resolves at once, and never rejects it on stop. */
  awaitDeliveryImmediate: 'await-delivery-immediate',
  /** Real: `send()` to a malformed peer id is INVALID_PEER_ID; MockNode answers NOT_CONNECTED. */
  sendBadPeerIdNotConnected: 'send-bad-peer-id-not-connected'
} as const

export type DivergenceId = typeof DIVERGENCES[keyof typeof DIVERGENCES]

/** Peer ids are long; logs show the start and the end. */
export const shortId = (peerId: string): string => `${peerId.slice(0, 8)}…${peerId.slice(-4)}`

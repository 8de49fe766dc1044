/**
 * The messages between the bench and its child process (2-proc placement),
 * over Node's IPC channel (JSON). The child hosts listening ends; the bench
 * asks it to start one, to report when a run has been received in full, and
 * to stop one.
 *
 * @module
 */
import type { Contender } from '../types.js'
import { CONTENDERS } from '../types.js'
import type { PeerAddress, Role } from './contender.js'

export type ChildRequest =
  | { readonly id: number, readonly op: 'listen', readonly contender: Contender, readonly role: Role }
  /** Reply once the listener has received `messages` messages of `bytes` bytes in all (cumulative). */
  | { readonly id: number, readonly op: 'expect', readonly listener: number, readonly messages: number, readonly bytes: number, readonly timeoutMs: number }
  | { readonly id: number, readonly op: 'close', readonly listener: number }
  /** Reply with the child's CPU time so far (user + system, microseconds): the receiver's CPU per MB. */
  | { readonly id: number, readonly op: 'cpu' }

export type ChildReply =
  | { readonly id: number, readonly ok: true, readonly listener?: number, readonly address?: PeerAddress, readonly cpuUs?: number }
  | { readonly id: number, readonly ok: false, readonly error: string }

/** The child's first message: it has loaded and is listening for requests. */
export interface ChildReady { readonly ready: true }

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

export function isChildReady (value: unknown): value is ChildReady {
  return isRecord(value) && value.ready === true
}

export function isChildReply (value: unknown): value is ChildReply {
  return isRecord(value) && typeof value.id === 'number' && typeof value.ok === 'boolean'
}

export function isChildRequest (value: unknown): value is ChildRequest {
  if (!isRecord(value) || typeof value.id !== 'number') return false
  switch (value.op) {
    case 'listen':
      return CONTENDERS.includes(value.contender as Contender) && (value.role === 'sink' || value.role === 'echo')
    case 'expect':
      return typeof value.listener === 'number' && typeof value.messages === 'number' &&
        typeof value.bytes === 'number' && typeof value.timeoutMs === 'number'
    case 'close':
      return typeof value.listener === 'number'
    case 'cpu':
      return true
    default:
      return false
  }
}

/**
 * The pure handshake reducer on its own: events in, model and effects out.
 */
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import { HandshakePhase, initialModel, reduce } from '../../lib/handshake/fsm.js'
import type { FsmEffect, FsmEvent, FsmModel } from '../../lib/handshake/fsm.js'

const KEY = new Uint8Array(32)
const REPLY = Uint8Array.of(1)

/** Runs events from the initial model; returns the final model and every effect, as short strings. */
function play (events: FsmEvent[], retries = 1): { model: FsmModel, effects: string[] } {
  let model = initialModel('p', retries)
  const effects: string[] = []
  for (const event of events) {
    const step = reduce(model, event)
    model = step.model
    effects.push(...step.effects.map(short))
  }
  return { model, effects }
}

function short (e: FsmEffect): string {
  return e.type === 'send' ? `send ${e.what}` : e.type
}

const response: FsmEvent = { type: 'response', publicKey: KEY, streams: ['s'] }

describe('handshake reducer', () => {
  it('walks the phases of the happy path', () => {
    const phases: string[] = []
    let model = initialModel('p', 1)
    for (const event of [{ type: 'start' }, { type: 'requestSent' }, response, { type: 'prepared' }, { type: 'finalizeSent' }, { type: 'finalize' }, { type: 'finalized' }] as FsmEvent[]) {
      model = reduce(model, event).model
      phases.push(model.phase)
    }
    expect(phases).toEqual(['Init', 'SentRequest', 'SentRequest', 'ReceivedResponse', 'SentFinalize', 'SentFinalize', 'Complete'])
  })

  it('asks for finalizeHandshake only after our finalize is sent, whatever the arrival order', () => {
    const early = play([{ type: 'start' }, { type: 'finalize' }, response, { type: 'prepared' }, { type: 'finalizeSent' }])
    expect(early.effects).toEqual(['send request', 'arm', 'prepare', 'arm', 'send finalize', 'arm', 'finalizeHandshake'])
    const late = play([{ type: 'start' }, response, { type: 'prepared' }, { type: 'finalizeSent' }, { type: 'finalize' }, { type: 'finalize' }])
    expect(late.effects.filter(e => e === 'finalizeHandshake')).toHaveLength(1)
  })

  it('answers every request, in any phase but the final ones', () => {
    const { effects } = play([{ type: 'request', reply: REPLY }, { type: 'start' }, { type: 'request', reply: REPLY }])
    expect(effects).toEqual(['send response', 'send request', 'arm', 'send response'])
  })

  it('ignores a duplicate response', () => {
    const { effects } = play([{ type: 'start' }, response, response])
    expect(effects).toEqual(['send request', 'arm', 'prepare', 'arm'])
  })

  it('retries each step `retries` times, then fails with HandshakeTimeout', () => {
    const { model, effects } = play([{ type: 'start' }, { type: 'timeout' }, response, { type: 'prepared' }, { type: 'finalizeSent' }, { type: 'timeout' }, { type: 'timeout' }])
    expect(effects).toEqual(['send request', 'arm', 'send request', 'arm', 'prepare', 'arm', 'send finalize', 'arm', 'send finalize', 'arm', 'disarm'])
    expect(model.phase).toBe(HandshakePhase.Failed)
    expect(model.error?.code).toBe(ErrorCode.HandshakeTimeout)
    expect(model.error?.peer).toBe('p')
  })

  it('waits longer without resending while its own calls run', () => {
    const { effects } = play([{ type: 'start' }, response, { type: 'timeout' }])
    expect(effects.slice(-1)).toEqual(['arm'])
  })

  it('is final after Failed and Complete: nothing more happens', () => {
    const error = new GlueberryError(ErrorCode.VersionMismatch, 'no')
    const failed = play([{ type: 'start' }, { type: 'fail', error }, { type: 'request', reply: REPLY }, response, { type: 'timeout' }])
    expect(failed.model.phase).toBe(HandshakePhase.Failed)
    expect(failed.model.error).toBe(error)
    expect(failed.effects).toEqual(['send request', 'arm', 'disarm'])
    const done = play([{ type: 'start' }, response, { type: 'prepared' }, { type: 'finalizeSent' }, { type: 'finalize' }, { type: 'finalized' }, { type: 'timeout' }])
    expect(done.model.phase).toBe(HandshakePhase.Complete)
    expect(done.effects.slice(-1)).toEqual(['disarm'])
  })
})

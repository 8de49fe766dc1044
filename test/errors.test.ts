import { ErrorCode, GlueberryError, isGlueberryError, isPermanent, isRetriable, abortError } from '../lib/errors.js'

describe('GlueberryError', () => {
  it('carries code, peer, stream and cause', () => {
    const cause = new Error('boom')
    const err = new GlueberryError(ErrorCode.StreamClosed, 'closed', { peer: 'p', stream: 's', cause })
    expect(err).toBeInstanceOf(Error)
    expect(err.name).toBe('GlueberryError')
    expect(err.code).toBe('STREAM_CLOSED')
    expect(err.peer).toBe('p')
    expect(err.stream).toBe('s')
    expect(err.cause).toBe(cause)
    expect(err.retriable).toBe(true)
    expect(err.permanent).toBe(false)
  })

  it('classifies retriable and permanent codes, also through a cause chain', () => {
    const permanent = new GlueberryError(ErrorCode.PeerBlacklisted, 'banned')
    expect(isPermanent(permanent)).toBe(true)
    expect(isRetriable(permanent)).toBe(false)
    const wrapped = new Error('outer', { cause: new GlueberryError(ErrorCode.Backpressure, 'full') })
    expect(isRetriable(wrapped)).toBe(true)
    expect(isPermanent(wrapped)).toBe(false)
    expect(isRetriable(new Error('plain'))).toBe(false)
    expect(isRetriable('not an error')).toBe(false)
  })

  it('lets the retriable flag be overridden', () => {
    expect(new GlueberryError(ErrorCode.Backpressure, 'x', { retriable: false }).retriable).toBe(false)
  })

  it('narrows with isGlueberryError, optionally by code', () => {
    const err: unknown = new GlueberryError(ErrorCode.NotConnected, 'x')
    expect(isGlueberryError(err)).toBe(true)
    expect(isGlueberryError(err, ErrorCode.NotConnected)).toBe(true)
    expect(isGlueberryError(err, ErrorCode.Aborted)).toBe(false)
    expect(isGlueberryError(new Error('x'))).toBe(false)
  })

  it('turns an abort signal into an Aborted error that keeps the reason', () => {
    const ac = new AbortController()
    ac.abort(new Error('user'))
    const err = abortError(ac.signal, 'send', { peer: 'p' })
    expect(err.code).toBe(ErrorCode.Aborted)
    expect(err.peer).toBe('p')
    expect((err.cause as Error).message).toBe('user')
  })

  it('serialises without secrets or stack', () => {
    const json: unknown = JSON.parse(JSON.stringify(new GlueberryError(ErrorCode.InvalidKey, 'bad key', { peer: 'p' })))
    expect(json).toEqual({ name: 'GlueberryError', code: 'INVALID_KEY', message: 'bad key', peer: 'p', retriable: false })
  })
})

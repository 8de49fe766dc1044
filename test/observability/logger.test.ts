import { jest } from '@jest/globals'
import { consoleLogger, noopLogger } from '../../lib/observability/logger.js'
import type { ConsoleLike, LogLevel } from '../../lib/observability/logger.js'

/** A console-like sink that records every call's arguments. */
function sink (): ConsoleLike & { calls: Array<[LogLevel, ...unknown[]]> } {
  const calls: Array<[LogLevel, ...unknown[]]> = []
  const rec = (level: LogLevel) => (...args: unknown[]): void => { calls.push([level, ...args]) }
  return { calls, debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') }
}

describe('noopLogger', () => {
  it('accepts every level, with and without fields, and does nothing', () => {
    const spies = (['debug', 'info', 'warn', 'error'] as const).map(level => jest.spyOn(console, level).mockImplementation(() => {}))
    try {
      for (const level of ['debug', 'info', 'warn', 'error'] as const) {
        expect(noopLogger[level]('message')).toBeUndefined()
        expect(noopLogger[level]('message', { peer_id: 'p' })).toBeUndefined()
      }
      for (const spy of spies) expect(spy).not.toHaveBeenCalled()
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
  })

  it('is frozen, so nobody can turn the shared default into a real logger', () => {
    expect(Object.isFrozen(noopLogger)).toBe(true)
  })
})

describe('consoleLogger', () => {
  it('writes one line per call at its level, prefixed, with the fields as a second argument', () => {
    const out = sink()
    const logger = consoleLogger({ level: 'debug', sink: out })
    logger.debug('streams prepared', { peer_id: 'p' })
    logger.info('node started', { peer_id: 'me' })
    logger.warn('decryption failed', { count: 1 })
    logger.error('failed', { error: 'boom' })
    expect(out.calls).toEqual([
      ['debug', '[glueberry] streams prepared', { peer_id: 'p' }],
      ['info', '[glueberry] node started', { peer_id: 'me' }],
      ['warn', '[glueberry] decryption failed', { count: 1 }],
      ['error', '[glueberry] failed', { error: 'boom' }]
    ])
  })

  it('omits absent or empty fields', () => {
    const out = sink()
    const logger = consoleLogger({ sink: out })
    logger.info('a')
    logger.info('b', {})
    expect(out.calls).toEqual([['info', '[glueberry] a'], ['info', '[glueberry] b']])
  })

  it.each([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']]
  ] as Array<[LogLevel, LogLevel[]]>)('at level %s keeps %j and drops the rest', (level, kept) => {
    const out = sink()
    const logger = consoleLogger({ level, sink: out })
    for (const l of ['debug', 'info', 'warn', 'error'] as const) logger[l](l)
    expect(out.calls.map(([l]) => l)).toEqual(kept)
  })

  it('defaults to level info and a custom prefix when given', () => {
    const out = sink()
    const logger = consoleLogger({ sink: out, prefix: 'p2p' })
    logger.debug('hidden')
    logger.info('shown')
    expect(out.calls).toEqual([['info', '[p2p] shown']])
  })

  it('writes to the global console by default', () => {
    const spy = jest.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      consoleLogger().warn('peer blacklisted', { peer_id: 'p' })
      expect(spy).toHaveBeenCalledWith('[glueberry] peer blacklisted', { peer_id: 'p' })
    } finally {
      spy.mockRestore()
    }
  })
})

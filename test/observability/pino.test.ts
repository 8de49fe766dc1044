import { expect } from '@jest/globals'
import { ErrorCode } from '../../lib/errors.js'
import type { Logger } from '../../lib/observability/logger.js'
import { pinoLogger } from '../../lib/observability/pino.js'
import type { PinoLike } from '../../lib/observability/pino.js'

/** pino's LogFn overloads (pino/pino.d.ts), to check a real pino logger fits PinoLike without installing pino. */
interface PinoLogFnShape {
  <T extends object>(obj: T, msg?: string, ...args: unknown[]): void
  (obj: unknown, msg?: string, ...args: unknown[]): void
  (msg: string, ...args: unknown[]): void
}
interface PinoLoggerShape {
  level: string
  fatal: PinoLogFnShape
  error: PinoLogFnShape
  warn: PinoLogFnShape
  info: PinoLogFnShape
  debug: PinoLogFnShape
  trace: PinoLogFnShape
  child: (bindings: Record<string, unknown>) => PinoLoggerShape
}
type Fits = PinoLoggerShape extends PinoLike ? true : false
const fits: Fits = true

/** The LogFn of pino 9.x and later, which types format arguments from the message (pino.d.ts). */
type PlaceholderSpecifier = 'd' | 's' | 'j' | 'o' | 'O'
type PlaceholderTypeMapping<T extends PlaceholderSpecifier> = T extends 'd' ? number : T extends 's' ? unknown : T extends 'j' | 'o' | 'O' ? object : never
type ParseLogFnArgs<T, Acc extends unknown[] = []> = T extends `${infer _}%${infer Placeholder}${infer Rest}`
  ? Placeholder extends PlaceholderSpecifier ? ParseLogFnArgs<Rest, [...Acc, PlaceholderTypeMapping<Placeholder>]> : ParseLogFnArgs<Rest, Acc>
  : Acc
type LogFnFields = Record<never, never>
interface Pino9LogFn {
  <TMsg extends string = string>(msg: TMsg, ...args: ParseLogFnArgs<TMsg>): void
  <T, TMsg extends string = string>(obj: [T] extends [object] ? T & LogFnFields : T, msg?: T extends string ? never : TMsg, ...args: ParseLogFnArgs<TMsg> | []): void
}
type Fits9 = { debug: Pino9LogFn, info: Pino9LogFn, warn: Pino9LogFn, error: Pino9LogFn } extends PinoLike ? true : false
const fits9: Fits9 = true

interface Line { level: string, obj: object, msg?: string, bindings: Record<string, unknown> }

/** A fake pino whose methods use `this`, as pino's do, and that filters by level. */
class FakePino implements PinoLike {
  static readonly ORDER = ['debug', 'info', 'warn', 'error']
  constructor (readonly lines: Line[], readonly level = 'debug', readonly bindings: Record<string, unknown> = {}) {}
  child (bindings: Record<string, unknown>): FakePino {
    return new FakePino(this.lines, this.level, { ...this.bindings, ...bindings })
  }

  debug (obj: object, msg?: string): void { this.write('debug', obj, msg) }
  info (obj: object, msg?: string): void { this.write('info', obj, msg) }
  warn (obj: object, msg?: string): void { this.write('warn', obj, msg) }
  error (obj: object, msg?: string): void { this.write('error', obj, msg) }
  private write (level: string, obj: object, msg?: string): void {
    if (FakePino.ORDER.indexOf(level) < FakePino.ORDER.indexOf(this.level)) return
    this.lines.push(msg === undefined ? { level, obj, bindings: this.bindings } : { level, obj, msg, bindings: this.bindings })
  }
}

describe('pinoLogger', () => {
  it('pino logger types (8.x and the format-checked 9.x LogFn) fit the structural PinoLike', () => {
    expect(fits).toBe(true)
    expect(fits9).toBe(true)
  })

  it('maps (msg, fields) to pino\'s (obj, msg) for every level, calling pino\'s methods with their this', () => {
    const lines: Line[] = []
    const logger: Logger = pinoLogger(new FakePino(lines))
    logger.debug('streams prepared', { peer_id: 'p', streams: ['x'] })
    logger.info('node started', { peer_id: 'me', listen_addrs: ['/ip4/127.0.0.1/tcp/1'] })
    logger.warn('decryption failed', { peer_id: 'p', stream: 'x', count: 2 })
    logger.error('failed to stop libp2p', { error: 'boom' })
    expect(lines).toEqual([
      { level: 'debug', obj: { peer_id: 'p', streams: ['x'] }, msg: 'streams prepared', bindings: {} },
      { level: 'info', obj: { peer_id: 'me', listen_addrs: ['/ip4/127.0.0.1/tcp/1'] }, msg: 'node started', bindings: {} },
      { level: 'warn', obj: { peer_id: 'p', stream: 'x', count: 2 }, msg: 'decryption failed', bindings: {} },
      { level: 'error', obj: { error: 'boom' }, msg: 'failed to stop libp2p', bindings: {} }
    ])
  })

  it('passes an empty object when there are no fields, so pino always sees one shape', () => {
    const lines: Line[] = []
    pinoLogger(new FakePino(lines)).info('node stopping')
    expect(lines).toEqual([{ level: 'info', obj: {}, msg: 'node stopping', bindings: {} }])
  })

  it('leaves level filtering and bindings to pino (child loggers work)', () => {
    const lines: Line[] = []
    const logger = pinoLogger(new FakePino(lines, 'warn').child({ module: 'glueberry' }))
    logger.debug('d')
    logger.info('i')
    logger.warn('w', { n: 1 })
    expect(lines).toEqual([{ level: 'warn', obj: { n: 1 }, msg: 'w', bindings: { module: 'glueberry' } }])
  })

  it('refuses something that is not a pino logger', () => {
    expect(() => pinoLogger(null as unknown as PinoLike)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
    expect(() => pinoLogger({ info () {}, warn () {}, error () {} } as unknown as PinoLike)).toThrow(/debug/)
  })

  it('returns a frozen Logger', () => {
    expect(Object.isFrozen(pinoLogger(new FakePino([])))).toBe(true)
  })
})

/**
 * docs/PROTOCOL.md cannot drift from the code: every value in its `vectors`
 * and `constants` blocks is recomputed here, four ways for the vectors:
 *
 * - the project's code (lib/) with the node backend and with the noble backend;
 * - a second implementation written from the document (./reference.ts) with
 *   raw node:crypto and with raw @noble primitives.
 *
 * All four must give exactly the document's value for every label, the
 * document must hold exactly the labels they compute, and the identity values
 * must also equal the independently computed Go reference vectors.
 *
 * To regenerate the blocks after a deliberate protocol change:
 *   PROTOCOL_VECTORS_OUT=/tmp/vectors.md npx jest test/protocol
 * then paste the file's blocks into docs/PROTOCOL.md (and say why in the
 * change: a changed vector is a wire-incompatible change).
 */
import { writeFileSync } from 'node:fs'
import { nobleBackend, nodeBackend } from '../../lib/crypto/index.js'
import type { CryptoBackend } from '../../lib/crypto/index.js'
import {
  MAX_INFO_FIELD_LENGTH,
  SALT_LENGTH as KEY_SCHEDULE_SALT_LENGTH
} from '../../lib/crypto/key-schedule.js'
import { MAX_RECORD_COUNTER, REKEY_INTERVAL, recordOpenerAt } from '../../lib/crypto/record-cipher.js'
import { DEFAULTS, MAX_MESSAGE_SIZE_CEILING } from '../../lib/config.js'
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import { CURRENT_VERSION } from '../../lib/version.js'
import {
  AEAD_TAG_LENGTH,
  DEFAULT_MAX_STREAM_NAME_BYTES,
  EPHEMERAL_KEY_LENGTH,
  FrameDecoder,
  MAX_LENGTH,
  MAX_VARINT_BYTES,
  PROTOCOL_VERSION,
  RECORD_TARGET_BYTES,
  SALT_LENGTH,
  STREAM_HEADER_LENGTH,
  STREAM_HEADER_VERSION,
  INCARNATION_LENGTH,
  ACK_BODY_LENGTH,
  ACK_FRAME_LIMIT,
  decodeAckBody,
  decodeStreamHeader,
  maxRecordFrameLength,
  protocolIdFor,
  splitRecordBody
} from '../../lib/wire/index.js'
import { formatValue, readProtocolDoc } from './doc.js'
import type { DocValue } from './doc.js'
import { FIXED } from './fixed.js'
import { libraryVectors } from './library.js'
import { noblePrimitives, nodePrimitives, referenceVectors, toHex } from './reference.js'

const doc = readProtocolDoc()

/** Label order of the document: the reference implementation's. */
const LABELS = [...referenceVectors(noblePrimitives).keys()]
const ALL_LABELS = [...new Set([...LABELS, ...doc.vectors.keys()])]

/**
 * Values of the Go original's reference vectors (glueberry-go-behaviour.md
 * §3.6), computed there with Python `cryptography` and node:crypto: an
 * anchor outside this repository for the identity keys.
 */
const GO_REFERENCE: Readonly<Record<string, string>> = {
  'ed25519.public.A': '03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8',
  'ed25519.public.B': '29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7',
  'x25519.private.A': '3894eea49c580aef816935762be049559d6d1440dede12e6a125f1841fff8e6f',
  'x25519.public.A': '4701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01',
  'x25519.private.B': '887af58a36202e05c4c1cfec5bf6c61fad66bca851536004074b31f1b56e4a49',
  'x25519.public.B': '5730800ab340fcb18ce5111eda9d705f91388b41e4544cbd103ba5942db2233e',
  'static-shared': 'f6f92efb32945aff683324a1c984c5001f46aaea513f3453138d740b3a604b7d'
}

/** What each name in the document's `constants` block must equal. */
const CONSTANTS: Readonly<Record<string, bigint>> = {
  PROTOCOL_VERSION: BigInt(PROTOCOL_VERSION),
  PROTOCOL_MAJOR: BigInt(CURRENT_VERSION.major),
  STREAM_HEADER_VERSION: BigInt(STREAM_HEADER_VERSION),
  STREAM_HEADER_LENGTH: BigInt(STREAM_HEADER_LENGTH),
  INCARNATION_LENGTH: BigInt(INCARNATION_LENGTH),
  ACK_BODY_LENGTH: BigInt(ACK_BODY_LENGTH),
  ACK_FRAME_LIMIT: BigInt(ACK_FRAME_LIMIT),
  SALT_LENGTH: BigInt(SALT_LENGTH),
  EPHEMERAL_KEY_LENGTH: BigInt(EPHEMERAL_KEY_LENGTH),
  MAX_VARINT_BYTES: BigInt(MAX_VARINT_BYTES),
  MAX_LENGTH: BigInt(MAX_LENGTH),
  MAX_INFO_FIELD_LENGTH: BigInt(MAX_INFO_FIELD_LENGTH),
  RECORD_TARGET_BYTES: BigInt(RECORD_TARGET_BYTES),
  AEAD_TAG_LENGTH: BigInt(AEAD_TAG_LENGTH),
  REKEY_INTERVAL: BigInt(REKEY_INTERVAL),
  MAX_RECORD_COUNTER,
  DEFAULT_MAX_STREAM_NAME_BYTES: BigInt(DEFAULT_MAX_STREAM_NAME_BYTES),
  MAX_STREAM_NAME_BYTES_CEILING: 255n,
  DEFAULT_MAX_MESSAGE_SIZE: BigInt(DEFAULTS.maxMessageSize),
  MAX_MESSAGE_SIZE_CEILING: BigInt(MAX_MESSAGE_SIZE_CEILING),
  DEFAULT_MAX_RECORD_FRAME: BigInt(maxRecordFrameLength(DEFAULTS.maxMessageSize)),
  DEFAULT_HANDSHAKE_TIMEOUT_MS: BigInt(DEFAULTS.handshakeTimeout),
  DEFAULT_MAX_HELD_STREAMS_PER_PEER: BigInt(DEFAULTS.limits.maxHeldStreamsPerPeer),
  DEFAULT_MAX_INBOUND_STREAMS: BigInt(DEFAULTS.limits.maxInboundStreams),
  DEFAULT_MAX_OUTBOUND_STREAMS: BigInt(DEFAULTS.limits.maxOutboundStreams),
  DEFAULT_FLOW_HIGH: BigInt(DEFAULTS.flow.high),
  DEFAULT_FLOW_LOW: BigInt(DEFAULTS.flow.low)
}

const BACKENDS: ReadonlyArray<[string, CryptoBackend]> = [['node', nodeBackend], ['noble', nobleBackend]]
const SOURCES = ['lib + node backend', 'lib + noble backend', 'reference + node:crypto', 'reference + @noble'] as const
type Source = typeof SOURCES[number]

function docHex (label: string): Uint8Array {
  const value = doc.vectors.get(label)
  if (value?.kind !== 'hex') throw new Error(`docs/PROTOCOL.md has no hex value labelled ${label}`)
  return new Uint8Array(Buffer.from(value.hex, 'hex'))
}

/** The payload of the one frame a labelled vector holds. */
function onlyFrame (label: string): Uint8Array {
  const frames = new FrameDecoder(MAX_LENGTH).push(docHex(label))
  if (frames.length !== 1) throw new Error(`${label} holds ${frames.length} frames, not one`)
  return frames[0]
}

function show (value: DocValue | undefined): string {
  if (value === undefined) return '(missing)'
  return value.kind === 'hex' ? value.hex : JSON.stringify(value.text)
}

const computed = new Map<Source, Map<string, DocValue>>()

beforeAll(async () => {
  computed.set('lib + node backend', (await libraryVectors(nodeBackend)).vectors)
  computed.set('lib + noble backend', (await libraryVectors(nobleBackend)).vectors)
  computed.set('reference + node:crypto', referenceVectors(nodePrimitives))
  computed.set('reference + @noble', referenceVectors(noblePrimitives))

  const out = process.env.PROTOCOL_VECTORS_OUT
  if (out !== undefined && out !== '') {
    const values = computed.get('lib + node backend') as Map<string, DocValue>
    const width = Math.max(...LABELS.map(l => l.length)) + 2
    const lines = LABELS.map(label => label.padEnd(width) + formatValue(values.get(label) as DocValue, width))
    const constants = Object.entries(CONSTANTS).map(([name, value]) => `${name.padEnd(36)}${value}`)
    writeFileSync(out, ['```vectors', ...lines, '```', '', '```constants', ...constants, '```', ''].join('\n'))
  }
})

describe('docs/PROTOCOL.md', () => {
  it('has a vectors block with exactly the labels the implementations compute', () => {
    const missing = LABELS.filter(l => !doc.vectors.has(l))
    const unchecked = [...doc.vectors.keys()].filter(l => !LABELS.includes(l))
    expect({ missing, unchecked }).toEqual({ missing: [], unchecked: [] })
    for (const source of SOURCES) expect([...(computed.get(source) as Map<string, DocValue>).keys()]).toEqual(LABELS)
  })

  it('has a constants block with exactly the constants of the code', () => {
    expect(Object.fromEntries(doc.constants)).toEqual(CONSTANTS)
  })

  it('agrees with the Go reference vectors on the identity keys and the static secret', () => {
    for (const [label, hex] of Object.entries(GO_REFERENCE)) expect([label, toHex(docHex(label))]).toEqual([label, hex])
  })

  it('quotes in its prose only hex that is part of a checked vector', () => {
    const values = [...doc.vectors.values()].flatMap(v => v.kind === 'hex' ? [v.hex] : [])
    expect(doc.proseHex.length).toBeGreaterThan(0)
    expect(doc.proseHex.filter(hex => !values.some(v => v.includes(hex)))).toEqual([])
  })

  it('uses the inputs the vector code uses', () => {
    expect(doc.vectors.get('input.protocol-id')).toEqual({ kind: 'text', text: FIXED.protocolId })
    expect(protocolIdFor('blocks')).toBe(FIXED.protocolId)
  })
})

describe.each(SOURCES)('docs/PROTOCOL.md vector recomputed by %s', (source) => {
  it.each(ALL_LABELS)('%s', (label) => {
    const got = computed.get(source)?.get(label)
    const want = doc.vectors.get(label)
    // Compare the printed forms: a mismatch shows both values in full.
    expect(`${label} = ${show(got)}`).toBe(`${label} = ${show(want)}`)
  })
})

describe.each(BACKENDS)('the document\'s frames, read back (%s backend)', (_name, backend) => {
  it('parses the header frames as version 3 headers carrying the fixed salts, ephemeral keys, incarnations, sequences and limits', () => {
    const sides = [
      ['opener', FIXED.openerSalt, FIXED.openerIncarnation, FIXED.openerSeq, FIXED.openerMaxMessageSize],
      ['responder', FIXED.responderSalt, FIXED.responderIncarnation, FIXED.responderSeq, FIXED.responderMaxMessageSize]
    ] as const
    for (const [side, salt, incarnation, seq, limit] of sides) {
      const frames = new FrameDecoder(STREAM_HEADER_LENGTH).push(docHex(`header-frame.${side}`))
      expect(frames).toHaveLength(1)
      const header = decodeStreamHeader(onlyFrame(`header-frame.${side}`))
      expect(header.version).toBe(3)
      expect(toHex(header.salt)).toBe(toHex(salt))
      expect(toHex(header.ephemeralKey)).toBe(toHex(docHex(`ephemeral-public.${side}`)))
      expect(toHex(header.incarnation)).toBe(toHex(incarnation))
      expect([header.seq, header.maxMessageSize]).toEqual([seq, limit])
    }
    expect(KEY_SCHEDULE_SALT_LENGTH).toBe(SALT_LENGTH)
  })

  it('opens records 0 and 1 on the responder of the same stream opening and splits them into the messages', async () => {
    const { responderOpener } = await libraryVectors(backend)
    const decoder = new FrameDecoder(maxRecordFrameLength(DEFAULTS.maxMessageSize))
    const frames = decoder.push(Buffer.concat([docHex('record-frame.0'), docHex('record-frame.1')]))
    expect(frames).toHaveLength(2)
    for (const record of frames) {
      const body = responderOpener.open(record)
      expect(toHex(body)).toBe(toHex(docHex('record-body')))
      expect(splitRecordBody(body, DEFAULTS.maxMessageSize).map(m => Buffer.from(m).toString('utf8'))).toEqual([...FIXED.messages])
    }
  })

  it('a record that fails to authenticate consumes its counter: record 1 still opens after a forged record 0', () => {
    const opener = recordOpenerAt(docHex('key.opener-to-responder'), 0n, { backend })
    const forged = onlyFrame('record-frame.0').slice()
    forged[forged.byteLength - 1] ^= 0x01
    let failure: unknown
    try {
      opener.open(forged)
    } catch (err) {
      failure = err
    }
    expect(failure).toBeInstanceOf(GlueberryError)
    expect((failure as GlueberryError).code).toBe(ErrorCode.DecryptionFailed)
    expect(toHex(opener.open(onlyFrame('record-frame.1')))).toBe(toHex(docHex('record-body')))
  })

  it('opens the ack frame with the responder -> opener key at counter 0 and reads its value', () => {
    const opener = recordOpenerAt(docHex('key.responder-to-opener'), 0n, { backend })
    const [record] = new FrameDecoder(ACK_FRAME_LIMIT).push(docHex('ack-frame.0'))
    expect(decodeAckBody(opener.open(record))).toBe(FIXED.ackNext)
    // Under the other direction's key it fails: an ack cannot be taken for a record, or one stream's ack for another's.
    expect(() => recordOpenerAt(docHex('key.opener-to-responder'), 0n, { backend }).open(onlyFrame('ack-frame.0'))).toThrow(GlueberryError)
  })

  it('opens the record at counter 2^20 with the epoch-1 key', () => {
    const opener = recordOpenerAt(docHex('key.opener-to-responder.epoch-1'), 2n ** 20n, { backend })
    expect(toHex(opener.open(onlyFrame('record-frame.1048576')))).toBe(toHex(docHex('record-body')))
  })
})

/**
 * Reads the machine-checked blocks of docs/PROTOCOL.md.
 *
 * Two kinds of fenced block are read; everything else in the document is prose:
 *
 * ```vectors
 * # a comment
 * label      0011aabb...        hex (lower case, even length)
 *            ccdd...            a line that starts with a space continues the value above
 * label      "text"             a JSON string (UTF-8 text, "" for empty)
 * ```
 *
 * ```constants
 * NAME       12345              a non-negative decimal integer
 * ```
 *
 * A label appearing twice, a malformed line or an odd-length hex value is an
 * error: the test fails rather than checking less than the document shows.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const PROTOCOL_DOC = fileURLToPath(new URL('../../docs/PROTOCOL.md', import.meta.url))

/** A vector value: hex bytes or a text string, exactly as the document shows it. */
export type DocValue = { kind: 'hex', hex: string } | { kind: 'text', text: string }

export interface ProtocolDoc {
  readonly vectors: ReadonlyMap<string, DocValue>
  readonly constants: ReadonlyMap<string, bigint>
  /**
   * Hex quoted in the prose (outside fenced blocks): every `code span` made
   * only of hex groups separated by single spaces, 16 hex digits or more,
   * with the spaces removed.
   */
  readonly proseHex: readonly string[]
}

const LABEL = /^([A-Za-z0-9_.-]+)\s+(.+)$/
const HEX = /^(?:[0-9a-f]{2})*$/

interface Block {
  kind: string
  lines: Array<{ text: string, line: number }>
}

/** Splits the text into fenced blocks and the prose lines outside them. */
function fencedBlocks (markdown: string): { blocks: Block[], prose: string[] } {
  const blocks: Block[] = []
  const prose: string[] = []
  let current: Block | undefined
  markdown.split('\n').forEach((text, index) => {
    const fence = /^```\s*([A-Za-z0-9_-]*)\s*$/.exec(text)
    if (fence !== null) {
      if (current === undefined) {
        current = { kind: fence[1], lines: [] }
      } else {
        blocks.push(current)
        current = undefined
      }
      return
    }
    if (current === undefined) prose.push(text)
    else current.lines.push({ text, line: index + 1 })
  })
  if (current !== undefined) throw new Error(`${PROTOCOL_DOC}: unterminated fenced block`)
  return { blocks, prose }
}

const HEX_SPAN = /`([0-9a-f]+(?: [0-9a-f]+)*)`/g

function proseHex (prose: readonly string[]): string[] {
  const found: string[] = []
  for (const line of prose) {
    for (const match of line.matchAll(HEX_SPAN)) {
      const hex = match[1].replaceAll(' ', '')
      if (hex.length >= 16) found.push(hex)
    }
  }
  return found
}

function fail (line: number, message: string): never {
  throw new Error(`${PROTOCOL_DOC}:${line}: ${message}`)
}

function parseVectors (block: Block, into: Map<string, DocValue>): void {
  let last: { label: string, line: number } | undefined
  for (const { text, line } of block.lines) {
    const trimmed = text.trim()
    if (trimmed === '' || trimmed.startsWith('#')) {
      last = undefined
      continue
    }
    if (/^\s/.test(text)) {
      // Continuation of the hex value above.
      const previous = last === undefined ? undefined : into.get(last.label)
      if (last === undefined || previous?.kind !== 'hex') fail(line, 'continuation line without a hex value above it')
      if (!HEX.test(trimmed)) fail(line, `not lower-case hex: ${trimmed}`)
      into.set(last.label, { kind: 'hex', hex: previous.hex + trimmed })
      continue
    }
    const match = LABEL.exec(trimmed)
    if (match === null) fail(line, `expected 'label value', got: ${trimmed}`)
    const [, label, raw] = match
    if (into.has(label)) fail(line, `duplicate label ${label}`)
    const value = raw.trim()
    if (value.startsWith('"')) {
      let parsed: unknown
      try {
        parsed = JSON.parse(value)
      } catch {
        fail(line, `not a JSON string: ${value}`)
      }
      if (typeof parsed !== 'string') fail(line, `not a JSON string: ${value}`)
      into.set(label, { kind: 'text', text: parsed })
      last = undefined
    } else {
      if (!HEX.test(value)) fail(line, `not lower-case hex of whole bytes: ${value}`)
      into.set(label, { kind: 'hex', hex: value })
      last = { label, line }
    }
  }
}

function parseConstants (block: Block, into: Map<string, bigint>): void {
  for (const { text, line } of block.lines) {
    const trimmed = text.trim()
    if (trimmed === '' || trimmed.startsWith('#')) continue
    const match = /^([A-Za-z0-9_.]+)\s+(\d+)$/.exec(trimmed)
    if (match === null) fail(line, `expected 'NAME decimal', got: ${trimmed}`)
    if (into.has(match[1])) fail(line, `duplicate constant ${match[1]}`)
    into.set(match[1], BigInt(match[2]))
  }
}

/** Parses the vector and constant blocks of a PROTOCOL.md text. */
export function parseProtocolDoc (markdown: string): ProtocolDoc {
  const vectors = new Map<string, DocValue>()
  const constants = new Map<string, bigint>()
  const { blocks, prose } = fencedBlocks(markdown)
  for (const block of blocks) {
    if (block.kind === 'vectors') parseVectors(block, vectors)
    else if (block.kind === 'constants') parseConstants(block, constants)
  }
  return { vectors, constants, proseHex: proseHex(prose) }
}

export function readProtocolDoc (): ProtocolDoc {
  return parseProtocolDoc(readFileSync(PROTOCOL_DOC, 'utf8'))
}

/** A value in the document's notation (used to print a block when regenerating). */
export function formatValue (value: DocValue, indent: number): string {
  if (value.kind === 'text') return JSON.stringify(value.text)
  if (value.hex.length <= 64) return value.hex
  const lines: string[] = []
  for (let i = 0; i < value.hex.length; i += 64) lines.push(value.hex.slice(i, i + 64))
  return lines.join('\n' + ' '.repeat(indent))
}

/**
 * A strict reader of the Prometheus text exposition format (0.0.4), enough
 * to check that a registry's output parses and to read series values back.
 */

export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

export interface Family {
  readonly name: string
  readonly type: string
  readonly help: string
  readonly samples: Sample[]
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`)
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(?:,|$)/
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`)
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`)

function parseLabels (text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {}
  let rest = text
  while (rest.length > 0) {
    const match = LABEL.exec(rest)
    if (match === null) throw new Error(`bad labels in: ${line}`)
    const [all, key, raw] = match as unknown as [string, string, string]
    labels[key] = raw.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\')
    rest = rest.slice(all.length)
  }
  return labels
}

function parseValue (text: string, line: string): number {
  if (text === '+Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (text === 'NaN') return NaN
  const value = Number(text)
  if (text.length === 0 || Number.isNaN(value)) throw new Error(`bad value in: ${line}`)
  return value
}

/** The family a sample belongs to: histogram samples carry _bucket/_sum/_count. */
function familyOf (sample: string, families: Map<string, Family>): Family | undefined {
  const direct = families.get(sample)
  if (direct !== undefined) return direct
  const base = sample.replace(/_(bucket|sum|count)$/, '')
  const family = families.get(base)
  return family !== undefined && (family.type === 'histogram' || family.type === 'summary') ? family : undefined
}

/** Parses the whole text; throws on any line that is not valid exposition format. */
export function parseExposition (text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  const helps = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const help = HELP.exec(line)
    if (help !== null) {
      helps.set(help[1], help[2])
      continue
    }
    const type = TYPE.exec(line)
    if (type !== null) {
      const name = type[1]
      if (families.has(name)) throw new Error(`second TYPE for ${name}`)
      families.set(name, { name, type: type[2], help: helps.get(name) ?? '', samples: [] })
      continue
    }
    if (line.startsWith('#')) throw new Error(`unexpected comment: ${line}`)
    const sample = SAMPLE.exec(line)
    if (sample === null) throw new Error(`not a sample: ${line}`)
    const name = sample[1]
    const family = familyOf(name, families)
    if (family === undefined) throw new Error(`sample without a TYPE line: ${line}`)
    family.samples.push({ name, labels: parseLabels(sample[2] ?? '', line), value: parseValue(sample[3], line) })
  }
  return families
}

/** The value of one series (exact label match), or undefined. */
export function valueOf (families: Map<string, Family>, sample: string, labels: Record<string, string> = {}): number | undefined {
  const family = familyOf(sample, families)
  const keys = Object.keys(labels)
  return family?.samples.find(s => s.name === sample &&
    Object.keys(s.labels).length === keys.length &&
    keys.every(k => s.labels[k] === labels[k]))?.value
}

/** The sum of every plain (non-bucket) sample of a family: non-zero means the family recorded something. */
export function familyTotal (family: Family): number {
  return family.samples
    .filter(s => !s.name.endsWith('_bucket') && !s.name.endsWith('_sum'))
    .reduce((n, s) => n + s.value, 0)
}

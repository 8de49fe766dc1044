/**
 * The benchmark suites `npm run bench` knows, and what `--only` selects.
 * Pure: shared by the runner and the report, so both name suites alike.
 *
 * @module
 */

/** In-memory suites, reported in foundation.{json,md}. */
export const FOUNDATION_SUITES = ['crypto', 'paths'] as const
/** Network suites, reported in latest.{json,md,svg}. */
export const NET_SUITES = ['throughput', 'rtt', 'connect', 'memory'] as const

export type FoundationSuite = typeof FOUNDATION_SUITES[number]
export type NetSuite = typeof NET_SUITES[number]
export type Suite = FoundationSuite | NetSuite

/** Every suite, in the order a full run takes them. */
export const SUITES: readonly Suite[] = [...FOUNDATION_SUITES, ...NET_SUITES]

/** What `--only` accepts: one suite, or `net` for the four network suites. */
export type Only = Suite | 'net'
export const ONLY_VALUES: readonly Only[] = [...SUITES, 'net']

export function isOnly (value: string): value is Only {
  return (ONLY_VALUES as readonly string[]).includes(value)
}

/** The suites a run takes, in run order: all of them without `--only`. */
export function suitesFor (only: Only | null): Suite[] {
  if (only === null) return [...SUITES]
  if (only === 'net') return [...NET_SUITES]
  return [only]
}

export function isFoundationSuite (suite: Suite): suite is FoundationSuite {
  return (FOUNDATION_SUITES as readonly string[]).includes(suite)
}

export function isNetSuite (suite: Suite): suite is NetSuite {
  return (NET_SUITES as readonly string[]).includes(suite)
}

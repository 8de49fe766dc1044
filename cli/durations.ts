/**
 * Durations on the command line: seconds, as people type them
 * (`--dial-timeout 20`, `--dial-timeout 0.5`).
 *
 * @module
 */
import { InvalidArgumentError } from 'commander'

/** The longest duration accepted: setTimeout's limit (about 24.8 days). */
const MAX_MS = 2 ** 31 - 1

/** Commander argument parser: positive seconds to milliseconds. */
export function parseSeconds (value: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN
  const ms = Math.round(seconds * 1000)
  if (!Number.isFinite(ms) || ms <= 0 || ms > MAX_MS) {
    throw new InvalidArgumentError('expected a positive number of seconds, such as 20 or 0.5')
  }
  return ms
}

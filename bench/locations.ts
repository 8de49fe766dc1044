/**
 * Where the benchmark reads and writes by default. The bench runs from its
 * TypeScript sources (`bench/*.ts`) and, for the `glueberry bench` command,
 * compiled (`dist/bench/*.js`); both must find the same repository root, so
 * results land in `<root>/bench/results` either way, never under dist/.
 *
 * @module
 */
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root, given the directory of a module in bench/ (or dist/bench/). */
export function rootFrom (benchDir: string): string {
  const parent = dirname(benchDir)
  return basename(parent) === 'dist' ? dirname(parent) : parent
}

const ROOT = rootFrom(dirname(fileURLToPath(import.meta.url)))

/** Default directory of a full run's results (trial runs go to its tmp/). */
export const RESULTS_DIR = join(ROOT, 'bench', 'results')

/** The README whose generated benchmark section bench/update-readme.ts rewrites. */
export const README_PATH = join(ROOT, 'README.md')

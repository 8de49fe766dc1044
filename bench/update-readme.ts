/**
 * Rewrites the benchmark section of README.md (between `<!-- bench:start -->`
 * and `<!-- bench:end -->`) from bench/results/latest.json, with the chart
 * bench/results/latest.svg. Everything outside the markers is left as it is;
 * a README without the markers is an error, never rewritten by guesswork.
 *
 *   npm run bench:readme
 *   node --import ./bench/register.js bench/update-readme.ts [--readme <file>] [--results <dir>]
 *
 * @module
 */
import { access, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { README_PATH, RESULTS_DIR } from './locations.js'
import { renderReadmeSection, replaceBetweenMarkers } from './net/readme.js'
import { parseLatest } from './net/report.js'
import type { LatestDocument } from './net/report.js'

export interface UpdateReadmeOptions {
  /** The README to rewrite. Default: the repository's README.md. */
  readme: string
  /** Directory holding latest.json, latest.md and latest.svg. Default: bench/results. */
  results: string
}

export interface UpdateReadmeOutcome {
  /** False when the section was already up to date (the file is not rewritten). */
  changed: boolean
  /** The run the section was made from was a --quick run. */
  quick: boolean
}

const USAGE = 'usage: node --import ./bench/register.js bench/update-readme.ts [--readme <file>] [--results <dir>]'

export function parseArgs (argv: readonly string[]): UpdateReadmeOptions {
  const options: UpdateReadmeOptions = { readme: README_PATH, results: RESULTS_DIR }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split('=', 2) : [arg, undefined]
    if (flag !== '--readme' && flag !== '--results') throw new Error(`unknown argument ${arg}\n${USAGE}`)
    const value = inline ?? argv[++i]
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`)
    if (flag === '--readme') options.readme = value
    else options.results = value
  }
  return options
}

/** A link from the README's directory to `file`, with forward slashes as Markdown wants on every OS. */
function linkFrom (readme: string, file: string): string {
  return relative(dirname(readme), file).split(sep).join('/')
}

async function exists (file: string): Promise<boolean> {
  try {
    await access(file)
    return true
  } catch {
    return false
  }
}

export async function updateReadme (options: UpdateReadmeOptions): Promise<UpdateReadmeOutcome> {
  const jsonFile = join(options.results, 'latest.json')
  let json: string
  try {
    json = await readFile(jsonFile, 'utf8')
  } catch (err) {
    throw new Error(`cannot read ${jsonFile} (run \`npm run bench\` first): ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  let doc: LatestDocument
  try {
    doc = parseLatest(json)
  } catch (err) {
    throw new Error(`${jsonFile}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  const svg = join(options.results, 'latest.svg')
  const section = renderReadmeSection(doc, {
    ...(await exists(svg) ? { chart: linkFrom(options.readme, svg) } : {}),
    report: linkFrom(options.readme, join(options.results, 'latest.md'))
  })
  const before = await readFile(options.readme, 'utf8')
  let after: string
  try {
    after = replaceBetweenMarkers(before, section)
  } catch (err) {
    throw new Error(`${options.readme}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  if (after !== before) await writeFile(options.readme, after)
  return { changed: after !== before, quick: doc.run.quick }
}

/** Runs the script; returns the exit code. */
export async function main (argv: readonly string[]): Promise<number> {
  const log = (line: string): void => { process.stderr.write(`${line}\n`) }
  let options: UpdateReadmeOptions
  try {
    options = parseArgs(argv)
  } catch (err) {
    log(err instanceof Error ? err.message : String(err))
    return 2
  }
  try {
    const outcome = await updateReadme(options)
    if (outcome.quick) log('warning: latest.json comes from a --quick run; its figures are not for comparison')
    log(outcome.changed ? `updated the benchmark section of ${options.readme}` : `${options.readme} is up to date`)
    return 0
  } catch (err) {
    log(err instanceof Error ? err.message : String(err))
    return 1
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  })
}

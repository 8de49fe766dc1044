/**
 * `glueberry bench [args...]`: runs the benchmark suite (bench/run.ts) with
 * the arguments as they are (--quick, --only <suite>, --out <dir>). Results
 * go where the suite puts them (bench/results next to the suite) unless
 * --out says otherwise.
 *
 * The suite is loaded only when asked for: it is large, and `listen` or
 * `dial` should not pay for it at startup.
 *
 * @module
 */
import { CliError, ExitCode } from '../errors.js'

/** The suite's entry point: runs with the given arguments, resolves to an exit code. */
type BenchMain = (argv: readonly string[]) => Promise<number>

export async function bench (args: readonly string[]): Promise<number> {
  let suite: { main?: BenchMain }
  try {
    suite = await import('../../bench/run.js')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new CliError(ExitCode.Failure,
        'the benchmark suite is not available here: run it from a clone of the repository after npm ci', { cause: err })
    }
    throw err
  }
  if (typeof suite.main !== 'function') {
    throw new CliError(ExitCode.Failure, 'this build of the benchmark suite has no main() entry point')
  }
  return await suite.main(args)
}

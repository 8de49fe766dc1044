/**
 * `glueberry keygen`: creates an identity file (mode 0600, written
 * atomically) and prints its peer id on stdout, so scripts can capture it:
 * `PEER=$(glueberry keygen --out alice.json)`. The key is never printed.
 *
 * @module
 */
import { DEFAULT_IDENTITY_FILE, generateIdentity, writeIdentityFile } from '../identity-file.js'
import { status } from '../io.js'
import type { CliIO } from '../io.js'
import { ExitCode } from '../errors.js'

export interface KeygenOptions {
  /** Default ./glueberry-identity.json. */
  readonly out?: string
  /** Replace an existing file (its identity is lost). */
  readonly force?: boolean
}

export async function keygen (options: KeygenOptions, io: CliIO): Promise<number> {
  const path = options.out ?? DEFAULT_IDENTITY_FILE
  const identity = await generateIdentity()
  await writeIdentityFile(path, identity.privateKey, { force: options.force ?? false })
  status(io, `wrote a new identity to ${path} (mode 0600)`)
  io.stdout.write(`${identity.peerId}\n`)
  return ExitCode.Ok
}

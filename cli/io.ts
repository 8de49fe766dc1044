/**
 * The three standard streams a command works with, passed in rather than
 * taken from `process`, so tests can run commands in-process with
 * PassThrough streams. stdout carries the user's data and nothing else;
 * status, warnings and errors go to stderr.
 *
 * @module
 */
import type { Readable, Writable } from 'node:stream'

export interface CliIO {
  readonly stdin: Readable
  readonly stdout: Writable
  readonly stderr: Writable
}

export function processIO (): CliIO {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }
}

/** One status line on stderr. Never pass key material or message data here. */
export function status (io: CliIO, line: string): void {
  io.stderr.write(`${line}\n`)
}

export function warn (io: CliIO, line: string): void {
  io.stderr.write(`warning: ${line}\n`)
}

/**
 * Resolves once everything written to `stream` so far has been handed to
 * the OS (an empty write's callback runs after every earlier write). A
 * destroyed or ended stream has nothing more to flush.
 */
export async function flushed (stream: Writable): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return
  await new Promise<void>((resolve) => {
    stream.write('', () => { resolve() })
  })
}

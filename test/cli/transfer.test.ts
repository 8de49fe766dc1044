/**
 * The CLI keeps its word (issue 9, item 6), with `listen` and `dial` as real
 * child processes: a two-way transfer is byte for byte both ways, and a
 * transfer cut short (either side killed or interrupted) makes the side that
 * got less exit non-zero, naming the cause.
 */
import { randomBytes } from 'node:crypto'
import { ExitCode } from '../../cli/errors.js'
import { CHILD_MS, isMultiaddrLine, killAll, spawnCli, waitFor } from './helpers.js'
import type { CliChild } from './helpers.js'

afterEach(async () => { await killAll() })

const MiB = 1024 * 1024

/** A listener and a dialler connected to it; `listenArgs` go to `listen`. */
async function pair (listenArgs: string[] = [], dialArgs: string[] = []): Promise<{ listen: CliChild, dial: CliChild }> {
  const listen = spawnCli(['listen', ...listenArgs])
  const address = await listen.stderrLine(isMultiaddrLine)
  const dial = spawnCli(['dial', address, ...dialArgs])
  await Promise.all([listen, dial].map(async c => await c.stderrLine(l => l.startsWith('connected to '))))
  return { listen, dial }
}

function diagnostics (...children: CliChild[]): string {
  return children.map((c, i) => `\nchild ${i} stderr:\n${c.stderr()}`).join('')
}

/**
 * Writes random data to `child`'s stdin until `stop()` (keeping it open):
 * a sender with more to send when it is cut off.
 */
function pump (child: CliChild): { stop: () => void } {
  let running = true
  const next = (): void => {
    if (!running || child.process.stdin.destroyed) return
    if (child.process.stdin.write(randomBytes(64 * 1024))) setImmediate(next)
    else child.process.stdin.once('drain', next)
  }
  next()
  return { stop: () => { running = false } }
}

describe('glueberry listen | dial: two-way transfers', () => {
  it('5 MiB each way at once: byte for byte both ways, both exit 0', async () => {
    const { listen, dial } = await pair()
    const toListener = randomBytes(5 * MiB)
    const toDialler = randomBytes(5 * MiB)
    dial.process.stdin.end(toListener)
    listen.process.stdin.end(toDialler)
    const exits = await Promise.all([listen.exited, dial.exited])
    expect({ exits, why: diagnostics(listen, dial) }).toEqual({
      exits: [{ code: 0, signal: null }, { code: 0, signal: null }], why: diagnostics(listen, dial)
    })
    expect(listen.stdout().length).toBe(toListener.length)
    expect(dial.stdout().length).toBe(toDialler.length)
    expect(listen.stdout().equals(toListener)).toBe(true)
    expect(dial.stdout().equals(toDialler)).toBe(true)
    expect(listen.stderr()).toContain(`done: sent ${5 * MiB} bytes, received ${5 * MiB} bytes\n`)
    expect(dial.stderr()).toContain(`done: sent ${5 * MiB} bytes, received ${5 * MiB} bytes\n`)
  }, CHILD_MS * 4)
})

describe('a transfer cut short', () => {
  it.each(['SIGKILL', 'SIGINT'] as const)('sender %s mid-transfer: the receiver exits 9 with the truncation named', async (signal) => {
    const { listen, dial } = await pair(['--receive-only'])
    listen.process.stdin.end()
    const first = randomBytes(MiB)
    dial.process.stdin.write(first) // and more would follow: stdin stays open
    await waitFor(() => listen.stdout().length === first.length, CHILD_MS, 'the first MiB at the receiver')
    dial.process.kill(signal)
    const [listenExit, dialExit] = await Promise.all([listen.exited, dial.exited])
    expect({ code: listenExit.code, why: diagnostics(listen, dial) }).toEqual({ code: ExitCode.Truncated, why: diagnostics(listen, dial) })
    if (signal === 'SIGINT') expect(dialExit.code).toBe(ExitCode.Interrupted)
    expect(listen.stdout().equals(first)).toBe(true)
    expect(listen.stderr()).toMatch(/^error: .+ before the end of its data: the output is incomplete \(sent 0 bytes, received 1048576 bytes\)$/m)
    expect(listen.stderr()).not.toContain('done:')
  }, CHILD_MS * 4)

  it('receiver SIGKILLed while the sender is sending: the sender exits 10, naming the lost stream', async () => {
    const { listen, dial } = await pair(['--receive-only'])
    listen.process.stdin.end()
    const writer = pump(dial)
    await waitFor(() => listen.stdout().length >= MiB, CHILD_MS, 'a MiB at the receiver')
    listen.process.kill('SIGKILL')
    const dialExit = await dial.exited
    writer.stop()
    expect({ code: dialExit.code, why: diagnostics(listen, dial) }).toEqual({ code: ExitCode.Undelivered, why: diagnostics(listen, dial) })
    expect(dial.stderr()).toMatch(/^error: the (peer reset the stream|peer disconnected|connection was lost|stream closed)\b.* before confirming it received our data; it may not have received everything \(sent \d+ bytes, received 0 bytes\)$/m)
    expect(dial.stderr()).not.toContain('--stream')
  }, CHILD_MS * 4)

  it('receiver interrupted (Ctrl-C) while the sender is sending: not a --stream mismatch, but a reset or a disconnect', async () => {
    // The receiver's stdin stays open (a terminal where nothing was typed):
    // the sender has never heard anything from it on the stream.
    const { listen, dial } = await pair()
    const writer = pump(dial)
    await waitFor(() => listen.stdout().length >= MiB, CHILD_MS, 'a MiB at the receiver')
    listen.process.kill('SIGINT')
    const [listenExit, dialExit] = await Promise.all([listen.exited, dial.exited])
    writer.stop()
    expect(listenExit.code).toBe(ExitCode.Interrupted)
    expect({ code: dialExit.code, why: diagnostics(listen, dial) }).toEqual({ code: ExitCode.Truncated, why: diagnostics(listen, dial) })
    expect(dial.stderr()).toMatch(/^error: the (peer reset the stream|peer disconnected|connection was lost|stream closed)\b.* before the end of its data: the output is incomplete, and our data was not confirmed \(sent \d+ bytes, received 0 bytes\)$/m)
    expect(dial.stderr()).not.toContain('most likely')
  }, CHILD_MS * 4)
})

/**
 * `listen` and `dial` run in-process against each other (real nodes on
 * 127.0.0.1), with in-memory stdin/stdout: the end-of-data exchange, both
 * directions, backpressure from a slow stdout, and one session per listener.
 */
import { randomBytes } from 'node:crypto'
import { filter } from 'rxjs'
import { ConnectionState, standardHandshake } from '../../lib/index.js'
import { dial } from '../../cli/commands/dial.js'
import { runCli } from '../../cli/main.js'
import { CliError, ExitCode, reportError } from '../../cli/errors.js'
import { startNode, stopAll } from '../helpers/nodes.js'
import { isMultiaddrLine, memoryIO, waitFor } from './helpers.js'
import type { MemoryIO } from './helpers.js'

interface Running {
  readonly io: MemoryIO
  readonly exit: Promise<number>
}

async function listener (args: string[] = [], io = memoryIO(), signal?: AbortSignal): Promise<Running & { address: string }> {
  const exit = runCli(['listen', ...args], io, signal)
  const address = await Promise.race([
    io.stderr.line(isMultiaddrLine),
    exit.then(code => { throw new Error(`listen exited ${code}: ${io.stderr.text()}`) })
  ])
  return { io, exit, address }
}

function dialler (address: string, args: string[] = [], io = memoryIO()): Running {
  return { io, exit: runCli(['dial', address, ...args], io) }
}

async function connected (running: Running): Promise<void> {
  await running.io.stderr.line(l => l.startsWith('connected to '))
}

afterEach(async () => { await stopAll() })

describe('listen and dial, in one process', () => {
  it('both inputs end at the same moment: every byte arrives both ways and both exit 0', async () => {
    const l = await listener()
    const d = dialler(l.address)
    await Promise.all([connected(l), connected(d)])
    const toListener = Buffer.concat([randomBytes(300 * 1024), Buffer.from('last line from the dialler\n')])
    const toDialler = Buffer.concat([randomBytes(150 * 1024), Buffer.from('last line from the listener\n')])
    // Written and ended in the same tick: the ENDs cross on the wire.
    d.io.stdin.end(toListener)
    l.io.stdin.end(toDialler)
    expect(await Promise.all([l.exit, d.exit])).toEqual([ExitCode.Ok, ExitCode.Ok])
    expect(l.io.stdout.bytes().equals(toListener)).toBe(true)
    expect(d.io.stdout.bytes().equals(toDialler)).toBe(true)
    expect(l.io.stderr.text()).toContain(`done: sent ${toDialler.length} bytes, received ${toListener.length} bytes\n`)
    expect(d.io.stderr.text()).toContain(`done: sent ${toListener.length} bytes, received ${toDialler.length} bytes\n`)
  })

  it('input waiting before the session starts is delivered both ways, none of it lost to the handshake', async () => {
    // Each side writes as soon as it is Established, possibly before the
    // other side's own Established event: the first bytes must still arrive.
    const toListener = randomBytes(100 * 1024)
    const toDialler = randomBytes(100 * 1024)
    const lio = memoryIO()
    lio.stdin.write(toDialler)
    const l = await listener([], lio)
    const dio = memoryIO()
    dio.stdin.write(toListener)
    const d = dialler(l.address, [], dio)
    await waitFor(() => l.io.stdout.bytes().length === toListener.length && d.io.stdout.bytes().length === toDialler.length,
      10_000, 'both inputs to arrive')
    l.io.stdin.end()
    d.io.stdin.end()
    expect(await Promise.all([l.exit, d.exit])).toEqual([ExitCode.Ok, ExitCode.Ok])
    expect(l.io.stdout.bytes().equals(toListener)).toBe(true)
    expect(d.io.stdout.bytes().equals(toDialler)).toBe(true)
  })

  it('a slow stdout pauses the sender and loses nothing', async () => {
    const l = await listener([], memoryIO({ stdoutDelayMs: 2 }))
    const d = dialler(l.address)
    await connected(d)
    const data = randomBytes(1024 * 1024)
    d.io.stdin.end(data)
    l.io.stdin.end() // each direction ends on its own
    expect(await d.exit).toBe(ExitCode.Ok)
    expect(await l.exit).toBe(ExitCode.Ok)
    expect(l.io.stdout.bytes().equals(data)).toBe(true)
  })

  it.each([['--receive-only', ['--receive-only']], ['no flag', []]])('a listener with nothing to send (%s, stdin at its end) takes the whole input, then both exit 0', async (_name: string, args: string[]) => {
    const lio = memoryIO()
    lio.stdin.end() // like </dev/null: its END goes at once, and only ends its own direction
    const l = await listener(args, lio)
    const d = dialler(l.address)
    const data = randomBytes(200 * 1024)
    d.io.stdin.end(data)
    expect(await Promise.all([l.exit, d.exit])).toEqual([ExitCode.Ok, ExitCode.Ok])
    expect(l.io.stdout.bytes().equals(data)).toBe(true)
    expect(d.io.stdout.bytes().length).toBe(0)
  })

  it('one session per listener: a second dialler is refused during the handshake', async () => {
    const l = await listener()
    const first = dialler(l.address)
    await Promise.all([connected(l), connected(first)])
    const second = dialler(l.address)
    expect(await second.exit).toBe(ExitCode.Handshake)
    expect(second.io.stderr.text()).toContain('the listener closed the connection during the handshake')
    expect(l.io.stderr.text()).toContain('warning: refused ')
    first.io.stdin.end(Buffer.from('still here\n'))
    l.io.stdin.end()
    expect(await Promise.all([l.exit, first.exit])).toEqual([ExitCode.Ok, ExitCode.Ok])
    expect(l.io.stdout.text()).toBe('still here\n')
  })

  it('an interrupted listener exits 130; its peer, cut off before the end of the data, exits 9 and says so', async () => {
    const controller = new AbortController()
    const l = await listener([], memoryIO(), controller.signal)
    const d = dialler(l.address)
    await Promise.all([connected(l), connected(d)])
    d.io.stdin.write('partial')
    await waitFor(() => l.io.stdout.text() === 'partial', 5000, 'the partial input')
    controller.abort(new CliError(ExitCode.Interrupted, 'interrupted (SIGINT)'))
    expect(await l.exit).toBe(ExitCode.Interrupted)
    expect(l.io.stderr.text()).toContain('error: interrupted (SIGINT)\n')
    expect(await d.exit).toBe(ExitCode.Truncated)
    expect(d.io.stderr.text()).toMatch(/^error: the .+ before the end of its data: the output is incomplete, and our data was not confirmed \(sent 7 bytes, received 0 bytes\)$/m)
    expect(d.io.stderr.text()).not.toContain('done:')
  })

  it('half-close: one side ends, the other goes on sending after the END, then ends; everything arrives', async () => {
    const l = await listener()
    const d = dialler(l.address)
    await Promise.all([connected(l), connected(d)])
    d.io.stdin.end(Buffer.from('short\n'))
    await waitFor(() => l.io.stdout.text() === 'short\n', 10_000, 'the dialler\'s input')
    // The listener has the dialler's END by now (it follows the data); its
    // own stdin is still read.
    const later = randomBytes(256 * 1024)
    l.io.stdin.write(later.subarray(0, 1000))
    await waitFor(() => d.io.stdout.bytes().length === 1000, 10_000, 'the first part after the END')
    l.io.stdin.end(later.subarray(1000))
    expect(await Promise.all([l.exit, d.exit])).toEqual([ExitCode.Ok, ExitCode.Ok])
    expect(d.io.stdout.bytes().equals(later)).toBe(true)
    expect(l.io.stderr.text()).toContain(`done: sent ${later.length} bytes, received 6 bytes\n`)
  })

  it('a peer on another --stream: exit 6, the stream named (no stream of that name ever opened)', async () => {
    const controller = new AbortController()
    const l = await listener(['--stream', 'alpha'], memoryIO(), controller.signal)
    const d = dialler(l.address, ['--stream', 'beta'])
    d.io.stdin.end(Buffer.from('to nobody\n'))
    const code = await d.exit
    controller.abort(new CliError(ExitCode.Interrupted, 'interrupted (SIGINT)'))
    await l.exit
    expect({ code, stderr: d.io.stderr.text() }).toEqual({ code: ExitCode.Handshake, stderr: expect.stringContaining('most likely the peer does not use --stream beta') as unknown })
  }, 40_000)

  it('--verbose: the listener\'s first stderr line is still its address, the library\'s log lines after it', async () => {
    const controller = new AbortController()
    const io = memoryIO()
    const exit = runCli(['--verbose', 'listen'], io, controller.signal)
    await io.stderr.line(isMultiaddrLine)
    await io.stderr.line(l => l.startsWith('[info] node started'))
    controller.abort(new CliError(ExitCode.Interrupted, 'interrupted (SIGINT)'))
    expect(await exit).toBe(ExitCode.Interrupted)
    expect(isMultiaddrLine(io.stderr.text().split('\n')[0] ?? '')).toBe(true)
  })

  it('a glueberry application as the peer: bytes and empty END/ACK messages are the whole convention', async () => {
    const app = await startNode({ handshake: standardHandshake({ streams: ['stdio'] }) })
    const received: Uint8Array[] = []
    app.messages$.pipe(filter(m => m.stream === 'stdio')).subscribe((m) => {
      received.push(m.data)
      // The CLI's END: answer with data, our END and our ACK.
      if (m.data.length === 0 && received.filter(d => d.length === 0).length === 1) {
        void (async () => {
          await app.send(m.peerId, 'stdio', Buffer.from('reply from the app\n'))
          await app.send(m.peerId, 'stdio', new Uint8Array(0))
          await app.send(m.peerId, 'stdio', new Uint8Array(0))
        })()
      }
    })
    const io = memoryIO()
    io.stdin.end(Buffer.from('to the app\n'))
    expect(await dial(app.multiaddrs[0] ?? '', {}, io)).toBe(ExitCode.Ok)
    expect(io.stdout.text()).toBe('reply from the app\n')
    // The CLI's ACK was written out by its node's stop(); it reaches the app a moment later.
    await waitFor(() => received.length === 3, 5000, 'the ACK at the app')
    expect(received.map(d => Buffer.from(d).toString())).toEqual(['to the app\n', '', ''])
  })

  it('a peer that ends its data but never confirms ours: exit 8 after the linger time', async () => {
    const app = await startNode({ handshake: standardHandshake({ streams: ['stdio'] }) })
    // Its END (an empty message) once the CLI is Established with it, and never an ACK.
    app.events$.pipe(filter(e => e.state === ConnectionState.Established)).subscribe((e) => {
      app.send(e.peerId, 'stdio', new Uint8Array(0)).catch(() => {})
    })
    const io = memoryIO()
    io.stdin.end(Buffer.from('into the void\n'))
    const code = await dial(app.multiaddrs[0] ?? '', { lingerMs: 300 }, io).catch(err => reportError(err, io, false))
    expect(code).toBe(ExitCode.Unconfirmed)
    expect(io.stderr.text()).toContain('error: the peer did not confirm the end of the data within 0 s')
  })
})

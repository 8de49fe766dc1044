import net from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { standardHandshake } from '../../lib/index.js'
import { runCli } from '../../cli/main.js'
import { ExitCode, toCliError } from '../../cli/errors.js'
import { ErrorCode, GlueberryError } from '../../lib/index.js'
import { startNode, stopAll } from '../helpers/nodes.js'
import { closedPort, memoryIO } from './helpers.js'

afterEach(async () => { await stopAll() })

async function somePeerId (): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
}

/** Runs the CLI in-process; stderr must be exactly one `error:` line (no stack trace). */
async function failing (argv: string[]): Promise<{ code: number, message: string, ms: number }> {
  const io = memoryIO()
  const started = performance.now()
  const code = await runCli(argv, io)
  const ms = performance.now() - started
  const lines = io.stderr.text().split('\n').filter(l => l.startsWith('error: '))
  expect(lines).toHaveLength(1)
  expect(io.stderr.text()).not.toMatch(/^\s+at /m)
  expect(io.stdout.text()).toBe('')
  return { code, message: lines[0] ?? '', ms }
}

describe('bad multiaddrs and arguments', () => {
  it('garbage is not a multiaddr', async () => {
    const { code, message } = await failing(['dial', 'garbage'])
    expect(code).toBe(ExitCode.Multiaddr)
    expect(message).toBe('error: bad multiaddr "garbage": not a multiaddr (expected e.g. /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...)')
  })

  it('a multiaddr without /p2p/<peer id>', async () => {
    const { code, message } = await failing(['dial', '/ip4/127.0.0.1/tcp/4001'])
    expect(code).toBe(ExitCode.Multiaddr)
    expect(message).toBe('error: bad multiaddr "/ip4/127.0.0.1/tcp/4001": no /p2p/<peer id> part (copy the full address `glueberry listen` prints)')
  })

  it('a /p2p/ part that is not a peer id, and a peer id with no address', async () => {
    const bad = await failing(['dial', '/ip4/127.0.0.1/tcp/4001/p2p/nonsense'])
    expect(bad.code).toBe(ExitCode.Multiaddr)
    expect(bad.message).toMatch(/^error: bad multiaddr "\/ip4\/127\.0\.0\.1\/tcp\/4001\/p2p\/nonsense": /)
    const peer = await somePeerId()
    const bare = await failing(['dial', `/p2p/${peer}`])
    expect(bare.code).toBe(ExitCode.Multiaddr)
    expect(bare.message).toContain('no address before /p2p/')
  })

  it('a bad --listen address, a bad --stream name, and command-line mistakes', async () => {
    expect((await failing(['listen', '--listen', 'garbage'])).code).toBe(ExitCode.Multiaddr)
    const stream = await failing(['listen', '--stream', 'no spaces'])
    expect(stream.code).toBe(ExitCode.Usage)
    expect(stream.message).toMatch(/^error: invalid --stream name: /)
    const io = memoryIO()
    expect(await runCli(['dial'], io)).toBe(ExitCode.Usage)
    expect(io.stderr.text()).toContain("error: missing required argument 'multiaddr'")
    expect(await runCli(['listen', '--frobnicate'], memoryIO())).toBe(ExitCode.Usage)
  })

  it('--verbose adds the causes, with their stacks', async () => {
    const io = memoryIO()
    expect(await runCli(['--verbose', 'dial', 'garbage'], io)).toBe(ExitCode.Multiaddr)
    expect(io.stderr.text()).toMatch(/^error: bad multiaddr "garbage"/)
    expect(io.stderr.text()).toMatch(/caused by: .*\n\s+at /)
  })
})

describe('a listener that cannot listen', () => {
  it('an address in use: one line naming the address, no libp2p stack in the message', async () => {
    const server = net.createServer()
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    try {
      const { port } = server.address() as net.AddressInfo
      const { code, message } = await failing(['listen', '--listen', `/ip4/127.0.0.1/tcp/${port}`])
      expect(code).toBe(ExitCode.Failure)
      expect(message).toBe(`error: cannot listen on /ip4/127.0.0.1/tcp/${port}: address already in use`)
    } finally {
      server.close()
    }
  })
})

describe('failed dials', () => {
  it('a closed 127.0.0.1 port is reported as refused within seconds, without retrying', async () => {
    const port = await closedPort()
    const { code, message, ms } = await failing(['dial', `/ip4/127.0.0.1/tcp/${port}/p2p/${await somePeerId()}`])
    expect(code).toBe(ExitCode.Connection)
    expect(message).toBe(`error: connection refused by /ip4/127.0.0.1/tcp/${port} (is a glueberry listener running there?)`)
    expect(ms).toBeLessThan(5000)
  })

  it('--dial-timeout means what it says: a host that accepts and never answers is given up after 8 s, not libp2p\'s 6 s per address', async () => {
    // A black hole: TCP connects, then silence (Noise never gets an answer).
    const held: net.Socket[] = []
    const server = net.createServer((socket) => {
      socket.on('error', () => {})
      held.push(socket)
    })
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    try {
      const { port } = server.address() as net.AddressInfo
      const io = memoryIO()
      const exit = runCli(['dial', '--dial-timeout', '8', `/ip4/127.0.0.1/tcp/${port}/p2p/${await somePeerId()}`], io)
      // Timed from the dial's start, not from the node's.
      await io.stderr.line(l => l.startsWith('dialling '), 20_000)
      const started = performance.now()
      const code = await exit
      const ms = performance.now() - started
      expect(code).toBe(ExitCode.Connection)
      expect(io.stderr.text()).toContain(`error: connecting to /ip4/127.0.0.1/tcp/${port} timed out after 8 s\n`)
      expect(ms).toBeGreaterThanOrEqual(7500)
      expect(ms).toBeLessThan(14_000) // generous: a loaded machine stops the node late
    } finally {
      for (const socket of held) socket.destroy()
      server.close()
    }
  }, 30_000)

  it('--dial-timeout takes positive seconds', async () => {
    for (const bad of ['0', '-1', 'soon', '1e3']) {
      const io = memoryIO()
      expect(await runCli(['dial', '--dial-timeout', bad, '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWRBqW9ubcHFA1JQ9LuZejY3w5yRNsgLkgKQZ9YUrK8vh9'], io)).toBe(ExitCode.Usage)
      expect(io.stderr.text()).toContain('expected a positive number of seconds')
    }
  })

  it('a listener whose peer id is not the one in the multiaddr: peer id mismatch', async () => {
    const node = await startNode({ handshake: standardHandshake({ streams: ['stdio'] }) })
    const address = node.multiaddrs[0]?.replace(/\/p2p\/.*$/, '') ?? ''
    const claimed = await somePeerId()
    const { code, message } = await failing(['dial', `${address}/p2p/${claimed}`])
    expect(code).toBe(ExitCode.PeerIdMismatch)
    expect(message).toBe(`error: peer id mismatch: dialled ${claimed} but the node at that address is ${node.peerId}`)
  })

  it('a listener speaking a newer protocol version: handshake failure', async () => {
    // A newer minor: only the older side (the dialler) refuses, so the failure is ours to report.
    const node = await startNode({ handshake: standardHandshake({ streams: ['stdio'], version: { major: 2, minor: 1, patch: 0 } }) })
    const { code, message } = await failing(['dial', node.multiaddrs[0] ?? ''])
    expect(code).toBe(ExitCode.Handshake)
    expect(message).toMatch(new RegExp(`^error: handshake with ${node.peerId} failed: peer speaks protocol 2\\.1\\.0, incompatible with ours 2\\.0\\.0`))
  })
})

describe('the error table', () => {
  it('maps every library code to an exit code and a one-line message', () => {
    for (const code of Object.values(ErrorCode)) {
      const error = toCliError(new GlueberryError(code, `something about ${code}`, { peer: 'P', stream: 's' }))
      expect(Object.values(ExitCode)).toContain(error.exitCode)
      expect(error.message).not.toContain('\n')
      expect(error.message.length).toBeGreaterThan(0)
    }
  })
})

/**
 * The NestJS example (examples/nestjs), built and run the way a Nest
 * application is: compiled by tsc to CommonJS with legacy decorators, then
 * run by plain Node, which require()s the ESM-only glueberry and @nestjs/*
 * packages. The check script inside the example boots two application
 * contexts and reports what reached the handlers; this test asserts on it.
 */
import { execFile } from 'node:child_process'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { ROOT, ensureBuilt } from '../helpers/build.js'

const run = promisify(execFile)
const EXAMPLE = path.join(ROOT, 'examples/nestjs')
// Per run, so concurrent runs never execute each other's half-written output (dist/ is ignored by git).
const OUT = path.join(EXAMPLE, 'dist', `jest-${process.pid}`)
// Jest runs with --experimental-vm-modules; the example must run in a plain Node.
const env = { ...process.env, NODE_OPTIONS: '' }

async function node (script: string): Promise<string> {
  const { stdout } = await run(process.execPath, [script], { cwd: ROOT, env, timeout: 30_000 })
  return stdout
}

interface Failure {
  rejected: boolean
  isGlueberryError?: boolean
  instanceOfGlueberryError?: boolean
  code?: string
  retriable?: boolean
  peer?: string
  stream?: string
}

interface Findings {
  startedAfterBoot: string[]
  mapping: Record<string, string[]>
  established: { aliceOutbound: boolean, bobOutbound: boolean }
  sendResult: { toBob: boolean, stream: string, bytes: number }
  received: { fromAlice: boolean, stream: string, sameBytes: boolean }
  unknownPeer: Failure
  unpreparedStream: Failure
  aliceBus: string[]
  bobSawAliceLeave: boolean
  bobBus: string[]
  stopped: {
    status: string[]
    eventsCompleted: boolean[]
    messagesCompleted: boolean[]
    bridgeAttached: boolean[]
    sendAfterClose: Failure
  }
}

describe('examples/nestjs', () => {
  beforeAll(async () => {
    await ensureBuilt()
    // node_modules/glueberry for the example's own package scope (see link-glueberry.mjs).
    await run(process.execPath, [path.join(EXAMPLE, 'link-glueberry.mjs')], { cwd: ROOT, env })
    await run('npx', ['tsc', '-p', path.join(EXAMPLE, 'tsconfig.json'), '--outDir', OUT], { cwd: ROOT, env })
  }, 180_000)

  afterAll(async () => {
    await rm(OUT, { recursive: true, force: true })
  })

  it('publishes connection events and messages on the EventBus, sends through the CommandBus, stops the nodes on close', async () => {
    const stdout = await node(path.join(OUT, 'test/check.js'))
    const findings = JSON.parse(stdout.trim().split('\n').at(-1) as string) as Findings

    // The node starts during bootstrap, so createApplicationContext() resolves with it started.
    expect(findings.startedAfterBoot).toEqual(['started', 'started'])

    // PeerEstablishedEvent reached the @EventsHandler on both sides, with the direction.
    expect(findings.established).toEqual({ aliceOutbound: true, bobOutbound: false })
    expect(findings.aliceBus).toEqual([
      'PeerStateChangedEvent:Connecting', 'PeerStateChangedEvent:Connected',
      'PeerStateChangedEvent:Established', 'PeerEstablishedEvent'
    ])

    // SendMessageCommand through the CommandBus arrives as bob's MessageReceivedEvent.
    expect(findings.sendResult).toEqual({ toBob: true, stream: 'messages', bytes: 23 })
    expect(findings.received).toEqual({ fromAlice: true, stream: 'messages', sameBytes: true })

    // Failures come back through the bus as the library's own typed errors.
    expect(findings.unknownPeer).toMatchObject({
      rejected: true, isGlueberryError: true, instanceOfGlueberryError: true, code: 'NOT_CONNECTED', retriable: true, stream: 'messages'
    })
    expect(findings.unpreparedStream).toMatchObject({ rejected: true, isGlueberryError: true, code: 'STREAM_NOT_PREPARED', stream: 'not-prepared' })

    // Alice closing is a PeerDisconnectedEvent at bob's handler; the handshake stream never surfaces as a message.
    expect(findings.bobSawAliceLeave).toBe(true)
    // Bob prepares his streams one handshake step before he finalizes, so alice's
    // message may be read before or after his Established: only that order is free.
    expect([...findings.bobBus].sort()).toEqual([
      'MessageReceivedEvent', 'PeerDisconnectedEvent', 'PeerEstablishedEvent',
      'PeerStateChangedEvent:Connected', 'PeerStateChangedEvent:Disconnected', 'PeerStateChangedEvent:Established'
    ])
    expect(findings.bobBus.filter(name => name !== 'MessageReceivedEvent')).toEqual([
      'PeerStateChangedEvent:Connected', 'PeerStateChangedEvent:Established', 'PeerEstablishedEvent',
      'PeerStateChangedEvent:Disconnected', 'PeerDisconnectedEvent'
    ])

    // The pure mapping of the transitions a healthy run does not produce.
    expect(findings.mapping).toEqual({
      'Connected->Cooldown': ['PeerStateChangedEvent', 'PeerDisconnectedEvent'],
      'Connecting->Disconnected(error)': ['PeerStateChangedEvent', 'PeerConnectionFailedEvent'],
      'Established->Disconnected': ['PeerStateChangedEvent', 'PeerDisconnectedEvent'],
      'Disconnected->Reconnecting': ['PeerStateChangedEvent']
    })

    // app.close() stopped both nodes: their Observables completed, the bridge let go.
    expect(findings.stopped).toMatchObject({
      status: ['stopped', 'stopped'],
      eventsCompleted: [true, true],
      messagesCompleted: [true, true],
      bridgeAttached: [false, false],
      sendAfterClose: { rejected: true, code: 'NODE_STOPPED' }
    })
  }, 40_000)

  it('runs main.ts to the end without printing message content', async () => {
    const stdout = await node(path.join(OUT, 'src/main.js'))
    expect(stdout).toContain('established (outbound)')
    expect(stdout).toContain("bob's inbox holds 3 messages")
    expect(stdout).toContain('failed with NOT_CONNECTED')
    expect(stdout).not.toContain('Hi Bob')
  }, 40_000)
})

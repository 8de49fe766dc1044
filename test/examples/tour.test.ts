import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { filter, firstValueFrom, take, timeout } from 'rxjs'
import { ConnectionState, HANDSHAKE_STREAM } from '../../lib/index.js'
import { startNode, stopAll } from '../helpers/nodes.js'
import { REPO, STARTUP_MS } from '../node/fixtures/child.js'

const TOUR = join(REPO, 'examples/tour/tour.ts')
const RUN = join(REPO, 'examples/tour/run.mjs')

/** The README's tour block, as it reads there. */
async function readmeTour (): Promise<string> {
  const readme = await readFile(join(REPO, 'README.md'), 'utf8')
  const match = /## A short tour\n\n```ts\n([\s\S]*?)\n```\n/.exec(readme)
  if (match?.[1] === undefined) throw new Error('README.md has no tour block')
  return match[1]
}

let dir: string | undefined
afterEach(async () => {
  await stopAll()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  dir = undefined
})

describe("the README's tour", () => {
  it('is examples/tour/tour.ts, imports aside', async () => {
    const copy = (await readFile(TOUR, 'utf8'))
      .replace("'../../lib/index.js'", "'glueberry'")
      .replace("'../../operators/index.js'", "'glueberry/operators'")
      .trimEnd()
    expect(await readmeTour()).toBe(copy)
  })

  it('survives a hostile peer that sends 5 bytes on handshake: a typed error, the peer dropped, the program still running', async () => {
    // A known peer (the tour adds it) that answers the handshake with garbage.
    const hostile = await startNode({ inbound: 'any' })
    hostile.events$.pipe(filter(e => e.state === ConnectionState.Connected)).subscribe((e) => {
      hostile.send(e.peerId, HANDSHAKE_STREAM, Uint8Array.of(1, 2, 3, 4, 5)).catch(() => {})
    })
    const dropped = firstValueFrom(hostile.events$.pipe(
      filter(e => e.previous === ConnectionState.Connected && e.state !== ConnectionState.Established), take(1), timeout(STARTUP_MS)))

    dir = await mkdtemp(join(tmpdir(), 'glueberry-tour-'))
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', TS_NODE_TRANSPILE_ONLY: 'true' }
    const tour = spawn(process.execPath, [RUN, hostile.peerId, hostile.multiaddrs[0] ?? ''], { cwd: dir, env })
    let stderr = ''
    tour.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    let exited: number | null | undefined
    const exit = new Promise<void>((resolve) => { tour.on('close', (code) => { exited = code; resolve() }) })
    try {
      await firstValueFrom(hostile.events$.pipe(filter(e => e.state === ConnectionState.Connected), take(1), timeout(STARTUP_MS)))
      await dropped
      // The typed report, then a second to show the program did not die of it.
      const deadline = Date.now() + 20_000
      while (!stderr.includes('INVALID_KEY') && Date.now() < deadline && exited === undefined) {
        await new Promise(resolve => setTimeout(resolve, 50))
      }
      await new Promise(resolve => setTimeout(resolve, 1000))
      expect(stderr).toContain('INVALID_KEY: Ed25519 public key must be 32 bytes, got 5')
      expect(stderr).not.toMatch(/Unhandled|TypeError|at async/)
      expect(exited).toBeUndefined()
    } finally {
      tour.kill('SIGTERM')
      await exit
    }
  }, STARTUP_MS)
})

/**
 * The CLI as users run it: `listen` and `dial` as two child processes
 * (`node cli/run.mjs`, from source), talking over 127.0.0.1.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ExitCode } from '../../cli/errors.js'
import { runCli } from '../../cli/main.js'
import { CHILD_MS, isMultiaddrLine, killAll, memoryIO, spawnCli } from './helpers.js'

let dir: string
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'glueberry-cli-e2e-')) })
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })
afterEach(async () => { await killAll() })

describe('glueberry listen | dial, two processes', () => {
  it('pipes 200 KiB of random bytes and a text line each way, byte for byte, and both exit 0 after stdin ends', async () => {
    const key = join(dir, 'listener.json')
    // keygen in-process: a third child would add seconds of start-up for nothing.
    const io = memoryIO()
    expect(await runCli(['keygen', '--out', key], io)).toBe(ExitCode.Ok)
    const listenerId = io.stdout.text().trim()

    const listen = spawnCli(['listen', '--key', key])
    const address = await listen.stderrLine(isMultiaddrLine)
    expect(address.endsWith(`/p2p/${listenerId}`)).toBe(true)
    const dial = spawnCli(['dial', address])

    const toListener = Buffer.concat([randomBytes(200 * 1024), Buffer.from('hello from dial\n')])
    const toDialler = Buffer.concat([randomBytes(200 * 1024), Buffer.from('hello from listen\n')])
    dial.process.stdin.end(toListener)
    listen.process.stdin.end(toDialler)

    const [listenExit, dialExit] = await Promise.all([listen.exited, dial.exited])
    const diagnostics = `\nlisten stderr:\n${listen.stderr()}\ndial stderr:\n${dial.stderr()}`
    expect({ listenExit, dialExit, diagnostics }).toEqual({
      listenExit: { code: 0, signal: null }, dialExit: { code: 0, signal: null }, diagnostics
    })
    expect(listen.stdout().equals(toListener)).toBe(true)
    expect(dial.stdout().equals(toDialler)).toBe(true)
    // stderr is status only: no payload, no key.
    expect(dial.stderr()).toContain(`connected to ${listenerId} (encrypted stream 'stdio')`)
    expect(listen.stderr()).not.toContain('hello from')
    expect(dial.stderr()).not.toContain('hello from')
  }, CHILD_MS * 2)
})

import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { listDir, parseBook, tempDir } from './helpers.js'

// The children import the TypeScript sources through ts-node (see fixtures/register.mjs).
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))
const PER_PROCESS = 50

interface Writer {
  child: ChildProcessWithoutNullStreams
  ready: Promise<void>
  done: Promise<{ ids: string[], sawOthers: boolean }>
}

function startWriter (file: string): Writer {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' }
  const child = spawn(process.execPath, ['--import', join(fixtures, 'register.mjs'), join(fixtures, 'writer.mjs'), file, String(PER_PROCESS)], { env })
  let stdout = ''
  let stderr = ''
  let onReady: () => void = () => {}
  const ready = new Promise<void>(resolve => { onReady = resolve })
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    if (stdout.startsWith('ready\n')) onReady()
  })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const done = new Promise<{ ids: string[], sawOthers: boolean }>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', code => {
      if (code !== 0) {
        reject(new Error(`writer exited with ${String(code)}: ${stderr}`))
        return
      }
      resolve(JSON.parse(stdout.split('\n')[1] ?? '') as { ids: string[], sawOthers: boolean })
    })
  })
  // a writer that dies before "ready" must not leave the test waiting
  void done.catch(() => onReady())
  return { child, ready, done }
}

describe('two processes writing one address book', () => {
  let cleanup: () => Promise<void> = async () => {}
  afterAll(async () => { await cleanup() })

  it('loses no peer when each adds 50 at the same time', async () => {
    const temp = await tempDir()
    cleanup = temp.cleanup
    const file = join(temp.dir, 'shared', 'book.json')
    const writers = [startWriter(file), startWriter(file)]
    await Promise.all(writers.map(async w => await w.ready))
    // both start writing at the same moment
    for (const w of writers) w.child.stdin.write('go\n')
    const [one, two] = await Promise.all(writers.map(async w => await w.done))

    const written = parseBook(await readFile(file, 'utf8'))
    const stored = Object.keys(written.peers)
    expect(stored).toHaveLength(2 * PER_PROCESS)
    expect(new Set(stored)).toEqual(new Set([...(one?.ids ?? []), ...(two?.ids ?? [])]))
    // the writes really interleaved: a writer saw the other's peers while it was still adding its own
    expect(one?.sawOthers === true || two?.sawOthers === true).toBe(true)
    expect(await listDir(join(temp.dir, 'shared'))).toEqual(['book.json'])
  }, 60_000)
})

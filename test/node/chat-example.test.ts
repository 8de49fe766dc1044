import { REPO, STARTUP_MS, killAll, spawnNode } from './fixtures/child.js'

// The documented command: node examples/chat/run.mjs [--demo]
const CHAT = `${REPO}examples/chat/run.mjs`

afterEach(async () => { await killAll() })

const short = (peerId: string): string => `${peerId.slice(0, 8)}…${peerId.slice(-4)}`

/** The peer ids from the header the example prints once the stream is established. */
function header (stdout: string): { alice: string, bob: string } {
  const alice = /^alice (12D3KooW\w+)$/m.exec(stdout)?.[1]
  const bob = /^bob {3}(12D3KooW\w+)$/m.exec(stdout)?.[1]
  if (alice === undefined || bob === undefined) throw new Error(`no header in:\n${stdout}`)
  expect(alice).not.toBe(bob)
  return { alice, bob }
}

describe('examples/chat', () => {
  it('--demo: bob prints alice\'s scripted lines with her peer id, then it exits with 0', async () => {
    const chat = spawnNode([CHAT, '--demo'])
    const exit = await chat.exited
    const stdout = chat.stdout()
    expect({ exit, stderr: chat.stderr() }).toEqual({ exit: { code: 0, signal: null }, stderr: '' })
    const { alice } = header(stdout)
    const lines = stdout.trimEnd().split('\n')
    expect(lines.slice(2)).toEqual([
      'encrypted stream \'chat\' established',
      `bob got from ${short(alice)}: Hi Bob, can you read me?`,
      `bob got from ${short(alice)}: This line was encrypted with ChaCha20-Poly1305.`,
      `bob got from ${short(alice)}: Bye!`,
      '3 line(s) sent, bye'
    ])
  }, STARTUP_MS)

  it('sends what is typed on stdin and exits with 0 at the end of input', async () => {
    const chat = spawnNode([CHAT])
    await chat.line(l => l.startsWith('type a line'))
    chat.process.stdin.write('hello bob\n')
    const { alice } = header(chat.stdout())
    await chat.line(l => l === `bob got from ${short(alice)}: hello bob`, 10_000)
    chat.process.stdin.end('über ✓\n')
    expect(await chat.exited).toEqual({ code: 0, signal: null })
    expect(chat.stderr()).toBe('')
    expect(chat.stdout().trimEnd().split('\n').slice(-3)).toEqual([
      `bob got from ${short(alice)}: hello bob`,
      `bob got from ${short(alice)}: über ✓`,
      '2 line(s) sent, bye'
    ])
  }, STARTUP_MS)
})

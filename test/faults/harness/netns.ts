/**
 * Network namespaces for the fault suite: two namespaces joined by a veth
 * pair, with addresses of our own (10.200.X.1 and 10.200.X.2 /24) that
 * exist only inside them, so nothing a test does (loss rules, links going
 * down) touches the host's network or another engineer's run.
 *
 * Names carry the creating process's pid and a random tag: parallel runs
 * never collide. Every namespace is deleted by `destroy()` (call it in
 * afterAll); if the test process dies first, however it dies, a small
 * detached reaper that waits for its stdin to close deletes them (a
 * `process.on('exit')` hook would not do: inside Jest, `process` is a copy
 * whose 'exit' never fires). Namespaces of a run whose pid is gone are
 * swept by the next run as a last resort.
 */
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import type { Socket } from 'node:net'
import { promisify } from 'node:util'

const run = promisify(execFile)
const PREFIX = 'gbfault-'

/** Why this machine cannot run the namespace scenarios; empty when it can. */
export function missingPrerequisites (needs: { iptables: boolean }): string[] {
  const missing: string[] = []
  if (process.platform !== 'linux') missing.push(`Linux network namespaces (this is ${process.platform})`)
  if (typeof process.getuid === 'function' && process.getuid() !== 0) missing.push('root (ip netns, veth and iptables need CAP_NET_ADMIN)')
  if (spawnSync('ip', ['-V']).status !== 0) missing.push('the `ip` command (iproute2)')
  if (needs.iptables && spawnSync('iptables', ['--version']).status !== 0) missing.push('the `iptables` command (apt-get install -y iptables; .ci/run installs it)')
  return missing
}

/**
 * Throws (so the test FAILS, it is never skipped) when the machine lacks
 * what the scenario needs, naming what is missing.
 */
export function requirePrerequisites (scenario: string, needs: { iptables: boolean }): void {
  const missing = missingPrerequisites(needs)
  if (missing.length > 0) {
    throw new Error(`the fault scenario "${scenario}" needs ${missing.join(', ')}; it fails rather than skips so that CI (CI=${process.env.CI ?? 'unset'}) cannot pass without running it`)
  }
}

export interface Pair {
  /** Namespace names. */
  readonly nsA: string
  readonly nsB: string
  /** veth ends, one in each namespace. */
  readonly devA: string
  readonly devB: string
  readonly addrA: string
  readonly addrB: string
  /** Drops outgoing packets on each namespace's veth with this probability (iptables statistic). */
  dropOutbound: (probability: number) => Promise<void>
  /** Both veth ends down: a partition; no RST, no FIN, packets vanish. */
  linkDown: () => Promise<void>
  linkUp: () => Promise<void>
  destroy: () => Promise<void>
}

function deleteNow (ns: string): void {
  try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }) } catch { /* already gone */ }
}

/**
 * A detached shell that deletes `names` once its stdin closes: when we end
 * it, or when this process dies by any signal. It ignores the terminal's
 * signals so a Ctrl-C reaches the test but not the cleanup.
 */
function reaper (names: readonly string[]): () => void {
  const script = `trap '' INT TERM HUP; cat >/dev/null; ${names.map(n => `ip netns del ${n} 2>/dev/null`).join('; ')}; exit 0`
  const child = spawn('sh', ['-c', script], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] })
  child.on('error', () => {})
  child.stdin.on('error', () => {})
  child.unref()
  ;(child.stdin as unknown as Socket).unref()
  return () => { child.stdin.end() }
}

/** Deletes namespaces left by runs whose process no longer exists. */
export async function sweepStale (): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list'])
  const stale: string[] = []
  for (const line of stdout.split('\n')) {
    const name = line.split(' ')[0] ?? ''
    const match = /^gbfault-(\d+)-/.exec(name)
    if (match === null) continue
    const pid = Number(match[1])
    if (pid === process.pid || isAlive(pid)) continue
    deleteNow(name)
    stale.push(name)
  }
  return stale
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function ip (...args: string[]): Promise<void> {
  await run('ip', args)
}

/** Two namespaces joined by a veth pair, both ends and `lo` up. */
export async function createPair (): Promise<Pair> {
  await sweepStale()
  const tag = randomBytes(3).toString('hex')
  const nsA = `${PREFIX}${process.pid}-${tag}-a`
  const nsB = `${PREFIX}${process.pid}-${tag}-b`
  // interface names are limited to 15 bytes
  const devA = `gf${tag}a`
  const devB = `gf${tag}b`
  const subnet = `10.200.${randomBytes(1)[0]}`
  const addrA = `${subnet}.1`
  const addrB = `${subnet}.2`
  const release = reaper([nsA, nsB])
  try {
    for (const ns of [nsA, nsB]) await ip('netns', 'add', ns)
    await ip('link', 'add', devA, 'type', 'veth', 'peer', 'name', devB)
    await ip('link', 'set', devA, 'netns', nsA)
    await ip('link', 'set', devB, 'netns', nsB)
    await ip('-n', nsA, 'addr', 'add', `${addrA}/24`, 'dev', devA)
    await ip('-n', nsB, 'addr', 'add', `${addrB}/24`, 'dev', devB)
    for (const [ns, dev] of [[nsA, devA], [nsB, devB]] as const) {
      await ip('-n', ns, 'link', 'set', 'lo', 'up')
      await ip('-n', ns, 'link', 'set', dev, 'up')
    }
  } catch (err) {
    for (const ns of [nsA, nsB]) deleteNow(ns)
    release()
    // a veth still in the host namespace (failure before the move) goes with its name
    try { execFileSync('ip', ['link', 'del', devA], { stdio: 'ignore' }) } catch { /* not there */ }
    throw err
  }
  const setLinks = async (state: 'up' | 'down'): Promise<void> => {
    await Promise.all([ip('-n', nsA, 'link', 'set', devA, state), ip('-n', nsB, 'link', 'set', devB, state)])
  }
  return {
    nsA,
    nsB,
    devA,
    devB,
    addrA,
    addrB,
    dropOutbound: async (probability) => {
      for (const [ns, dev] of [[nsA, devA], [nsB, devB]] as const) {
        await run('ip', ['netns', 'exec', ns, 'iptables', '-A', 'OUTPUT', '-o', dev, '-m', 'statistic', '--mode', 'random', '--probability', String(probability), '-j', 'DROP'])
      }
    },
    linkDown: async () => { await setLinks('down') },
    linkUp: async () => { await setLinks('up') },
    destroy: async () => {
      for (const ns of [nsA, nsB]) deleteNow(ns)
      release()
    }
  }
}

/** Packets an iptables rule dropped so far in a namespace (for the printout). */
export async function droppedPackets (ns: string): Promise<number> {
  const { stdout } = await run('ip', ['netns', 'exec', ns, 'iptables', '-L', 'OUTPUT', '-v', '-n', '-x'])
  return stdout.split('\n').filter(l => l.includes('DROP') && l.includes('statistic')).reduce((n, l) => n + Number(l.trim().split(/\s+/)[0] ?? 0), 0)
}

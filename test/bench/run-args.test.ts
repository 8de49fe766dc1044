/**
 * The bench runner's command line and file layout (bench/run.ts), without
 * running a suite.
 */
import { join } from 'node:path'
import { buildLatest } from '../../bench/net/report.js'
import type { Foundation, Machine } from '../../bench/report.js'
import { UsageError, commandOf, parseArgs, renderOutputs, resultBase } from '../../bench/run.js'
import type { RunOptions } from '../../bench/run.js'
import { suitesFor } from '../../bench/suites.js'

const MACHINE: Machine = {
  node: 'v20', v8: '11', openssl: '3', platform: 'linux', release: '6', arch: 'x64', cpuModel: 'cpu', cores: 2, memoryGiB: 8,
  loadAverage: { start: [0, 0, 0], end: [0, 0, 0] }
}

describe('bench/run.ts', () => {
  it('parses --quick, --only and --out, and refuses anything else', () => {
    expect(parseArgs(['--quick', '--only', 'net', '--out', '/x'])).toEqual({ quick: true, only: 'net', outDir: '/x' })
    expect(parseArgs(['--only=memory']).only).toBe('memory')
    expect(parseArgs([]).outDir).toMatch(/bench[/\\]results$/)
    expect(() => parseArgs(['--only', 'gpu'])).toThrow(UsageError)
    expect(() => parseArgs(['--only'])).toThrow('--only needs a value')
    expect(() => parseArgs(['--fast'])).toThrow('unknown argument --fast')
  })

  it('selects suites: everything, the network four, or one', () => {
    expect(suitesFor(null)).toEqual(['crypto', 'paths', 'throughput', 'rtt', 'connect', 'memory'])
    expect(suitesFor('net')).toEqual(['throughput', 'rtt', 'connect', 'memory'])
    expect(suitesFor('rtt')).toEqual(['rtt'])
  })

  it('writes a full run to the results directory and a trial run to tmp/, tagged', () => {
    const full: RunOptions = { quick: false, only: null, outDir: '/r' }
    expect(resultBase(full, 'latest')).toBe(join('/r', 'latest'))
    expect(resultBase({ ...full, quick: true }, 'latest')).toBe(join('/r', 'tmp', 'latest.quick'))
    expect(resultBase({ ...full, quick: true, only: 'crypto' }, 'foundation')).toBe(join('/r', 'tmp', 'foundation.quick.crypto'))
    expect(commandOf({ quick: true, only: 'net' })).toBe('npm run bench -- --quick --only net')
    expect(commandOf({ quick: false, only: null })).toBe('npm run bench')
  })

  it('renders every file of a full run, linking latest.md to its JSON, chart and foundation.md', () => {
    const options: RunOptions = { quick: false, only: null, outDir: '/r' }
    const foundation: Foundation = {
      schema: 'glueberry-bench/foundation@1', date: 'd', machine: MACHINE,
      run: { quick: false, only: null, command: 'npm run bench', durationSec: 1 }, method: 'm', comparison: []
    }
    const latest = buildLatest({
      result: { throughput: [{ contender: 'glueberry', placement: 'in-proc', size: 64, messages: 1, reps: [1000] }], rtt: [], connect: [], memory: [] },
      machine: MACHINE,
      date: '2025-01-01T00:00:00.000Z',
      run: { quick: false, only: null, suites: ['throughput'], command: 'npm run bench', durationSec: 1, suiteSec: {} },
      foundation
    })
    const { files, markdown } = renderOutputs(options, { foundation, latest })
    expect(files.map((f) => f.path)).toEqual(['foundation.json', 'foundation.md', 'latest.svg', 'latest.json', 'latest.md'].map((f) => join('/r', f)))
    const md = files.find((f) => f.path.endsWith('latest.md'))?.content ?? ''
    expect(md).toContain('[latest.json](latest.json)')
    expect(md).toContain('(latest.svg)')
    expect(md).toContain('[foundation.md](foundation.md)')
    expect(markdown).toContain('# Glueberry foundation benchmark')
    expect(markdown).toContain('# Glueberry benchmark')
    expect((JSON.parse(files.find((f) => f.path.endsWith('latest.json'))?.content ?? '') as { schema: unknown }).schema).toBe('glueberry-bench/latest@1')
  })

  it('writes no chart without throughput figures, and only the foundation files for a foundation-only run', () => {
    const options: RunOptions = { quick: true, only: 'rtt', outDir: '/r' }
    const latest = buildLatest({
      result: { throughput: [], rtt: [{ contender: 'libp2p', placement: 'in-proc', pings: 1, medianUs: [100], p99Us: [200] }], connect: [], memory: [] },
      machine: MACHINE,
      date: 'd',
      run: { quick: true, only: 'rtt', suites: ['rtt'], command: 'npm run bench -- --quick --only rtt', durationSec: 1, suiteSec: {} }
    })
    expect(renderOutputs(options, { latest }).files.map((f) => f.path)).toEqual(['latest.quick.rtt.json', 'latest.quick.rtt.md'].map((f) => join('/r', 'tmp', f)))
    expect(renderOutputs(options, {}).files).toEqual([])
  })
})

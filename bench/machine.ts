/**
 * The machine a benchmark ran on: read once at the start of a run (with the
 * load average, read again at the end), and rendered as the table every
 * report opens with. Figures from this shared VM mean little without it.
 *
 * @module
 */
import os from 'node:os'
import { table } from './harness.js'
import type { Machine } from './report.js'

/** 1, 5 and 15 minute load averages, to 2 decimals. */
export function loadAverage (): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100)
}

/** This machine, with the load average `start` read when the run began and the current one as its end. */
export function readMachine (start: readonly number[]): Machine {
  const cpus = os.cpus()
  return {
    node: process.version,
    v8: process.versions.v8,
    openssl: process.versions.openssl,
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    loadAverage: { start: [...start], end: loadAverage() }
  }
}

const loads = (values: readonly number[]): string => values.map((x) => x.toFixed(2)).join(' / ')

/** The machine as a two-column Markdown table. Pure. */
export function machineTable (m: Machine): string {
  return table(['machine', ''], [
    ['Node', `${m.node} (V8 ${m.v8}, OpenSSL ${m.openssl})`],
    ['CPU', `${m.cpuModel}, ${m.cores} cores`],
    ['OS', `${m.platform} ${m.release} ${m.arch}, ${m.memoryGiB.toFixed(0)} GiB`],
    ['load average (1/5/15 min)', `start ${loads(m.loadAverage.start)}; end ${loads(m.loadAverage.end)}`]
  ])
}

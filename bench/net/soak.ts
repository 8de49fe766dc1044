/**
 * One throughput cell, run for a while, for profiling (`node --cpu-prof`):
 * the bench's own pairs and senders, no calibration, no report.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import ./bench/register.js \
 *     bench/net/soak.ts [contender] [placement] [size] [seconds]
 *
 * Defaults: glueberry in-proc 1048576 5. Prints CPU ms per MB of this
 * process (and of the child in 2-proc, which `--cpu-prof` profiles too).
 *
 * @module
 */
import { withPairs } from './contenders/pair.js'
import type { Contender, Placement } from './types.js'

const [contender = 'glueberry', placement = 'in-proc', sizeText = '1048576', secondsText = '5'] = process.argv.slice(2)
const size = Number(sizeText)
const seconds = Number(secondsText)

function cpuUs (): number {
  const { user, system } = process.cpuUsage()
  return user + system
}

await withPairs([{ contender: contender as Contender, placement: placement as Placement }], 'sink', async ([pair]) => {
  if (pair === undefined) throw new Error('no pair')
  const batch = Math.max(1, Math.round(8 * 1024 * 1024 / size))
  let messages = 0
  const step = async (): Promise<void> => {
    messages += batch
    await Promise.all([pair.expect(messages, messages * size, 60_000), pair.sender.send(size, batch)])
  }
  // Warm-up: a second's worth.
  const warmEnd = performance.now() + 1000
  while (performance.now() < warmEnd) await step()
  const sent0 = messages
  const receiver0 = await pair.receiverCpuUs?.()
  const sender0 = cpuUs()
  const start = performance.now()
  while (performance.now() - start < seconds * 1000) await step()
  const ms = performance.now() - start
  const sender = cpuUs() - sender0
  const receiver1 = await pair.receiverCpuUs?.()
  const mb = (messages - sent0) * size / 1e6
  const receiver = receiver0 === undefined || receiver1 === undefined ? '' : ` receiver ${((receiver1 - receiver0) / 1000 / mb).toFixed(2)} ms/MB`
  process.stdout.write(`${contender} ${placement} ${size} B: ${(mb / (ms / 1000)).toFixed(0)} MB/s, ${placement === 'in-proc' ? 'process' : 'sender'} ${(sender / 1000 / mb).toFixed(2)} ms/MB${receiver}\n`)
})

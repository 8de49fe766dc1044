/**
 * The Angular example end to end: `examples/angular/run.mjs` (installing and
 * building the app on a fresh clone) with its Node cluster, the app in
 * Chromium, and what a person sees: both peers Established, a message sent
 * from the send box, the nodes' answers in the live log, statistics. Saves a
 * screenshot to examples/angular/e2e-screenshot.png (git-ignored).
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from './bundle.js'
import { launchChromium } from './chromium.js'
import type { Browser } from './chromium.js'

export const SCREENSHOT = join(ROOT, 'examples', 'angular', 'e2e-screenshot.png')

let child: ChildProcess | undefined
let browser: Browser | undefined

afterAll(async () => {
  await browser?.close()
  if (child !== undefined && child.exitCode === null) {
    const exited = new Promise(resolve => child?.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
})

async function startExample (): Promise<string> {
  child = spawn(process.execPath, [join(ROOT, 'examples', 'angular', 'run.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
  return await new Promise<string>((resolve, reject) => {
    let out = ''
    child?.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const url = /(http:\/\/127\.0\.0\.1:\d+\/\?peers=\S+)/.exec(out)?.[1]
      if (url !== undefined) resolve(url)
    })
    child?.once('exit', (code) => { reject(new Error(`example exited with ${String(code)}: ${out}`)) })
  })
}

describe('the Angular example in Chromium', () => {
  it('shows both peers Established, sends from the send box and shows the answers and statistics', async () => {
    const url = await startExample()
    browser = await launchChromium()
    const page = await browser.context.newPage()
    await page.goto(url)
    await page.locator('[data-state="Established"]').nth(1).waitFor({ timeout: 30_000 })
    expect(await page.locator('[data-testid="peers"] li').count()).toBe(2)
    await page.locator('[data-testid="draft"]').fill('hello from the page')
    await page.locator('button[type="submit"]').click()
    await page.getByText('node 1 got: hello from the page').waitFor({ timeout: 20_000 })
    await page.getByText('node 2 got: hello from the page').waitFor({ timeout: 20_000 })
    // Statistics from stats$: at least the two answers counted (the handshake's messages may count too).
    await page.waitForFunction(() => {
      const doc = (globalThis as unknown as { document: { querySelector: (s: string) => { textContent: string | null } | null } }).document
      const text = doc.querySelector('[data-testid="stats"]')?.textContent ?? '{}'
      return (JSON.parse(text) as { messagesReceived?: number }).messagesReceived !== undefined &&
        ((JSON.parse(text) as { messagesReceived: number }).messagesReceived >= 2)
    }, undefined, { timeout: 20_000 })
    expect(await page.locator('[data-testid="self"]').textContent()).toMatch(/^12D3KooW/)
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
  }, 300_000)
})

/**
 * No Node.js built-in or Node-only package is reachable from the browser
 * entry: it bundles with esbuild for `platform: 'browser'` (which refuses
 * node: imports) through package.json's own `browser` swaps.
 */
import { NODE_ONLY_PACKAGES, bundleForBrowser, packageOf } from './bundle.js'

describe('browser entry bundle', () => {
  it('bundles for platform browser with no node: import and no Node-only package', async () => {
    const bundle = await bundleForBrowser('lib/browser/index.ts')
    expect(bundle.errors).toEqual([])
    const inputs = Object.keys(bundle.metafile.inputs)
    expect(inputs.filter(i => i.startsWith('node:'))).toEqual([])
    const packages = new Set(inputs.map(packageOf).filter((p): p is string => p !== undefined))
    expect(NODE_ONLY_PACKAGES.filter(p => packages.has(p))).toEqual([])
    // The swaps took effect: the Node modules they replace are not in the graph.
    expect(inputs.filter(i => /lib\/(crypto\/node-backend|peers\/json-file-storage|host\/transports)\.ts$/.test(i))).toEqual([])
    expect(packages.has('@libp2p/websockets')).toBe(true)
  })

  it('the Node entry is what fails without the swaps (the test can fail)', async () => {
    const bundle = await bundleForBrowser('test/browser/fixtures/node-entry-unswapped.ts')
    expect(bundle.errors.join('\n')).toMatch(/node:/)
  })

  it('glueberry/operators bundles too', async () => {
    const bundle = await bundleForBrowser('operators/index.ts')
    expect(bundle.errors).toEqual([])
    expect(Object.keys(bundle.metafile.inputs).filter(i => i.startsWith('node:'))).toEqual([])
  })
})

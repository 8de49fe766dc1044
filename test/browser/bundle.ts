/**
 * Bundles a browser entry from the TypeScript sources the way a consumer's
 * bundler bundles the published package: esbuild, `platform: 'browser'`,
 * and the file swaps of package.json's `browser` field, translated from the
 * dist paths it names (`./dist/lib/x.js`) to the sources (`lib/x.ts`).
 */
import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { Metafile, Plugin } from 'esbuild'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** Packages that only run in Node.js: none may reach a browser bundle. */
export const NODE_ONLY_PACKAGES = ['proper-lockfile', 'write-file-atomic', 'graceful-fs', 'signal-exit', 'ws', '@libp2p/tcp']

/** package.json's `browser` map as source paths: lib/host/transports.ts -> lib/browser/transports.ts. */
export function sourceSwaps (): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { browser?: Record<string, string> }
  const toSource = (p: string): string => join(ROOT, p.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'))
  return new Map(Object.entries(pkg.browser ?? {}).map(([from, to]) => [toSource(from), toSource(to)]))
}

function browserFieldPlugin (): Plugin {
  const swaps = sourceSwaps()
  return {
    name: 'package-browser-field',
    setup (b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (!args.importer.startsWith(join(ROOT, 'lib')) && !args.importer.startsWith(join(ROOT, 'operators'))) return undefined
        const target = resolve(dirname(args.importer), args.path).replace(/\.js$/, '.ts')
        const swapped = swaps.get(target)
        return swapped === undefined ? undefined : { path: swapped }
      })
    }
  }
}

export interface BrowserBundle {
  code: string
  metafile: Metafile
  /** Bytes of the minified output that come from each input (after tree shaking). */
  bytesByInput: Map<string, number>
  errors: string[]
}

/** Bundles `entry` (relative to the repository) for a browser; never throws on resolve errors, returns them. */
export async function bundleForBrowser (entry: string, options: { minify?: boolean, outfile?: string } = {}): Promise<BrowserBundle> {
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: options.minify ?? true,
    write: options.outfile !== undefined,
    ...(options.outfile === undefined ? {} : { outfile: options.outfile }),
    metafile: true,
    logLevel: 'silent',
    plugins: [browserFieldPlugin()]
  }).catch((err: { errors?: Array<{ text: string }>, message: string }) => ({ error: err }))
  if ('error' in result) {
    return { code: '', metafile: { inputs: {}, outputs: {} }, bytesByInput: new Map(), errors: result.error.errors?.map(e => e.text) ?? [result.error.message] }
  }
  const output = Object.values(result.metafile.outputs)[0]
  const bytesByInput = new Map(Object.entries(output?.inputs ?? {}).map(([file, info]) => [file, info.bytesInOutput]))
  const code = result.outputFiles?.[0]?.text ?? (options.outfile === undefined ? '' : readFileSync(options.outfile, 'utf8'))
  return { code, metafile: result.metafile, bytesByInput, errors: [] }
}

/** The package an input path belongs to (`node_modules/@a/b/x.js` -> `@a/b`), or undefined for our own files. */
export function packageOf (input: string): string | undefined {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input.split('node_modules/').length > 2 ? input.slice(input.lastIndexOf('node_modules/')) : input)
  return m?.[1]
}

export function relativeToRoot (file: string): string {
  return relative(ROOT, file)
}

// Runs the README's tour from source, from any directory:
//   node examples/tour/run.mjs <peer id> <multiaddr>
// ts-node's ESM loader (transpile only) maps the '.js' imports to the '.ts' files.
import { register } from 'node:module'
import { fileURLToPath } from 'node:url'

process.env.TS_NODE_TRANSPILE_ONLY ??= 'true'
process.env.TS_NODE_PROJECT ??= fileURLToPath(new URL('../../tsconfig.json', import.meta.url))
register('ts-node/esm', import.meta.url)
await import('./tour.ts')

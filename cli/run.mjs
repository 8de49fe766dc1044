// Runs the CLI from the TypeScript sources, without a build, from any directory:
//   node cli/run.mjs <command> [options]      (same arguments as `glueberry`)
// ts-node's ESM loader (transpile only: `npm run typecheck` checks the types)
// maps the NodeNext '.js' imports to the '.ts' files. Under Jest, spawn it
// with NODE_OPTIONS='' so the child does not inherit --experimental-vm-modules.
import { register } from 'node:module'
import { fileURLToPath } from 'node:url'

process.env.TS_NODE_TRANSPILE_ONLY ??= 'true'
process.env.TS_NODE_PROJECT ??= fileURLToPath(new URL('../tsconfig.json', import.meta.url))
register('ts-node/esm', import.meta.url)
const { main } = await import('./main.ts')
await main()

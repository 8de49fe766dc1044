// Lets `node --import ./bench/register.js bench/<file>.ts` run TypeScript
// directly: registers ts-node's ESM loader (transpile only: types are checked
// by `npm run typecheck`, not at bench time). NodeNext-style './x.js' imports
// resolve to the './x.ts' sources.
import { register } from 'node:module'

process.env.TS_NODE_TRANSPILE_ONLY ??= 'true'
register('ts-node/esm', import.meta.url)

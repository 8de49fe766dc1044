import type { Config } from 'jest'

// Native ESM through @swc/jest (no type-checking here: `npm run typecheck` does that).
// libp2p v3 is ESM-only, so the suite must run with --experimental-vm-modules
// (set by the npm scripts); without it swc silently emits CommonJS and every
// libp2p import fails to resolve.
const config: Config = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/marbles/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' }
    }]
  },
  // NodeNext makes sources import './foo.js'; map that back to the .ts file for Jest.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 30_000,
  // Socket tests must not share ports or CPU-starve each other on a 2-core machine.
  maxWorkers: 2
}

export default config

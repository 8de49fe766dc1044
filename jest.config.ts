import type { Config } from 'jest'

// Native ESM through @swc/jest (no type-checking here: `npm run typecheck` does that).
// libp2p v3 is ESM-only, so the suite must run with --experimental-vm-modules
// (set by the npm scripts); without it swc silently emits CommonJS and every
// libp2p import fails to resolve.
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' }
    }]
  },
  // NodeNext makes sources import './foo.js'; map that back to the .ts file for Jest.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' }
} satisfies Config

const config: Config = {
  // A global option: set inside a project it is ignored (tests got Jest's 5 s).
  testTimeout: 30_000,
  // Socket tests must not share ports or CPU-starve each other on a 2-core machine.
  maxWorkers: 2,
  projects: [
    {
      ...shared,
      displayName: 'main',
      testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/marbles/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/', '<rootDir>/test/browser/']
    },
    {
      // Glueberry in a browser (test/browser): the bundle check, Node nodes on
      // /ws, and a real Chromium (playwright-core) against Node peers. One file
      // at a time: each Chromium run takes a core, and its timings are generous.
      ...shared,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
      runner: '<rootDir>/test/browser/serial-runner.cjs'
    },
    {
      // The fault suite (docs/FAULTS.md): real nodes in network namespaces,
      // timed faults. Its runner runs these files one at a time, before or
      // after the main suite, never alongside it.
      ...shared,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
      runner: '<rootDir>/test/faults/serial-runner.cjs'
    }
  ]
}

export default config

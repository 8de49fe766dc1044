// ESLint flat config: typescript-eslint's type-aware rules plus eslint-plugin-rxjs-x.
// `npm run lint` runs it with --max-warnings 0 and `npm test` runs lint first (pretest).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import rxjsX from 'eslint-plugin-rxjs-x'
import globals from 'globals'

export default tseslint.config(
  // An inline `eslint-disable` must say why and must still be needed.
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    ignores: [
      'dist/**',
      'coverage/**',
      'docs/api/**',
      'bench/results/**',
      // The NestJS example is its own project (CommonJS, decorators, its own tsconfig).
      'examples/nestjs/**',
      // The Angular example is its own Angular project (own node_modules, tsconfig and toolchain).
      'examples/angular/**',
      // Compiled by test/package/install.test.ts against the INSTALLED tarball: 'glueberry' only
      // resolves in that throwaway consumer project, never in this repo's program.
      'test/package/fixtures/consumer.ts'
    ]
  },


  // Every file: ESLint's recommended JavaScript rules.
  js.configs.recommended,

  // TypeScript sources: type-aware rules against tsconfig.json's program.
  {
    files: ['**/*.ts'],
    extends: [
      ...tseslint.configs.recommendedTypeChecked,
      rxjsX.configs.recommended
    ],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname
      }
    },
    rules: {
      // An `async` function that implements a Promise-returning interface without awaiting
      // is deliberate: `async` turns a synchronous throw into a rejection for the caller.
      '@typescript-eslint/require-await': 'off',
      // Forwarding an AbortSignal's reason or a caught error unchanged is right; only `any` is refused.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // Stricter where it pays: a switch over a union (effects, states) must name every member or say `default`.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // `_`-prefixed names mark deliberately unused parameters (interface shapes, callbacks).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }]
    }
  },

  // Tests and marble specs: Jest's `expect(obj.method)` and mocks are not unbound calls.
  {
    files: ['test/**/*.ts', 'marbles/**/*.ts'],
    rules: {
      // Jest matchers take methods by reference on purpose (`expect(node.send).toBeDefined()`).
      '@typescript-eslint/unbound-method': 'off'
    }
  },

  // Plain JavaScript (run scripts, CommonJS fixtures, this file): no type information.
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: { ...globals.node }
    }
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' }
  }
)

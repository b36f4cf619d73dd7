import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'data/**', 'ea/mql5/tests/build/**', '**/*.mjs', 'packages/storage/.azurite-bundle/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Configuration is read once, at start-up, in the config modules; nothing else reads process.env.
    files: ['packages/**/*.ts', 'apps/**/*.ts'],
    // Entry points (server.ts, cli.ts) read it once and hand it to the config loader.
    ignores: ['**/config.ts', '**/server.ts', '**/cli.ts', '**/bench/echo-server.ts', '**/bench/durable-floor-server.ts', '**/*.test.ts', '**/testing.ts', '**/testing/**', '**/scripts/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration once in config.ts and pass it in.' }],
    },
  },
  {
    // The copy engine is pure: no I/O, no clock, no randomness, nothing of ours but itself.
    files: ['packages/engine/src/**/*.ts'],
    ignores: ['packages/engine/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'http', 'https', 'net', 'crypto', 'child_process', 'os', 'pg', '@electric-sql/*', 'fastify', '@kopitra/*'],
            message: 'The engine is pure: no I/O or other Kopitra packages.' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'Date', message: 'The engine takes time as a value.' },
        { name: 'process', message: 'The engine reads no environment.' },
        { name: 'fetch', message: 'The engine does no I/O.' },
        { name: 'setTimeout', message: 'The engine does not schedule.' },
      ],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'The engine is deterministic.' }],
    },
  },
  {
    // Dependencies point inward: packages never import apps; protocol/store never import higher layers.
    files: ['packages/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/apps/*', '@kopitra/gateway', '@kopitra/admin-api', '@kopitra/kopitra'], message: 'Packages never import apps.' }] }],
    },
  },
  {
    files: ['packages/engine/src/**/*.ts'],
    ignores: ['packages/engine/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'http', 'https', 'net', 'crypto', 'child_process', 'os', 'pg', '@electric-sql/*', 'fastify', '@kopitra/*', '**/apps/*'],
            message: 'The engine is pure: no I/O or other Kopitra packages.' },
        ],
      }],
    },
  },
);

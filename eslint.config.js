import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

/**
 * The layout is the dependency graph (STYLE.md §2.1): lib/at → lib/crypto → lib/client → lib/ui/routes;
 * server code uses lib/at and lib/crypto but never lib/client. These rules keep it that way.
 */
const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const nodeOnly = {
  group: ['node:*', 'fs', 'net', 'tls', 'crypto', 'buffer'],
  message: 'lib/at and lib/crypto are isomorphic: Web APIs only.',
};

export default ts.config(
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: {
      parserOptions: { projectService: true, extraFileExtensions: ['.svelte'], parser: ts.parser, svelteConfig },
    },
  },
  {
    files: ['src/lib/at/**'],
    rules: restrict([
      nodeOnly,
      {
        group: ['$lib/crypto/*', '$lib/client/*', '$lib/ui/*', '**/server/**'],
        message: 'lib/at depends on nothing else.',
      },
    ]),
  },
  {
    files: ['src/lib/crypto/**'],
    rules: restrict([
      nodeOnly,
      { group: ['$lib/client/*', '$lib/ui/*', '**/server/**'], message: 'lib/crypto may import lib/at only.' },
    ]),
  },
  {
    files: ['src/lib/client/**'],
    rules: restrict([
      { group: ['$lib/ui/*', '**/server/**'], message: 'lib/client may import lib/at and lib/crypto only.' },
    ]),
  },
  {
    files: ['src/lib/**', 'src/routes/**', 'src/service-worker.ts'],
    ignores: ['src/lib/at/**', 'src/lib/crypto/**', 'src/lib/client/**'],
    rules: restrict([{ group: ['$server/*', '**/server/**'], message: 'The app never imports server code.' }]),
  },
  {
    files: ['src/server/**'],
    rules: restrict([
      { group: ['$lib/client/*', '$lib/ui/*', '**/lib/client/**'], message: 'Servers never import the client.' },
    ]),
  },
  { ignores: ['build/', '.svelte-kit/', 'node_modules/', 'tests/artifacts/', 'test-results/'] },
);

#!/usr/bin/env node
// The `atstack` command: runs src/server/cli.ts through tsx, which resolves the $lib and $server aliases
// from the SvelteKit-generated tsconfig (created by `svelte-kit sync` during `npm ci`).
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(new URL('../.svelte-kit/tsconfig.json', import.meta.url))) {
  execFileSync(
    process.execPath,
    [new URL('../node_modules/@sveltejs/kit/svelte-kit.js', import.meta.url).pathname, 'sync'],
    {
      cwd: root,
      stdio: 'ignore',
    },
  );
}
register({ tsconfig: new URL('../tsconfig.json', import.meta.url).pathname });
const { runCli } = await import('../src/server/cli.ts');
process.exitCode = await runCli(process.argv.slice(2));

#!/usr/bin/env node
// `npm start` serves the built app through the gateway. On a fresh clone there is no build yet, so make one
// (SvelteKit's static adapter writes build/app); later starts reuse it (`npm run build` refreshes it).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(`${root}build/app/index.html`)) {
  console.log('Building the app (first start) …');
  execFileSync(process.execPath, [`${root}node_modules/vite/bin/vite.js`, 'build'], { cwd: root, stdio: 'ignore' });
}

#!/usr/bin/env node
// `npm start` serves the built app through the gateway. On a fresh clone there is no build yet, so make one
// (SvelteKit's static adapter writes build/app); later starts reuse it (`npm run build` refreshes it). A build
// from before the app had its service worker is made again, so the served app is always installable.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const expected = ['index.html', 'service-worker.js', 'manifest.webmanifest'];
if (!expected.every((file) => existsSync(`${root}build/app/${file}`))) {
  console.log('Building the app (first start) …');
  execFileSync(process.execPath, [`${root}node_modules/vite/bin/vite.js`, 'build'], { cwd: root, stdio: 'ignore' });
}

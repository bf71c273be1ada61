#!/usr/bin/env node
// Browser tests and benchmarks need a Chromium. Playwright cannot download its own here, so use the
// system one; on a fresh Debian machine where we are root, install it with apt (what .ci/run does too).
import { execFileSync } from 'node:child_process';
import { chromiumPath } from './chromium-path.mjs';

if (!chromiumPath()) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error('No Chromium found. Install one (Debian: sudo apt-get install -y chromium) or set CHROMIUM_PATH.');
    process.exit(1);
  }
  console.log('No Chromium found; installing Debian chromium with apt-get …');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
  if (!chromiumPath()) {
    console.error('apt-get finished but no Chromium was found; set CHROMIUM_PATH.');
    process.exit(1);
  }
}

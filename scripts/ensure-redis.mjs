#!/usr/bin/env node
// The atServer benchmark compares against Redis over TLS (`npm run bench -- atserver`). Use Debian's
// redis-server and redis-tools (redis-benchmark); on a fresh machine where we are root, install them with apt,
// as ensure-chromium.mjs does for Chromium. The bench starts its own private redis-server on a free loopback
// port, so a system service that the package may start is never used.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where Debian's packages put the two binaries the bench runs. */
export const redisServerPath = '/usr/bin/redis-server';
export const redisBenchmarkPath = '/usr/bin/redis-benchmark';

/**
 * Whether both binaries are there.
 * @returns {boolean}
 */
export function redisInstalled() {
  return existsSync(redisServerPath) && existsSync(redisBenchmarkPath);
}

/**
 * Installs redis-server and redis-tools with apt-get when they are missing and we are root.
 * @param {(line: string) => void} [log]
 * @returns {boolean} whether Redis is available afterwards (false: the bench skips the Redis rows).
 */
export function ensureRedis(log = (line) => console.log(line)) {
  if (redisInstalled()) return true;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    log('No Redis found. Install it (Debian: sudo apt-get install -y redis-server redis-tools) to compare.');
    return false;
  }
  log('No Redis found; installing Debian redis-server and redis-tools with apt-get …');
  // RUNLEVEL=1 keeps invoke-rc.d from starting the packaged service: the bench runs its own private server.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'redis-server', 'redis-tools'], { stdio: 'inherit', env });
  return redisInstalled();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = ensureRedis() ? 0 : 1;
}

/**
 * Redis over TLS as the atServer suite's yardstick: a private `redis-server` on a free loopback port, TLS from
 * the local CA, no snapshots (`--save ''`) and an append-only file fsynced before every reply
 * (`--appendonly yes --appendfsync always`), so a SET is as durable as our `update:`. It is measured with the
 * suite's own load generator (RESP inline commands) and with `redis-benchmark --tls`.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureRedis, redisBenchmarkPath, redisServerPath } from '../../scripts/ensure-redis.mjs';
import type { TlsMaterial } from '$server/tls/local-ca';
import { workloadKeys, readKeyCount } from './atserver-target';
import { LockstepConnection, type Completion, type LockstepProtocol } from './load-generator';
import { freePort, startServerProcess, type ServerProcess } from './server-process';

export { ensureRedis };

/** A running private redis-server. */
export interface RedisUnderTest {
  readonly process: ServerProcess;
  readonly port: number;
  connect(): Promise<LockstepConnection>;
}

/** One RESP reply: a status/error/integer line, or a bulk string `$<n>\r\n<n bytes>\r\n`. */
export const respCompletion: Completion = (buffer) => {
  const lineEnd = buffer.indexOf('\r\n');
  if (lineEnd === -1) return -1;
  if (buffer[0] !== '$') return lineEnd + 2;
  const length = Number(buffer.slice(1, lineEnd));
  if (length < 0) return lineEnd + 2;
  const end = lineEnd + 2 + length + 2;
  return buffer.length >= end ? end : -1;
};

function respProtocol(request: (connection: number, sequence: number) => string): LockstepProtocol {
  return {
    request,
    complete: respCompletion,
    // `$-1` is a missing key: the read workload only reads seeded keys, so it would mean a broken seed.
    failure: (response) => (response.startsWith('-') || response.startsWith('$-1') ? response.trim() : undefined),
  };
}

/** `SET <key> <value>`: the counterpart of `update:` (same key names and value). */
export const setProtocol = (value: string) => respProtocol((c, s) => `SET ${workloadKeys.write(c, s)} ${value}\r\n`);

/** `GET <key>`: the counterpart of `llookup:`. */
export const getProtocol = () => respProtocol((c, s) => `GET ${workloadKeys.read(c, s)}\r\n`);

/** Writes the keys {@link getProtocol} reads. */
export async function seedRedis(connection: LockstepConnection, value: string): Promise<void> {
  for (let n = 0; n < readKeyCount; n += 1) {
    const answer = await connection.exchange(`SET l${n} ${value}\r\n`, respCompletion);
    if (answer !== '+OK\r\n') throw new Error(`seeding Redis failed: ${answer.trim()}`);
  }
}

/** Starts redis-server in `dir` with TLS on a free loopback port and waits until it answers PING. */
export async function startRedis(dir: string, tls: TlsMaterial): Promise<RedisUnderTest> {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const args = [
    ...['--port', '0', '--bind', '127.0.0.1', '--tls-port', String(port)],
    ...['--tls-cert-file', tls.certPath, '--tls-key-file', tls.keyPath, '--tls-ca-cert-file', tls.caPath],
    ...['--tls-auth-clients', 'no'],
    ...['--save', '', '--appendonly', 'yes', '--appendfsync', 'always'],
    ...['--dir', dir, '--daemonize', 'no', '--loglevel', 'warning', '--logfile', join(dir, 'redis.log')],
  ];
  const child = await startServerProcess(redisServerPath, args, { awaitJsonLine: false, timeoutMs: 10_000 });
  const connect = () => LockstepConnection.connect(port, tls.caPem);
  try {
    await waitForPong(connect, 10_000);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { process: child, port, connect };
}

async function waitForPong(connect: () => Promise<LockstepConnection>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await connect();
      try {
        if ((await connection.exchange('PING\r\n', respCompletion)) === '+PONG\r\n') return;
      } finally {
        connection.close();
      }
    } catch (error) {
      if (performance.now() > deadline) {
        throw new Error(`redis-server did not answer PING: ${String(error)}`, { cause: error });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One line of `redis-benchmark --csv`. */
export interface RedisBenchmarkFigure {
  readonly test: 'SET' | 'GET';
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * Runs `redis-benchmark --tls -t set,get` with `clients` connections and `requests` requests per test (it has
 * no time limit, so the caller sizes `requests` from a rate it has already measured), values of `valueBytes`.
 *
 * @example
 * await redisBenchmark(redis.port, tls.caPath, { clients: 50, requests: 60_000, valueBytes: 100 });
 */
export function redisBenchmark(
  port: number,
  caPath: string,
  options: { clients: number; requests: number; valueBytes: number; tests: 'set' | 'get' },
): Promise<RedisBenchmarkFigure[]> {
  const args = [
    ...['-h', '127.0.0.1', '-p', String(port), '--tls', '--cacert', caPath, '--sni', 'localhost'],
    ...['-c', String(options.clients), '-n', String(options.requests), '-d', String(options.valueBytes)],
    ...['-r', '100', '-t', options.tests, '--csv'],
  ];
  return new Promise((resolve, reject) => {
    execFile(redisBenchmarkPath, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`redis-benchmark failed: ${error.message} ${stderr}`));
      resolve(parseCsv(stdout));
    });
  });
}

/** `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms",…`. */
function parseCsv(text: string): RedisBenchmarkFigure[] {
  const rows = text
    .trim()
    .split('\n')
    .map((line) => line.split(',').map((cell) => cell.replaceAll('"', '')));
  const header = rows[0] ?? [];
  const column = (name: string) => header.indexOf(name);
  return rows.slice(1).flatMap((cells) => {
    const test = cells[column('test')];
    if (test !== 'SET' && test !== 'GET') return [];
    return [
      {
        test,
        opsPerSecond: Number(cells[column('rps')]),
        p50Ms: Number(cells[column('p50_latency_ms')]),
        p99Ms: Number(cells[column('p99_latency_ms')]),
      },
    ];
  });
}

/**
 * The atServer suite: our atServer's `update:` (durable, acknowledged) and `llookup:` at 1 and 50 lockstep
 * connections, beside Redis over TLS (driven by the same load generator and by `redis-benchmark --tls`) and a
 * do-nothing Node TLS line-echo server (the ceiling for any Node server here). Every server is a child process,
 * so its CPU time per request is its own; only one is under load at a time.
 *
 * The machine is small and shared, so comparable figures are taken next to each other, in rounds (ours, then
 * Redis, then echo, for each workload), and each row shows its best round: the one least disturbed.
 *
 * `ATSERVER_BENCH_PROFILE=<dir> npm run bench -- atserver` runs our atServer with `--cpu-prof` into `<dir>`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalCa, type TlsMaterial } from '$server/tls/local-ca';
import { llookupProtocol, seedReadKeys, startAtServer, updateProtocol, workloadKeys } from './atserver-target';
import {
  lineCompletion,
  LockstepConnection,
  openConnections,
  runLoad,
  type LoadBudget,
  type LoadFigures,
  type LockstepProtocol,
} from './load-generator';
import { ensureRedis, getProtocol, redisBenchmark, seedRedis, setProtocol, startRedis } from './redis';
import { startServerProcess, type ServerProcess } from './server-process';
import { echo, ours, redisSameClient, redisTool, report, succeeded, workloads, type Figure } from './atserver-report';
import type { BenchSuite } from './suite';
import { wholeNumber } from './table';

/** 0.5 s warm-up, then 3 s (or a million answers) per measurement; 10 cases × 3 rounds + redis-benchmark. */
const budget: LoadBudget = { warmupMs: 500, ms: 3_000, maxOps: 1_000_000 };
const rounds = 3;
const concurrencies = [1, 50] as const;
/** A value of the size of a small encrypted atProtocol value (base64 text). */
const value = 'A'.repeat(100);

/** One server's side of a comparison: how to connect and what to send. */
interface Target {
  readonly server: string;
  readonly open: () => Promise<LockstepConnection>;
  readonly cpuMicros: () => number | null;
}

async function measureOnce(
  target: Target,
  connections: number,
  protocol: LockstepProtocol,
): Promise<LoadFigures | { error: string }> {
  let opened: LockstepConnection[] = [];
  try {
    opened = await openConnections(connections, target.open);
    return await runLoad(opened, protocol, budget, target.cpuMicros);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    for (const connection of opened) connection.close();
  }
}

/** The servers of one run; each is undefined when it could not be started (the reason is logged). */
interface Servers {
  atServer?: Target & { atSign: string };
  redis?: Target & { port: number };
  echo?: Target;
  readonly processes: ServerProcess[];
}

async function startServers(dir: string, tls: TlsMaterial, log: (line: string) => void): Promise<Servers> {
  const servers: Servers = { processes: [] };
  try {
    const atServer = await startAtServer(dir, tls.caPem, process.env.ATSERVER_BENCH_PROFILE);
    servers.processes.push(atServer.process);
    servers.atServer = { server: ours, open: atServer.owner, cpuMicros: atServer.process.cpuMicros, ...atServer };
    const seeder = await atServer.owner();
    await seedReadKeys(seeder, atServer.atSign, value).finally(() => seeder.close());
  } catch (error) {
    log(`atServer: ${String(error)}`);
    servers.atServer = undefined;
  }
  try {
    if (ensureRedis(log)) {
      const redis = await startRedis(join(dir, 'redis'), tls);
      servers.processes.push(redis.process);
      servers.redis = { server: redisSameClient, open: redis.connect, cpuMicros: redis.process.cpuMicros, ...redis };
      const seeder = await redis.connect();
      await seedRedis(seeder, value).finally(() => seeder.close());
    }
  } catch (error) {
    log(`Redis: ${String(error)}`);
    servers.redis = undefined;
  }
  try {
    const child = await startServerProcess(process.execPath, ['--import', 'tsx', 'tests/bench/echo-server.ts', dir], {
      awaitJsonLine: true,
      timeoutMs: 30_000,
    });
    servers.processes.push(child);
    const port = child.ready.port as number;
    servers.echo = {
      server: echo,
      open: () => LockstepConnection.connect(port, tls.caPem),
      cpuMicros: child.cpuMicros,
    };
  } catch (error) {
    log(`echo server: ${String(error)}`);
  }
  return servers;
}

interface Case {
  readonly target: Target;
  readonly workload: string;
  readonly connections: number;
  readonly protocol: LockstepProtocol;
}

/** The measurements, in the order they run within a round: each workload on each server, side by side. */
function cases(servers: Servers): Case[] {
  const { atServer, redis, echo: echoServer } = servers;
  // The echo server gets the same bytes as an llookup request and sends them back.
  const echoProtocol: LockstepProtocol = {
    request: (c, s) => `llookup:${workloadKeys.read(c, s)}.bench@alice\n`,
    complete: lineCompletion,
    failure: () => undefined,
  };
  const plan: Case[] = [];
  const add = (target: Target | undefined, workload: string, protocol: () => LockstepProtocol) => {
    for (const connections of concurrencies) {
      if (target) plan.push({ target, workload, connections, protocol: protocol() });
    }
  };
  add(atServer, workloads.update, () => updateProtocol(atServer?.atSign ?? '', value));
  add(redis, workloads.set, () => setProtocol(value));
  add(atServer, workloads.llookup, () => llookupProtocol(atServer?.atSign ?? ''));
  add(redis, workloads.get, getProtocol);
  add(echoServer, workloads.echo, () => echoProtocol);
  // Interleave: all servers at one concurrency, then the other, so comparable runs are close in time.
  return [...plan].sort((a, b) => a.connections - b.connections);
}

/** Runs every case `rounds` times, interleaved, and keeps each case's best round (most ops/s). */
async function measureRounds(servers: Servers, log: (line: string) => void): Promise<Figure[]> {
  const plan = cases(servers);
  const best = new Map<number, Figure>();
  for (let round = 1; round <= rounds; round += 1) {
    log(`round ${round} of ${rounds} …`);
    for (const [index, { target, workload, connections, protocol }] of plan.entries()) {
      const result = await measureOnce(target, connections, protocol);
      const previous = succeeded(best.get(index));
      if (!previous || ('ops' in result && result.opsPerSecond > previous.opsPerSecond)) {
        best.set(index, { server: target.server, workload, connections, result });
      }
    }
  }
  return plan.map((_, index) => best.get(index)).filter((figure): figure is Figure => figure !== undefined);
}

/** redis-benchmark has no time bound: size each run from the rate the same-client run measured (about 3 s). */
async function measureRedisBenchmark(
  redis: NonNullable<Servers['redis']>,
  tls: TlsMaterial,
  sameClient: readonly Figure[],
): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const tests of ['set', 'get'] as const) {
    for (const connections of concurrencies) {
      const workload = tests === 'set' ? workloads.set : workloads.get;
      const rate = succeeded(
        sameClient.find(
          (f) => f.server === redisSameClient && f.workload === workload && f.connections === connections,
        ),
      );
      const requests = Math.round(Math.min(300_000, Math.max(1_000, (rate?.opsPerSecond ?? 1_000) * 3)));
      const cpuBefore = redis.cpuMicros();
      try {
        const [line] = await redisBenchmark(redis.port, tls.caPath, {
          clients: connections,
          requests,
          tests,
          valueBytes: value.length,
        });
        const cpuAfter = redis.cpuMicros();
        if (!line) throw new Error('redis-benchmark printed no figure');
        const result: LoadFigures = {
          connections,
          ops: requests,
          seconds: requests / line.opsPerSecond,
          opsPerSecond: line.opsPerSecond,
          p50Ms: line.p50Ms,
          p99Ms: line.p99Ms,
          serverCpuMicrosPerOp: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / requests,
          clientCpuMicrosPerOp: null,
        };
        figures.push({ server: redisTool, workload, connections, result });
      } catch (error) {
        figures.push({ server: redisTool, workload, connections, result: { error: String(error) } });
      }
    }
  }
  return figures;
}

export const atServerSuite: BenchSuite = {
  name: 'atserver',
  summary: 'atServer update/llookup at 1 and 50 connections vs Redis over TLS and a Node TLS echo server',
  async run(log) {
    const dir = await mkdtemp(join(tmpdir(), 'atstack-bench-'));
    let servers: Servers | undefined;
    try {
      const tls = await ensureLocalCa(dir, ['localhost', '127.0.0.1']);
      log(
        `Each measurement: ${budget.warmupMs} ms warm-up, then ${budget.ms} ms or ${wholeNumber(budget.maxOps)} answers,`,
      );
      log(`best of ${rounds} interleaved rounds; lockstep connections on 127.0.0.1, ${value.length}-byte values, TLS`);
      log('everywhere; server CPU from /proc/<pid>/stat over the measured window.\n');
      servers = await startServers(dir, tls, log);
      const figures = await measureRounds(servers, log);
      if (servers.redis) figures.push(...(await measureRedisBenchmark(servers.redis, tls, figures)));
      log('');
      log(report(figures));
    } finally {
      await Promise.all(servers?.processes.map((child) => child.stop()) ?? []);
      await rm(dir, { recursive: true, force: true });
    }
  },
};

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
import type { BenchSuite } from './suite';
import { decimal, formatTable, wholeNumber, type Row } from './table';

/** 0.5 s warm-up, then 3 s (or a million answers) per measurement; 10 cases × 2 rounds + redis-benchmark. */
const budget: LoadBudget = { warmupMs: 500, ms: 3_000, maxOps: 1_000_000 };
const rounds = 2;
const concurrencies = [1, 50] as const;
/** A value of the size of a small encrypted atProtocol value (base64 text). */
const value = 'A'.repeat(100);

const ours = 'atServer';
const redisSameClient = 'Redis TLS, same client';
const redisTool = 'redis-benchmark --tls';
const echo = 'Node TLS line echo';
const workloads = {
  update: 'update (durable)',
  set: 'SET (fsync always)',
  llookup: 'llookup',
  get: 'GET',
  echo: 'echo a line',
} as const;

/** One server's side of a comparison: how to connect and what to send. */
interface Target {
  readonly server: string;
  readonly open: () => Promise<LockstepConnection>;
  readonly cpuMicros: () => number | null;
}

/** One row of the table: what was measured (the best round), or why it could not be. */
interface Figure {
  readonly server: string;
  readonly workload: string;
  readonly connections: number;
  readonly result: LoadFigures | { readonly error: string };
}

const succeeded = (figure: Figure | undefined): LoadFigures | undefined =>
  figure && 'ops' in figure.result ? figure.result : undefined;

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

function row(figure: Figure): Row {
  const label = [figure.server, figure.workload, String(figure.connections)];
  if (!('ops' in figure.result)) return [...label, `failed: ${figure.result.error.slice(0, 80)}`, '', '', '', ''];
  const { opsPerSecond, p50Ms, p99Ms, serverCpuMicrosPerOp, clientCpuMicrosPerOp } = figure.result;
  return [
    ...label,
    wholeNumber(opsPerSecond),
    decimal(p50Ms, 3),
    decimal(p99Ms, 3),
    decimal(serverCpuMicrosPerOp, 1),
    clientCpuMicrosPerOp === null ? '' : decimal(clientCpuMicrosPerOp, 1),
  ];
}

type Key = readonly [server: string, workload: string, connections: number];

function ratioRow(figures: readonly Figure[], label: string, mine: Key, theirs: Key, target?: number): Row {
  const find = ([server, workload, connections]: Key) =>
    succeeded(figures.find((f) => f.server === server && f.workload === workload && f.connections === connections));
  const a = find(mine);
  const b = find(theirs);
  const ratio = a && b ? a.opsPerSecond / b.opsPerSecond : null;
  const cpu =
    a?.serverCpuMicrosPerOp && b?.serverCpuMicrosPerOp ? b.serverCpuMicrosPerOp / a.serverCpuMicrosPerOp : null;
  const verdict = target === undefined || ratio === null ? '' : ratio >= target ? `≥ ${target} ✓` : `< ${target} ✗`;
  return [label, decimal(ratio, 2), verdict, decimal(cpu, 2)];
}

function report(figures: readonly Figure[]): string {
  const servers: string[] = [ours, redisSameClient, redisTool, echo];
  const kinds: string[] = Object.values(workloads);
  const sorted = [...figures].sort(
    (a, b) =>
      servers.indexOf(a.server) - servers.indexOf(b.server) ||
      kinds.indexOf(a.workload) - kinds.indexOf(b.workload) ||
      a.connections - b.connections,
  );
  const rows: Row[] = [];
  sorted.forEach((figure, index) => {
    if (index > 0 && figure.server !== sorted[index - 1]?.server) rows.push('rule');
    rows.push(row(figure));
  });
  const table = formatTable(
    ['server', 'workload', 'conns', 'ops/s', 'p50 ms', 'p99 ms', 'server CPU µs/op', 'client CPU µs/op'],
    rows,
  );
  const ratios = formatTable(
    ['ours / theirs', 'ops/s', 'target', 'CPU/op (theirs/ours)'],
    [
      ratioRow(
        figures,
        'llookup@50 / Redis GET@50 (same client)',
        [ours, workloads.llookup, 50],
        [redisSameClient, workloads.get, 50],
        0.7,
      ),
      ratioRow(
        figures,
        'durable update@50 / Redis SET@50 appendfsync always',
        [ours, workloads.update, 50],
        [redisSameClient, workloads.set, 50],
        0.5,
      ),
      ratioRow(
        figures,
        'llookup@1 / Redis GET@1 (same client)',
        [ours, workloads.llookup, 1],
        [redisSameClient, workloads.get, 1],
      ),
      ratioRow(
        figures,
        'durable update@1 / Redis SET@1',
        [ours, workloads.update, 1],
        [redisSameClient, workloads.set, 1],
      ),
      ratioRow(figures, 'llookup@50 / echo ceiling@50', [ours, workloads.llookup, 50], [echo, workloads.echo, 50]),
      ratioRow(figures, 'llookup@1 / echo ceiling@1', [ours, workloads.llookup, 1], [echo, workloads.echo, 1]),
    ],
  );
  return `${table}\n\n${ratios}`;
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

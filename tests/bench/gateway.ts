/**
 * The gateway suite: the same atServer (a real one, in its own process) reached four ways, in lockstep round
 * trips of `noop:0` (the cheapest request, so the relay's own cost shows most): directly over TLS, through the
 * atstack gateway (its own process, WebSocket in, TLS out), through a naive `ws` relay (its own process) as the
 * baseline, and through a bare Node TCP-to-TLS pipe (its own process, no WebSocket, no checks): the floor, the
 * least any Node relay pays per round trip on this machine. It prints the latency the gateway adds per round
 * trip, the gateway's CPU time per relayed round trip (and how much of it is the kernel's), and throughput at 50
 * connections as a fraction of direct TLS.
 *
 * The machine is small and shared: every case runs in rounds, side by side, and each row shows its best round.
 * All clients live in this process and everything shares two cores, so throughput at 50 connections is a
 * whole-system figure: direct clients do their TLS here, relayed clients leave it to the relay's process, and
 * when this process is the bottleneck a relay can even come out ahead of direct TLS. The relay's CPU per round
 * trip is its own process's time and is the figure to compare.
 * `GATEWAY_BENCH_PROFILE=<dir> npm run bench -- gateway` runs the gateway with `--cpu-prof` into `<dir>`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';
import { MemoryDirectoryBackend } from '$server/directory/memory-backend';
import { startDirectory } from '$server/directory/server';
import { ensureLocalCa } from '$server/tls/local-ca';
import { startAtServer } from './atserver-target';
import { percentile } from './measure';
import { startServerProcess, type ServerProcess } from './server-process';
import type { BenchSuite } from './suite';
import { decimal, formatTable, wholeNumber, type Row } from './table';

const warmupMs = 500;
const windowMs = 2_000;
const rounds = 3;
const concurrencies = [1, 50] as const;
const request = 'noop:0\n';
const targets = { cpuMicros: 20, throughputRatio: 0.6 };
const floorRoute = 'bare TCP→TLS pipe';

/** One lockstep connection: send a request, resolve with its whole response. */
interface Lockstep {
  exchange(): Promise<void>;
  close(): void;
}

/**
 * Waits for answers on one connection, whichever transport delivers the bytes. Both clients below are equally
 * lean (no text decoding, no string building) so that the client's own cost, which shares this small machine
 * with the relays, favours neither side.
 */
class Answers {
  #done: (() => void) | undefined;
  #lastByte = 0;

  /** Feeds received bytes; the answer is complete when they end with the prompt after a newline: `…\n@`. */
  receive(bytes: Buffer): void {
    const last = bytes[bytes.length - 1] ?? 0;
    const before = bytes.length >= 2 ? bytes[bytes.length - 2] : this.#lastByte;
    this.#lastByte = last;
    if (this.#done && before === 0x0a && last === 0x40) {
      const done = this.#done;
      this.#done = undefined;
      done();
    }
  }

  next(): Promise<void> {
    return new Promise((resolve) => (this.#done = resolve));
  }
}

const requestBytes = Buffer.from(request);

/** A WebSocket through a relay, as the app holds one: binary chunks in, requests out. */
function openWs(url: string, origin: string): Promise<Lockstep> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin, perMessageDeflate: false });
    const answers = new Answers();
    ws.once('error', reject);
    ws.once('message', (greeting: Buffer) => {
      if (greeting.toString() !== '@') return reject(new Error(`expected the @ greeting, got ${greeting.toString()}`));
      ws.on('message', (data: Buffer) => answers.receive(data));
      resolve({
        exchange: () => {
          const answered = answers.next();
          ws.send(requestBytes);
          return answered;
        },
        close: () => ws.terminate(),
      });
    });
  });
}

/** Lockstep round trips on a socket being opened: ready once the server's `@` greeting has come. */
function lockstepOn(socket: net.Socket): Promise<Lockstep> {
  return new Promise((resolve, reject) => {
    socket.setNoDelay(true);
    const answers = new Answers();
    socket.once('error', reject);
    socket.once('data', (greeting: Buffer) => {
      if (greeting.toString() !== '@') return reject(new Error(`expected the @ greeting, got ${greeting.toString()}`));
      socket.on('data', (data: Buffer) => answers.receive(data));
      resolve({
        exchange: () => {
          const answered = answers.next();
          socket.write(requestBytes);
          return answered;
        },
        close: () => socket.destroy(),
      });
    });
  });
}

/** A TLS connection straight to the atServer. */
const openTls = (port: number, caPem: string) =>
  lockstepOn(tls.connect({ host: '127.0.0.1', port, ca: caPem, servername: 'localhost' }));

/** A plain TCP connection to a relay that speaks TLS onwards (the bare pipe). */
const openTcp = (port: number) => lockstepOn(net.connect({ host: '127.0.0.1', port }));

/** One way to reach the atServer. */
interface Route {
  readonly name: string;
  readonly open: () => Promise<Lockstep>;
  /** CPU µs the relay process has used so far, in user space and in the kernel; null for the direct route. */
  readonly relayCpu: (() => CpuSplit | null) | null;
}

type CpuSplit = { user: number; system: number };

interface Figures {
  readonly ops: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly relayCpuMicrosPerOp: number | null;
  /** The part of it spent in the kernel: system calls, and the loopback's TCP work done in their softirqs. */
  readonly relayKernelMicrosPerOp: number | null;
}

async function measure(route: Route, connections: number): Promise<Figures> {
  const opened: Lockstep[] = [];
  try {
    for (let i = 0; i < connections; i += 10) {
      opened.push(...(await Promise.all(Array.from({ length: Math.min(10, connections - i) }, route.open))));
    }
    let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
    const latencies: number[] = [];
    let [startedAt, stoppedAt] = [0, 0];
    let cpuStart: CpuSplit | null = null;
    let cpuEnd: CpuSplit | null = null;
    const warmup = setTimeout(() => {
      cpuStart = route.relayCpu?.() ?? null;
      startedAt = performance.now();
      phase = 'measure';
      setTimeout(() => {
        stoppedAt = performance.now();
        cpuEnd = route.relayCpu?.() ?? null;
        phase = 'stop';
      }, windowMs);
    }, warmupMs);
    await Promise.all(
      opened.map(async (connection) => {
        while (phase !== 'stop') {
          const begin = performance.now();
          await connection.exchange();
          if (phase === 'measure') latencies.push(performance.now() - begin);
        }
      }),
    ).finally(() => clearTimeout(warmup));
    latencies.sort((a, b) => a - b);
    const used = (part: (split: CpuSplit) => number) =>
      cpuStart === null || cpuEnd === null || latencies.length === 0
        ? null
        : (part(cpuEnd) - part(cpuStart)) / latencies.length;
    return {
      ops: latencies.length,
      opsPerSecond: latencies.length / ((stoppedAt - startedAt) / 1000),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      relayCpuMicrosPerOp: used((split) => split.user + split.system),
      relayKernelMicrosPerOp: used((split) => split.system),
    };
  } finally {
    for (const connection of opened) connection.close();
  }
}

interface Setup {
  readonly routes: readonly Route[];
  readonly processes: ServerProcess[];
  stop(): Promise<void>;
}

async function startRoutes(dir: string): Promise<Setup> {
  const processes: ServerProcess[] = [];
  const material = await ensureLocalCa(dir, ['localhost', '127.0.0.1']);
  const backend = new MemoryDirectoryBackend();
  const directory = await startDirectory({ port: 0, tls: material, backend, limits: { maxConnectionsPerIp: 1_000 } });
  const stop = async () => {
    await Promise.all(processes.map((child) => child.stop()));
    await directory.close();
  };
  try {
    const atServer = await startAtServer(dir, material.caPem);
    processes.push(atServer.process);
    await backend.register(atServer.atSign.slice(1), `localhost:${atServer.port}`);
    const relay = (script: string, argument: number) =>
      startServerProcess(process.execPath, ['--import', 'tsx', script, dir, String(argument)], {
        awaitJsonLine: true,
        timeoutMs: 60_000,
      });
    const profile = process.env.GATEWAY_BENCH_PROFILE;
    const gateway = await startServerProcess(
      process.execPath,
      [
        ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
        ...['--import', 'tsx', 'tests/bench/gateway-process.ts', dir, String(directory.port)],
      ],
      { awaitJsonLine: true, timeoutMs: 60_000 },
    );
    processes.push(gateway);
    const naive = await relay('tests/bench/naive-relay-process.ts', atServer.port);
    processes.push(naive);
    const bare = await relay('tests/bench/bare-relay-process.ts', atServer.port);
    processes.push(bare);
    const gatewayPort = gateway.ready.port as number;
    const naivePort = naive.ready.port as number;
    return {
      processes,
      stop,
      routes: [
        { name: 'direct TLS', open: () => openTls(atServer.port, material.caPem), relayCpu: null },
        {
          name: 'atstack gateway',
          open: () => openWs(`ws://127.0.0.1:${gatewayPort}/ws/${atServer.atSign}`, `http://localhost:${gatewayPort}`),
          relayCpu: gateway.cpuSplit,
        },
        {
          name: 'naive ws relay',
          open: () => openWs(`ws://127.0.0.1:${naivePort}/`, `http://localhost:${naivePort}`),
          relayCpu: naive.cpuSplit,
        },
        { name: floorRoute, open: () => openTcp(bare.ready.port as number), relayCpu: bare.cpuSplit },
      ],
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Every route at every concurrency, `rounds` times interleaved, the order of the routes rotated each round so
 * that none always runs first; keeps each case's best round (most ops/s).
 */
async function measureRounds(routes: readonly Route[], log: (line: string) => void) {
  const best = new Map<string, Figures>();
  for (let round = 1; round <= rounds; round += 1) {
    log(`round ${round} of ${rounds} …`);
    const order = routes.map((_, i) => routes[(i + round) % routes.length]!);
    for (const connections of concurrencies) {
      for (const route of order) {
        const key = `${route.name}|${connections}`;
        const figures = await measure(route, connections);
        if (figures.opsPerSecond > (best.get(key)?.opsPerSecond ?? 0)) best.set(key, figures);
      }
    }
  }
  return (name: string, connections: number) => best.get(`${name}|${connections}`);
}

function report(routes: readonly Route[], figures: (name: string, connections: number) => Figures | undefined) {
  const rows: Row[] = [];
  for (const connections of concurrencies) {
    const direct = figures('direct TLS', connections);
    for (const route of routes) {
      const f = figures(route.name, connections);
      if (!f) continue;
      rows.push([
        route.name,
        String(connections),
        wholeNumber(f.opsPerSecond),
        decimal(f.p50Ms * 1000, 0),
        decimal(f.p99Ms * 1000, 0),
        route.relayCpu ? decimal(f.relayCpuMicrosPerOp, 1) : '',
        route.relayCpu ? decimal(f.relayKernelMicrosPerOp, 1) : '',
        direct ? `${decimal(f.opsPerSecond / direct.opsPerSecond, 2)}×` : 'n/a',
      ]);
    }
    rows.push('rule');
  }
  rows.pop();
  const table = formatTable(
    [
      'noop:0 round trips',
      'connections',
      'round trips/s',
      'p50 µs',
      'p99 µs',
      'relay CPU µs/rt',
      'of it kernel',
      'vs direct',
    ],
    rows,
  );
  const added = (name: string) => {
    const [route, direct] = [figures(name, 1), figures('direct TLS', 1)];
    return route && direct ? (route.p50Ms - direct.p50Ms) * 1000 : null;
  };
  const ratio = (name: string) => {
    const [route, direct] = [figures(name, 50), figures('direct TLS', 50)];
    return route && direct ? route.opsPerSecond / direct.opsPerSecond : null;
  };
  const cpu = (name: string) => figures(name, 50)?.relayCpuMicrosPerOp ?? null;
  const kernel = (name: string) => figures(name, 50)?.relayKernelMicrosPerOp ?? null;
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const gatewayCpu = cpu('atstack gateway');
  const gatewayRatio = ratio('atstack gateway');
  return [
    table,
    '',
    `added latency per round trip (p50, 1 connection): gateway +${decimal(added('atstack gateway'), 0)} µs, ` +
      `naive relay +${decimal(added('naive ws relay'), 0)} µs`,
    `gateway CPU per relayed round trip (50 connections): ${decimal(gatewayCpu, 1)} µs ` +
      `(naive relay ${decimal(cpu('naive ws relay'), 1)} µs; target ≤ ${targets.cpuMicros} µs: ` +
      `${verdict(gatewayCpu !== null && gatewayCpu <= targets.cpuMicros)})`,
    `floor (50 connections): the bare TCP→TLS pipe costs ${decimal(cpu(floorRoute), 1)} µs per round trip, ` +
      `${decimal(kernel(floorRoute), 1)} µs of it in the kernel (two socket reads and two writes; on loopback a`,
    '  write also runs the receiving end of TCP), which no relay in user space avoids; the gateway spends ' +
      `${decimal(kernel('atstack gateway'), 1)} µs there`,
    `throughput at 50 connections: gateway ${decimal(gatewayRatio, 2)}× direct TLS ` +
      `(naive relay ${decimal(ratio('naive ws relay'), 2)}×; target ≥ ${targets.throughputRatio}×: ` +
      `${verdict(gatewayRatio !== null && gatewayRatio >= targets.throughputRatio)})`,
    'CPU is the relay process alone (/proc utime + stime); the atServer, the directory and the clients run in',
    'other processes. The gateway resolves @alice through the atDirectory once per connection (cached).',
    'Throughput shares two cores between clients, relay and atServer: direct clients pay for their own TLS here.',
  ].join('\n');
}

export const gatewaySuite: BenchSuite = {
  name: 'gateway',
  summary:
    'WebSocket-to-TLS gateway vs direct TLS, a naive ws relay and a bare TCP→TLS pipe: added latency, CPU/round trip, throughput',
  async run(log) {
    const dir = await mkdtemp(join(tmpdir(), 'atstack-bench-gateway-'));
    try {
      const setup = await startRoutes(dir);
      try {
        const figures = await measureRounds(setup.routes, log);
        log('');
        log(report(setup.routes, figures));
      } finally {
        await setup.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

/**
 * The notify suite: a notification from one atSign to another, end to end through two atServers — `@alice`'s
 * owner sends `notify:`, her atServer delivers it to `@bob`'s over from/pol and mutual TLS, and `@bob`'s
 * monitor connection receives the `notification:` line. Both atServers run in one child process (so its CPU
 * time is theirs); the load generator and the monitor reader run here.
 *
 * - latency: one notification at a time, from the moment the line is written to @alice's atServer until the
 *   event arrives on @bob's monitor (p50/p99; target p50 under 5 ms on loopback);
 * - sustained rate: `senders` owner connections of @alice send in lockstep for a fixed window; the rate is
 *   notifications delivered to @bob's monitor per second, counted until the last one sent has arrived.
 *
 * `NOTIFY_BENCH_PROFILE=<dir> npm run bench -- notify` runs the atServers with `--cpu-prof` into `<dir>`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { cramDigest } from '$lib/crypto/cram';
import { ensureLocalCa } from '$server/tls/local-ca';
import { promptCompletion } from './atserver-target';
import { LockstepConnection, openConnections } from './load-generator';
import { percentile } from './measure';
import { startServerProcess, type ServerProcess } from './server-process';
import type { BenchSuite } from './suite';
import { decimal, formatTable, wholeNumber } from './table';

/** Latency: 300 warm-up notifications, then up to 3 s or 5,000 measured ones. */
const latencyBudget = { warmup: 300, ms: 3_000, max: 5_000 };
/** Sustained rate: each window sends for 3 s. */
const rateWindowMs = 3_000;
const senderCounts = [1, 8] as const;
/** A value of the size of a small encrypted atProtocol value (base64 text). */
const value = 'A'.repeat(100);

interface Account {
  readonly port: number;
  readonly cramSecret: string;
}

/** An owner connection of `atSign` (CRAM), in lockstep. */
async function owner(atSign: string, account: Account, caPem: string): Promise<LockstepConnection> {
  const connection = await LockstepConnection.connect(account.port, caPem);
  await connection.read((buffer) => (buffer.startsWith('@') ? 1 : -1));
  const challenge = await connection.exchange(`from:${atSign}\n`, promptCompletion('@'));
  const digest = await cramDigest(account.cramSecret, challenge.slice('data:'.length, challenge.indexOf('\n')));
  const answer = await connection.exchange(`cram:${digest}\n`, promptCompletion(`${atSign}@`));
  if (!answer.startsWith('data:success')) throw new Error(`CRAM failed: ${answer}`);
  return connection;
}

/** @bob's monitor: authenticates, sends `monitor`, then reads `notification:` lines and wakes whoever waits. */
class MonitorReader {
  readonly #socket: tls.TLSSocket;
  readonly #waiters = new Map<string, (at: number) => void>();
  #buffer = '';
  /** While authenticating: the answer being waited for. */
  #expecting?: { pattern: RegExp; resolve: (text: string) => void };
  /** How many notifications (not stats) have arrived, and when the last one did. */
  received = 0;
  lastAt = 0;

  private constructor(socket: tls.TLSSocket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.#take(text));
    socket.on('error', () => undefined);
  }

  /** Authenticates as @bob with CRAM, sends `monitor` and waits until the server has taken it. */
  static async open(account: Account, caPem: string): Promise<MonitorReader> {
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const connecting = tls.connect(
        { host: '127.0.0.1', port: account.port, ca: caPem, servername: 'localhost' },
        () => resolve(connecting),
      );
      connecting.once('error', reject);
    });
    const reader = new MonitorReader(socket);
    await reader.#expect(/^@/);
    const challenge = (await reader.#send('from:@bob\n', /^data:(.*)\n@$/))[1] ?? '';
    await reader.#send(`cram:${await cramDigest(account.cramSecret, challenge)}\n`, /^data:success\n@bob@$/);
    // `monitor` answers nothing: a `noop:0` behind it marks the moment the monitor is in place.
    await reader.#send('monitor\nnoop:0\n', /^data:ok\n@bob@$/);
    return reader;
  }

  /** Resolves with the time (performance.now) the event with `id` arrives. */
  arrival(id: string): Promise<number> {
    return new Promise((resolve) => this.#waiters.set(id, resolve));
  }

  close(): void {
    this.#socket.destroy();
  }

  #send(line: string, pattern: RegExp): Promise<RegExpExecArray> {
    const answer = this.#expect(pattern);
    this.#socket.write(line);
    return answer;
  }

  #expect(pattern: RegExp): Promise<RegExpExecArray> {
    return new Promise((resolve) => {
      this.#expecting = { pattern, resolve: (text) => resolve(pattern.exec(text)!) };
      this.#take('');
    });
  }

  #take(text: string): void {
    const now = performance.now();
    this.#buffer += text;
    const expecting = this.#expecting;
    if (expecting) {
      if (!expecting.pattern.test(this.#buffer)) return;
      this.#expecting = undefined;
      const answer = this.#buffer;
      this.#buffer = '';
      expecting.resolve(answer);
      return;
    }
    let end = this.#buffer.indexOf('\n');
    while (end !== -1) {
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 1);
      const id = /^notification: \{"id":"([^"]*)"/.exec(line)?.[1];
      if (id !== undefined && id !== '-1') {
        this.received += 1;
        this.lastAt = now;
        const waiter = this.#waiters.get(id);
        if (waiter) {
          this.#waiters.delete(id);
          waiter(now);
        }
      }
      end = this.#buffer.indexOf('\n');
    }
  }
}

const notifyLine = (id: string) => `notify:id:${id}:messageType:key:@bob:note.bench@alice:${value}\n`;
const acknowledged = promptCompletion('@alice@');

/** One notification at a time: write to @alice's atServer → event on @bob's monitor. */
async function measureLatency(sender: LockstepConnection, monitor: MonitorReader): Promise<number[]> {
  const once = async (id: string) => {
    const arrival = monitor.arrival(id);
    const sent = performance.now();
    const [answer, at] = await Promise.all([sender.exchange(notifyLine(id), acknowledged), arrival]);
    if (!answer.startsWith(`data:${id}`)) throw new Error(`notify failed: ${answer.trim()}`);
    return at - sent;
  };
  for (let n = 0; n < latencyBudget.warmup; n += 1) await once(`warm-${n}`);
  const durations: number[] = [];
  const start = performance.now();
  while (durations.length < latencyBudget.max && performance.now() - start < latencyBudget.ms) {
    durations.push(await once(`lat-${durations.length}`));
  }
  return durations.sort((a, b) => a - b);
}

interface RateFigures {
  readonly senders: number;
  readonly sent: number;
  readonly sentPerSecond: number;
  readonly deliveredPerSecond: number;
  readonly serverCpuMicros: number | null;
}

/** `senders` connections send in lockstep for the window; delivery is timed until the last one arrives. */
async function measureRate(
  senders: LockstepConnection[],
  monitor: MonitorReader,
  server: ServerProcess,
  round: number,
): Promise<RateFigures> {
  const receivedBefore = monitor.received;
  const cpuBefore = server.cpuMicros();
  const start = performance.now();
  let sent = 0;
  let last: Promise<number> = Promise.resolve(start);
  await Promise.all(
    senders.map(async (sender, index) => {
      for (let n = 0; performance.now() - start < rateWindowMs; n += 1) {
        const id = `rate-${round}-${index}-${n}`;
        const answer = await sender.exchange(notifyLine(id), acknowledged);
        if (!answer.startsWith(`data:${id}`)) throw new Error(`notify failed: ${answer.trim()}`);
        sent += 1;
        if (performance.now() - start >= rateWindowMs) last = monitor.arrival(id);
      }
    }),
  );
  const sentSeconds = (performance.now() - start) / 1000;
  await last;
  // Every sender's last notification has arrived; wait for all of them, in case delivery reordered nothing.
  while (monitor.received - receivedBefore < sent) await new Promise((resolve) => setTimeout(resolve, 5));
  const cpuAfter = server.cpuMicros();
  const deliveredSeconds = (monitor.lastAt - start) / 1000;
  return {
    senders: senders.length,
    sent,
    sentPerSecond: sent / sentSeconds,
    deliveredPerSecond: sent / deliveredSeconds,
    serverCpuMicros: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / sent,
  };
}

export const notifySuite: BenchSuite = {
  name: 'notify',
  summary: 'notify end to end between two atServers: latency to the monitor event, sustained notifications/s',
  async run(log) {
    const dir = await mkdtemp(join(tmpdir(), 'atstack-bench-notify-'));
    let server: ServerProcess | undefined;
    const open: { close(): void }[] = [];
    try {
      const material = await ensureLocalCa(dir, ['localhost', '127.0.0.1']);
      const profileDir = process.env.NOTIFY_BENCH_PROFILE;
      const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
      server = await startServerProcess(
        process.execPath,
        [...profile, '--import', 'tsx', 'tests/bench/notify-process.ts', dir],
        { awaitJsonLine: true, timeoutMs: 60_000 },
      );
      const { alice, bob } = server.ready as unknown as { alice: Account; bob: Account };
      const monitor = await MonitorReader.open(bob, material.caPem);
      open.push(monitor);
      const sender = await owner('@alice', alice, material.caPem);
      open.push(sender);

      log('latency …');
      const durations = await measureLatency(sender, monitor);
      log(
        formatTable(
          ['notify → monitor event', 'runs', 'p50 ms', 'p99 ms', 'target'],
          [
            [
              '1 sender, 1 at a time',
              wholeNumber(durations.length),
              decimal(percentile(durations, 50), 3),
              decimal(percentile(durations, 99), 3),
              percentile(durations, 50) < 5 ? 'p50 < 5 ms ✓' : 'p50 < 5 ms ✗',
            ],
          ],
        ),
      );

      log('\nsustained rate …');
      const rows = [];
      for (const [round, count] of senderCounts.entries()) {
        const senders = await openConnections(count, () => owner('@alice', alice, material.caPem));
        open.push(...senders);
        const figures = await measureRate(senders, monitor, server, round);
        rows.push([
          `${figures.senders} sender${figures.senders === 1 ? '' : 's'}`,
          wholeNumber(figures.sent),
          wholeNumber(figures.sentPerSecond),
          wholeNumber(figures.deliveredPerSecond),
          decimal(figures.serverCpuMicros, 0),
        ]);
      }
      log(
        formatTable(
          ['@alice senders (lockstep)', 'notifications', 'sent/s', 'delivered/s', 'server CPU µs/notification'],
          rows,
        ),
      );
    } finally {
      for (const connection of open) connection.close();
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

/**
 * Servers under test run as child processes, so their CPU time can be read apart from the load generator's:
 * `/proc/<pid>/stat` utime + stime, all threads included (Redis's fsync thread, SQLite's work in Node's main
 * thread). Each child is stopped with SIGTERM, then SIGKILL, by {@link ServerProcess.stop}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository root: children run there so tsx finds tsconfig.json and its `$lib`/`$server` paths. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

let ticksPerSecond: number | undefined;

/** Children not yet stopped: killed if this process exits or is interrupted before the suite stops them. */
const running = new Set<ChildProcess>();
let guarded = false;

function guardChildren(): void {
  if (guarded) return;
  guarded = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of running) child.kill('SIGKILL');
      process.kill(process.pid, signal);
    });
  }
}

/** Kernel clock ticks per second (`getconf CLK_TCK`, 100 on Linux). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * CPU time a process has used so far, in µs (user + system, every thread), from `/proc/<pid>/stat`; null where
 * there is no /proc. The granularity is one clock tick (10 ms), small against a 3 s window.
 *
 * @example
 * const before = processCpuMicros(redis.pid); … ; const used = processCpuMicros(redis.pid)! - before!;
 */
export function processCpuMicros(pid: number): number | null {
  const split = processCpuSplit(pid);
  return split && split.user + split.system;
}

/** {@link processCpuMicros} in its two parts: µs in user space and in the kernel (system calls, softirqs). */
export function processCpuSplit(pid: number): { user: number; system: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are plain.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const micros = (ticks: string | undefined) => (Number(ticks) * 1e6) / clockTicks();
    return { user: micros(fields[11]), system: micros(fields[12]) };
  } catch {
    return null;
  }
}

/** A free TCP port on 127.0.0.1 (for servers such as redis-server that cannot be told to pick one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** A running child server. */
export interface ServerProcess {
  readonly pid: number;
  /** The first stdout line the child printed, parsed as JSON (its port and such), or `{}` when none is awaited. */
  readonly ready: Record<string, unknown>;
  /** CPU µs the child has used so far (null without /proc). */
  cpuMicros(): number | null;
  /** The same, in µs in user space and in the kernel. */
  cpuSplit(): { user: number; system: number } | null;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  /** Wait for a JSON line on stdout (the child's facts) rather than just for the spawn. */
  readonly awaitJsonLine: boolean;
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Starts `command` and waits until it is ready: for a TypeScript child, the JSON line it prints once listening.
 * Everything the child writes to stderr is passed through, so a failing server explains itself.
 *
 * @example
 * const echo = await startServerProcess(process.execPath, ['--import', 'tsx', 'tests/bench/echo-server.ts'], …);
 */
export function startServerProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Promise<ServerProcess> {
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: options.env ?? process.env,
    // stdin stays open: a TypeScript child exits when it closes, i.e. when this process dies.
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  guardChildren();
  running.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  return new Promise<ServerProcess>((resolve, reject) => {
    let stdout = '';
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')}: ${why}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${options.timeoutMs} ms`), options.timeoutMs);
    child.once('error', (error) => fail(error.message));
    const early = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`exited (${code ?? signal}) before it was ready; stdout: ${stdout}`);
    child.once('exit', early);
    const ready = (facts: Record<string, unknown>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('exit', early);
      resolve(handle(child, exited, facts));
    };
    if (!options.awaitJsonLine) {
      child.once('spawn', () => ready({}));
      child.stdout?.resume();
      return;
    }
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      stdout += text;
      const newline = stdout.indexOf('\n');
      if (newline === -1 || settled) return;
      try {
        ready(JSON.parse(stdout.slice(0, newline)) as Record<string, unknown>);
      } catch (error) {
        fail(`printed no JSON line: ${String(error)}`);
      }
    });
  });
}

function handle(child: ChildProcess, exited: Promise<void>, ready: Record<string, unknown>): ServerProcess {
  const pid = child.pid ?? -1;
  return {
    pid,
    ready,
    cpuMicros: () => processCpuMicros(pid),
    cpuSplit: () => processCpuSplit(pid),
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

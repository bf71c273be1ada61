/**
 * One load generator for every server the atServer suite compares (ours, Redis, a bare echo server), so their
 * figures differ only by the server: N TLS connections, each in lockstep (send one request, wait for its whole
 * response, send the next), for a warm-up and then a measured window bounded by time and by count.
 */
import tls from 'node:tls';
import { percentile } from './measure';

/** Where a complete response ends in `buffer` (the index just after it), or -1 while it is incomplete. */
export type Completion = (buffer: string) => number;

/** A TLS client connection that sends one request at a time and reads back exactly its response. */
export class LockstepConnection {
  readonly #socket: tls.TLSSocket;
  #buffer = '';
  #waiter?: { complete: Completion; resolve: (response: string) => void; reject: (error: Error) => void };
  #closed?: Error;

  private constructor(socket: tls.TLSSocket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.#buffer += text;
      this.#settle();
    });
    socket.on('error', (error) => this.#close(error));
    socket.on('close', () => this.#close(new Error('connection closed by the server')));
  }

  /** Connects to `127.0.0.1:port` over TLS, trusting `caPem`. */
  static connect(port: number, caPem: string): Promise<LockstepConnection> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ca: caPem, servername: 'localhost' }, () => {
        socket.off('error', reject);
        resolve(new LockstepConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends `request` and resolves with its response (as delimited by `complete`). */
  exchange(request: string, complete: Completion): Promise<string> {
    const response = this.read(complete);
    this.#socket.write(request);
    return response;
  }

  /** Resolves with the next response without sending anything (a greeting such as the atServer's `@`). */
  read(complete: Completion): Promise<string> {
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => {
      this.#waiter = { complete, resolve, reject };
      this.#settle();
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #settle(): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    const end = waiter.complete(this.#buffer);
    if (end < 0) return;
    const response = this.#buffer.slice(0, end);
    this.#buffer = this.#buffer.slice(end);
    this.#waiter = undefined;
    waiter.resolve(response);
  }

  #close(error: Error): void {
    this.#closed ??= error;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(error);
  }
}

/** What the load generator sends and how it reads the answers, for one workload on one server. */
export interface LockstepProtocol {
  /** The request `sequence` of connection `connection` (whole bytes, line ending included). */
  request(connection: number, sequence: number): string;
  readonly complete: Completion;
  /** Why `response` is a failure (then the run stops with it), or undefined for a good answer. */
  failure(response: string): string | undefined;
}

/** How long one measurement runs: untimed warm-up, then at most `ms` and at most `maxOps` answered requests. */
export interface LoadBudget {
  readonly warmupMs: number;
  readonly ms: number;
  readonly maxOps: number;
}

/** The figures of one measured window. */
export interface LoadFigures {
  readonly connections: number;
  readonly ops: number;
  readonly seconds: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server CPU time per answered request, or null when the server's CPU cannot be read. */
  readonly serverCpuMicrosPerOp: number | null;
  /** This process's CPU time per answered request: the load generator's own cost, on the same cores. */
  readonly clientCpuMicrosPerOp: number | null;
}

type Phase = 'warmup' | 'measure' | 'stop';

/**
 * Drives every connection in lockstep with `protocol` and measures the window after the warm-up; the server's
 * CPU (`serverCpuMicros`, cumulative µs) is read at the window's start and end.
 *
 * @example
 * const figures = await runLoad(connections, echoProtocol, { warmupMs: 500, ms: 3_000, maxOps: 1e6 }, echo.cpuMicros);
 */
export async function runLoad(
  connections: readonly LockstepConnection[],
  protocol: LockstepProtocol,
  budget: LoadBudget,
  serverCpuMicros: () => number | null,
): Promise<LoadFigures> {
  let phase: Phase = 'warmup';
  const latencies: number[] = [];
  let startedAt = 0;
  let stoppedAt = 0;
  let cpuAtStart: number | null = null;
  let cpuAtEnd: number | null = null;
  let clientAtStart: NodeJS.CpuUsage | undefined;
  let clientUsed: NodeJS.CpuUsage | undefined;
  let endTimer: NodeJS.Timeout | undefined;

  const stopMeasuring = () => {
    if (phase !== 'measure') return;
    stoppedAt = performance.now();
    cpuAtEnd = serverCpuMicros();
    clientUsed = process.cpuUsage(clientAtStart);
    phase = 'stop';
  };
  const warmupTimer = setTimeout(() => {
    cpuAtStart = serverCpuMicros();
    clientAtStart = process.cpuUsage();
    startedAt = performance.now();
    phase = 'measure';
    endTimer = setTimeout(stopMeasuring, budget.ms);
  }, budget.warmupMs);

  const drive = async (connection: LockstepConnection, index: number) => {
    for (let sequence = 0; phase !== 'stop'; sequence += 1) {
      const begin = performance.now();
      const response = await connection.exchange(protocol.request(index, sequence), protocol.complete);
      const failure = protocol.failure(response);
      if (failure !== undefined) throw new Error(`request failed: ${failure}`);
      if (phase !== 'measure') continue;
      latencies.push(performance.now() - begin);
      if (latencies.length >= budget.maxOps) stopMeasuring();
    }
  };

  try {
    await Promise.all(connections.map(drive));
  } finally {
    phase = 'stop';
    clearTimeout(warmupTimer);
    clearTimeout(endTimer);
  }
  latencies.sort((a, b) => a - b);
  const seconds = (stoppedAt - startedAt) / 1000;
  const cpu = cpuAtStart !== null && cpuAtEnd !== null ? cpuAtEnd - cpuAtStart : null;
  return {
    connections: connections.length,
    ops: latencies.length,
    seconds,
    opsPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    serverCpuMicrosPerOp: cpu === null || latencies.length === 0 ? null : cpu / latencies.length,
    clientCpuMicrosPerOp:
      clientUsed && latencies.length > 0 ? (clientUsed.user + clientUsed.system) / latencies.length : null,
  };
}

/** Opens `count` connections with `open`, closing every one already open if any of them fails. */
export async function openConnections(
  count: number,
  open: () => Promise<LockstepConnection>,
): Promise<LockstepConnection[]> {
  const opened: LockstepConnection[] = [];
  // A few at a time: fifty simultaneous handshakes (and CRAM exchanges) would only queue behind each other.
  for (let i = 0; i < count; i += 10) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(10, count - i) }, () => open()));
    for (const result of batch) if (result.status === 'fulfilled') opened.push(result.value);
    const failed = batch.find((result) => result.status === 'rejected');
    if (failed) {
      for (const connection of opened) connection.close();
      throw failed.reason;
    }
  }
  return opened;
}

/** Ends at the first `\n` (a line). */
export const lineCompletion: Completion = (buffer) => {
  const newline = buffer.indexOf('\n');
  return newline === -1 ? -1 : newline + 1;
};

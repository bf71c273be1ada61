/**
 * Timing and memory sampling for benchmarks, isomorphic: Web APIs only, so a workload built on it runs the same in
 * Node and, bundled, in a browser page. Every loop is bounded by both a time budget and a run count.
 */

/** How long a measurement may run: at most `ms` of timed runs (but at least `minRuns`) and never past `maxRuns`. */
export interface Budget {
  readonly ms: number;
  readonly minRuns: number;
  readonly maxRuns: number;
  /** Untimed runs first, so key imports, caches and the JIT are warm. */
  readonly warmupRuns: number;
}

/** The peak memory seen by {@link sampleHeap}, and where the figure comes from. */
export interface HeapPeak {
  readonly bytes: number | null;
  readonly source: string;
}

type Operation = () => unknown;

// Node reports its heap and ArrayBuffer memory synchronously, so the loops below sample it themselves (a sync loop
// would starve any timer). A page cannot: Chromium's performance.memory stays frozen at its first value (seen in
// Chromium 156, even with --enable-precise-memory-info), so the bench samples a page from outside, over CDP.
const nodeProcess = (globalThis as { process?: { memoryUsage?: () => { heapUsed: number; arrayBuffers: number } } })
  .process;
const heapSource = nodeProcess?.memoryUsage ? 'process.memoryUsage(): heapUsed + arrayBuffers' : 'unavailable';

let peakHeap: number | null = null;
let lastSample = -Infinity;
const sampleEveryMs = 20;

/** Records JS heap plus ArrayBuffer bytes if the last sample is older than 20 ms (or `force`). Cheap to call often. */
export function sampleHeap(force = false): void {
  if (!nodeProcess?.memoryUsage) return;
  const now = performance.now();
  if (!force && now - lastSample < sampleEveryMs) return;
  lastSample = now;
  const { heapUsed, arrayBuffers } = nodeProcess.memoryUsage();
  peakHeap = Math.max(peakHeap ?? 0, heapUsed + arrayBuffers);
}

/** The largest figure sampled so far in this runtime (`null` where the runtime cannot report one). */
export function heapPeak(): HeapPeak {
  return { bytes: peakHeap, source: heapSource };
}

async function once(operation: Operation): Promise<void> {
  const result = operation();
  // Synchronous paths (noble) are timed without an extra microtask per run.
  if (result instanceof Promise) await result;
}

/**
 * Runs `operation` back to back, one at a time, within `budget`, and reports how many runs fit in how many seconds.
 *
 * @example
 * const { runs, seconds } = await throughput(() => encryptAesBytes(record, key, iv), { ms: 600, minRuns: 3, maxRuns: 1e6, warmupRuns: 200 });
 */
export async function throughput(operation: Operation, budget: Budget): Promise<{ runs: number; seconds: number }> {
  for (let i = 0; i < budget.warmupRuns; i += 1) await once(operation);
  sampleHeap(true);
  const start = performance.now();
  let runs = 0;
  let elapsed = 0;
  while (runs < budget.maxRuns && (elapsed < budget.ms || runs < budget.minRuns)) {
    await once(operation);
    runs += 1;
    elapsed = performance.now() - start;
    sampleHeap();
  }
  return { runs, seconds: elapsed / 1000 };
}

/**
 * Times each run of `operation` within `budget` and returns the durations in milliseconds, sorted ascending.
 *
 * @example
 * const p99 = percentile(await latencies(() => rsaDecrypt(envelope, privateKey), budget), 99);
 */
export async function latencies(operation: Operation, budget: Budget): Promise<number[]> {
  for (let i = 0; i < budget.warmupRuns; i += 1) await once(operation);
  sampleHeap(true);
  const durations: number[] = [];
  const start = performance.now();
  while (
    durations.length < budget.maxRuns &&
    (performance.now() - start < budget.ms || durations.length < budget.minRuns)
  ) {
    const begin = performance.now();
    await once(operation);
    durations.push(performance.now() - begin);
    sampleHeap();
  }
  return durations.sort((a, b) => a - b);
}

/**
 * The nearest-rank `p`th percentile of ascending `sorted` values (NaN for none).
 *
 * @example
 * percentile([1, 2, 3, 4], 50); // 2
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

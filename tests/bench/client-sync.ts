/**
 * The client-sync suite: an initial sync, in Chromium, of 10,000 encrypted 1 KiB self records from a real atServer
 * through the real gateway into IndexedDB, decrypted as they land (issue 6 target: at least 5,000 records/s here).
 * The syncs run in a worker, as the app's do, one that Playwright leaves uninstrumented ({@link
 * startWorkloadWorker}); for comparison the decrypted sync runs once more on the page's main thread, where
 * Playwright has Chromium report every WebSocket frame to it. It also times the sync without decryption, the
 * `sync:from` pages alone and IndexedDB writes alone, and prints the CPU per record of this process and of
 * Chromium, and the worker's peak JS heap. The decrypted sync in the worker, the figure the target is about, runs
 * {@link decryptedRuns} times; its row is the median run, and every run's rate is printed under the table. The atServer, atDirectory and gateway run in this process.
 * `CLIENT_SYNC_BENCH_PROFILE=<file> npm run bench -- client-sync` writes the worker's CPU profile of the decrypted
 * sync to `<file>` (open it in Chromium's DevTools).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { chromium } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium-path.mjs';
import { encryptAes } from '$lib/crypto/aes-ctr';
import { generateIvNonce } from '$lib/crypto/aes-key';
import { freshMetadata } from '$server/atserver/records';
import { startGateway } from '$server/gateway/gateway';
import { startStack, type Stack } from '../integration/atserver/harness';
import { newAtKeys } from '../integration/client/client-atsigns';
import { loadModuleInPage } from '../support/browser-bundle';
import { sampleHeapUsage, type HeapUsage } from './chromium-heap';
import { startWorkloadWorker, type WorkloadWorker } from './client-sync-worker';
import { processCpuMicros } from './server-process';
import type * as Workload from './client-sync-workload';
import type { SyncFigures } from './client-sync-workload';
import type { BenchSuite } from './suite';
import { formatTable, mebibytes, wholeNumber, type Row } from './table';

const recordCount = 10_000;
/** The decrypted sync in the worker runs this many times; the target row is their median (the machine is shared). */
const decryptedRuns = 3;
const plaintextLength = 1_024;
const atSign = '@alice';

/**
 * Writes `recordCount` self records straight into the atServer's store, each 1 KiB of text encrypted as the
 * client encrypts self data (AES-256-CTR under the self key, random ivNonce): all at once, so group commit
 * makes it a few transactions instead of 10,000 round trips.
 */
async function seed(stack: Stack, selfKey: string): Promise<void> {
  const { store, clock } = stack.host.server(atSign)!.context;
  const writes: Promise<number>[] = [];
  for (let i = 0; i < recordCount; i += 1) {
    const ivNonce = generateIvNonce();
    const plaintext = `${i}:`.padEnd(plaintextLength, 'abcdefghijklmnopqrstuvwxyz');
    const value = await encryptAes(plaintext, selfKey, ivNonce);
    const metadata = freshMetadata(atSign, clock.now(), { isEncrypted: true, ivNonce });
    writes.push(store.keys.put({ key: `r${i}.bench${atSign}`, value, metadata }, '*'));
  }
  await Promise.all(writes);
}

const rate = (figures: SyncFigures) => figures.records / figures.seconds;

/** Every process below `root` (Chromium's browser, renderers, GPU and utility processes), from `/proc`. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  for (let queue = [root]; queue.length > 0;) {
    const next = children.get(queue.pop()!) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

/** CPU used per record, in µs: this process (atServer, atDirectory, gateway) and Chromium (all its processes). */
interface CpuFigures {
  readonly bench: number;
  readonly chromium: number;
}

/** CPU µs used so far by this process and by Chromium; null where there is no /proc. */
function cpuNow(): { bench: number; chromium: number } | null {
  const bench = processCpuMicros(process.pid);
  if (bench === null) return null;
  const chromium = descendants(process.pid).reduce((sum, pid) => sum + (processCpuMicros(pid) ?? 0), 0);
  return { bench, chromium };
}

/** Runs `action` and gives its result with the CPU per record it took (null where there is no /proc). */
async function withCpu<T>(records: number, action: () => Promise<T>): Promise<[T, CpuFigures | null]> {
  const before = cpuNow();
  const result = await action();
  const after = cpuNow();
  if (!before || !after) return [result, null];
  const per = (used: number) => used / records;
  return [result, { bench: per(after.bench - before.bench), chromium: per(after.chromium - before.chromium) }];
}

/** Records the worker's CPU profile when `CLIENT_SYNC_BENCH_PROFILE` names a file; otherwise does nothing. */
async function startProfile(worker: WorkloadWorker<typeof Workload>): Promise<{ stop(): Promise<void> }> {
  const file = process.env.CLIENT_SYNC_BENCH_PROFILE;
  if (!file) return { stop: async () => undefined };
  await worker.send('Profiler.enable');
  await worker.send('Profiler.start');
  return {
    async stop() {
      const { profile } = await worker.send<{ profile: unknown }>('Profiler.stop');
      await writeFile(file, JSON.stringify(profile));
    },
  };
}

/** What the suite measured. */
interface Figures {
  /** The median of the decrypted runs in the worker. */
  readonly full: SyncFigures;
  readonly fullCpu: CpuFigures | null;
  /** Every decrypted run's rate, in the order run. */
  readonly fullRates: readonly number[];
  readonly plain: SyncFigures;
  readonly plainCpu: CpuFigures | null;
  readonly onPage: SyncFigures;
  readonly onPageCpu: CpuFigures | null;
  readonly pagesOnly: number;
  readonly idbPerPage: number;
  readonly idbLarge: number;
  readonly heapBytes: number | null;
  readonly version: string;
}

async function run(log: (line: string) => void): Promise<void> {
  const stack = await startStack();
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs });
  try {
    const { cramSecret } = await stack.create(atSign);
    const keys = await newAtKeys(atSign);
    log(`seeding ${wholeNumber(recordCount)} encrypted records …`);
    await seed(stack, keys.selfEncryptionKey);
    const page = await browser.newPage();
    const workload = await loadModuleInPage<typeof Workload>(
      page,
      new URL('./client-sync-workload.ts', import.meta.url),
    );
    const worker = await startWorkloadWorker<typeof Workload>(page, browser);
    const gateway = await startGateway({
      port: 0,
      directory: { host: '127.0.0.1', port: stack.directory.port, ca: stack.tls.caPem },
      atServerCa: stack.tls.caPem,
      policy: { atServerHosts: ['localhost'], allowedAddressClasses: ['loopback'] },
      origins: [workload.origin],
    });
    try {
      const input = { gateway: `http://127.0.0.1:${gateway.port}`, atSign, cramSecret, keys, plaintextLength };
      log('IndexedDB alone …');
      const idbPerPage = await worker.call('measureIdbWrites', recordCount, 1_400, 25);
      const idbLarge = await worker.call('measureIdbWrites', recordCount, 1_400, 1_000);
      log('sync:from pages alone …');
      const pagesOnly = await worker.call('measurePagesOnly', input);
      log('sync without decryption …');
      const [plain, plainCpu] = await withCpu(recordCount, () => worker.call('measureInitialSync', input, false));
      log('sync with decryption …');
      const sampler = sampleHeapUsage(() => worker.send<HeapUsage>('Runtime.getHeapUsage'));
      const profiler = await startProfile(worker);
      const fullRuns: [SyncFigures, CpuFigures | null][] = [];
      for (let i = 0; i < decryptedRuns; i += 1) {
        fullRuns.push(await withCpu(recordCount, () => worker.call('measureInitialSync', input, true)));
      }
      const [full, fullCpu] = [...fullRuns].sort(([a], [b]) => rate(a) - rate(b))[Math.floor(decryptedRuns / 2)]!;
      await profiler.stop();
      const heap = await sampler.stop();
      log("sync with decryption on the page's main thread …");
      const [onPage, onPageCpu] = await withCpu(recordCount, () => workload.call('measureInitialSync', input, true));
      log('');
      const version = browser.version();
      log(
        report({
          full,
          fullCpu,
          fullRates: fullRuns.map(([figures]) => rate(figures)),
          plain,
          plainCpu,
          onPage,
          onPageCpu,
          pagesOnly,
          idbPerPage,
          idbLarge,
          heapBytes: heap.bytes,
          version,
        }),
      );
      if (full.decrypted !== recordCount) log(`\nWARNING: ${full.decrypted} of ${recordCount} records decrypted`);
    } finally {
      await worker.close();
      await workload.close();
      await gateway.close();
    }
  } finally {
    await browser.close();
    await stack.stop();
  }
}

function report(figures: Figures): string {
  const { full, plain, onPage } = figures;
  const micros = (cpu: CpuFigures | null) =>
    cpu ? [`${wholeNumber(cpu.bench)} µs`, `${wholeNumber(cpu.chromium)} µs`] : ['n/a', 'n/a'];
  const sync = (label: string, sync: SyncFigures, cpu: CpuFigures | null): Row => [
    label,
    `${wholeNumber(rate(sync))}/s`,
    `${sync.seconds.toFixed(2)} s`,
    ...micros(cpu),
  ];
  const rows: Row[] = [
    sync(`initial sync, decrypted, median of ${decryptedRuns} (target ≥ 5,000/s)`, full, figures.fullCpu),
    sync('initial sync, not decrypted', plain, figures.plainCpu),
    sync("initial sync, decrypted, on the page's main thread", onPage, figures.onPageCpu),
    'rule',
    ['sync:from pages alone, one at a time, fetched and parsed', `${wholeNumber(figures.pagesOnly)}/s`, '', '', ''],
    ['IndexedDB alone, 25 records per transaction', `${wholeNumber(figures.idbPerPage)}/s`, '', '', ''],
    ['IndexedDB alone, 1,000 records per transaction', `${wholeNumber(figures.idbLarge)}/s`, '', '', ''],
    'rule',
    ['peak JS heap of the worker during the decrypted sync', mebibytes(figures.heapBytes), '', '', ''],
  ];
  const notes = [
    `decrypted sync in the worker, each run: ${figures.fullRates.map((r) => `${wholeNumber(r)}/s`).join(', ')};`,
    `Chromium ${figures.version}; ${wholeNumber(full.records)} records (${wholeNumber(recordCount)} seeded plus the atSign's own),`,
    `${wholeNumber(full.decrypted)} decrypted to ${plaintextLength} characters, ${full.decryptFailures} failures;`,
    `${full.transactions} IndexedDB transactions (sync:from pages of up to 25 records, four to a batch: request, lock-step, gathered).`,
    'Syncs run in a SharedWorker, which Playwright does not instrument; on the page it has Chromium report every',
    'WebSocket frame to it. CPU per record: /proc utime + stime over the sync, of this process (atServer, atDirectory,',
    'gateway) and of all Chromium processes (10 ms ticks). Connecting and CRAM not timed. Heap: CDP usedSize +',
    'backingStorageSize of the worker.',
  ];
  return `${formatTable(['', 'rate', 'time', 'CPU here', 'CPU Chromium'], rows)}\n\n${notes.join('\n')}`;
}

/** The client-sync suite for `tests/bench/run.ts`. */
export const clientSyncSuite: BenchSuite = {
  name: 'client-sync',
  summary: 'initial sync of 10,000 encrypted 1 KiB records into IndexedDB in Chromium, through the gateway',
  run,
};

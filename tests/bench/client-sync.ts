/**
 * The client-sync suite: an initial sync, in Chromium, of 10,000 encrypted 1 KiB self records from a real atServer
 * through the real gateway into IndexedDB, decrypted as they land (issue 6 target: at least 5,000 records/s here).
 * For comparison it also times the same sync without decryption and IndexedDB writes alone, and prints the page's
 * peak JS heap. The atServer, atDirectory and gateway run in this process; Chromium in its own.
 * `CLIENT_SYNC_BENCH_PROFILE=<file> npm run bench -- client-sync` writes the page's CPU profile of the decrypted
 * sync to `<file>` (open it in Chromium's DevTools).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { chromium, type Page } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium-path.mjs';
import { encryptAes } from '$lib/crypto/aes-ctr';
import { generateIvNonce } from '$lib/crypto/aes-key';
import { freshMetadata } from '$server/atserver/records';
import { startGateway } from '$server/gateway/gateway';
import { startStack, type Stack } from '../integration/atserver/harness';
import { newAtKeys } from '../integration/client/client-atsigns';
import { loadModuleInPage } from '../support/browser-bundle';
import { sampleChromiumHeap } from './chromium-heap';
import { processCpuMicros } from './server-process';
import type * as Workload from './client-sync-workload';
import type { SyncFigures } from './client-sync-workload';
import type { BenchSuite } from './suite';
import { formatTable, mebibytes, wholeNumber, type Row } from './table';

const recordCount = 10_000;
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

/** Every process below this one (Chromium's browser, renderers, GPU and utility processes), from `/proc`. */
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

/** CPU µs used so far by this process (atServer, atDirectory, gateway) and by Chromium (all its processes). */
function cpuNow(): { bench: number; chromium: number } | null {
  const bench = processCpuMicros(process.pid);
  if (bench === null) return null;
  const chromium = descendants(process.pid).reduce((sum, pid) => sum + (processCpuMicros(pid) ?? 0), 0);
  return { bench, chromium };
}

/** CPU per record while `action` runs, in µs, for this process and Chromium's; null where there is no /proc. */
async function cpuPerRecord<T extends SyncFigures>(action: () => Promise<T>): Promise<[T, CpuFigures | null]> {
  const before = cpuNow();
  const detail = () => new Map(descendants(process.pid).map((pid) => { let t = ''; try { t = (readFileSync(`/proc/${pid}/cmdline`, 'utf8').match(/--type=([\w-]+)/)?.[1] ?? 'browser') + (readFileSync(`/proc/${pid}/cmdline`, 'utf8').match(/--utility-sub-type=([\w.-]+)/)?.[1] ?? ''); } catch {} return [pid, [t, processCpuMicros(pid) ?? 0] as const]; }));
  const d0 = detail();
  const figures = await action();
  const after = cpuNow();
  for (const [pid, [t, c]] of detail()) console.log('DETAIL', pid, t, Math.round((c - (d0.get(pid)?.[1] ?? 0)) / figures.records), 'µs/record');
  if (!before || !after) return [figures, null];
  const per = (used: number) => used / figures.records;
  return [figures, { bench: per(after.bench - before.bench), chromium: per(after.chromium - before.chromium) }];
}

interface CpuFigures {
  readonly bench: number;
  readonly chromium: number;
}

/** Records the page's CPU profile when `CLIENT_SYNC_BENCH_PROFILE` names a file; otherwise does nothing. */
async function startProfile(page: Page): Promise<{ stop(): Promise<void> }> {
  const file = process.env.CLIENT_SYNC_BENCH_PROFILE;
  if (!file) return { stop: async () => undefined };
  const session = await page.context().newCDPSession(page);
  await session.send('Profiler.enable');
  await session.send('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.send('Profiler.stop');
      await writeFile(file, JSON.stringify(profile));
      await session.detach();
    },
  };
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
      const idbPerPage = await workload.call('measureIdbWrites', recordCount, 1_400, 25);
      const idbLarge = await workload.call('measureIdbWrites', recordCount, 1_400, 1_000);
      log('sync:from pages alone …');
      const pagesOnly = await workload.call('measurePagesOnly', input);
      log('sync without decryption …');
      const [plain, plainCpu] = await cpuPerRecord(() => workload.call('measureInitialSync', input, false));
      log('sync with decryption …');
      const sampler = await sampleChromiumHeap(page);
      const profiler = await startProfile(page);
      const [full, fullCpu] = await cpuPerRecord(() => workload.call('measureInitialSync', input, true));
      await profiler.stop();
      const heap = await sampler.stop();
      log('');
      const cpu = { full: fullCpu, plain: plainCpu };
      log(report(full, plain, pagesOnly, idbPerPage, idbLarge, heap.bytes, cpu, browser.version()));
      if (full.decrypted !== recordCount) log(`\nWARNING: ${full.decrypted} of ${recordCount} records decrypted`);
    } finally {
      await workload.close();
      await gateway.close();
    }
  } finally {
    await browser.close();
    await stack.stop();
  }
}

function report(
  full: SyncFigures,
  plain: SyncFigures,
  pagesOnly: number,
  idbPerPage: number,
  idbLarge: number,
  heapBytes: number | null,
  cpu: { full: CpuFigures | null; plain: CpuFigures | null },
  version: string,
): string {
  const micros = (figure: number | undefined) => (figure === undefined ? 'n/a' : `${wholeNumber(figure)} µs`);
  const rows: Row[] = [
    [
      'initial sync, decrypted (target ≥ 5,000/s)',
      `${wholeNumber(rate(full))} records/s`,
      `${full.seconds.toFixed(2)} s`,
    ],
    ['initial sync, not decrypted', `${wholeNumber(rate(plain))} records/s`, `${plain.seconds.toFixed(2)} s`],
    ['sync:from pages alone, fetched and parsed', `${wholeNumber(pagesOnly)} records/s`, ''],
    ['IndexedDB alone, 25 records per transaction', `${wholeNumber(idbPerPage)} records/s`, ''],
    ['IndexedDB alone, 1,000 records per transaction', `${wholeNumber(idbLarge)} records/s`, ''],
    'rule',
    ['CPU per record, decrypted: this process / Chromium', micros(cpu.full?.bench), micros(cpu.full?.chromium)],
    ['CPU per record, not decrypted: this process / Chromium', micros(cpu.plain?.bench), micros(cpu.plain?.chromium)],
    ['peak JS heap of the page during the decrypted sync', mebibytes(heapBytes), ''],
  ];
  const notes = [
    `Chromium ${version}; ${wholeNumber(full.records)} records (${wholeNumber(recordCount)} seeded plus the atSign's own),`,
    `${wholeNumber(full.decrypted)} decrypted to ${plaintextLength} characters, ${full.decryptFailures} failures;`,
    `${full.transactions} IndexedDB transactions (sync:from pages of up to 25 records, gathered into transactions).`,
    'atServer, atDirectory and gateway in the bench process; connecting and CRAM not timed. Heap: CDP usedSize + backingStorageSize.',
    'CPU: /proc utime + stime over the sync, of this process and of all Chromium processes (10 ms ticks).',
  ];
  return `${formatTable(['', 'rate', 'time'], rows)}\n\n${notes.join('\n')}`;
}

/** The client-sync suite for `tests/bench/run.ts`. */
export const clientSyncSuite: BenchSuite = {
  name: 'client-sync',
  summary: 'initial sync of 10,000 encrypted 1 KiB records into IndexedDB in Chromium, through the gateway',
  run,
};

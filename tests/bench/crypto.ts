/**
 * The crypto suite: AES-256-CTR throughput and RSA-2048 latencies of `src/lib/crypto`, measured by one workload
 * (`crypto-workload.ts`) in Node and, bundled, in a Chromium page, printed side by side.
 */
import { chromium } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium-path.mjs';
import { loadModuleInPage } from '../support/browser-bundle';
import { sampleChromiumHeap } from './chromium-heap';
import type * as Workload from './crypto-workload';
import { blobBytes, measureCrypto, recordBytes, type CryptoBudgets, type CryptoFigures } from './crypto-workload';
import type { HeapPeak } from './measure';
import type { BenchSuite } from './suite';
import { decimal, formatTable, mebibytes, wholeNumber, type Row } from './table';

/** About 5 s of AES and up to 6 s of RSA per runtime. */
const budgets: CryptoBudgets = { aesMs: 600, rsaMs: 3_000, rsaMaxRuns: 300 };

/** One runtime's figures, with what only the host can see. */
interface RuntimeFigures {
  readonly label: string;
  readonly figures: CryptoFigures;
  readonly heap: HeapPeak;
  readonly peakRssBytes: number | null;
}

async function inNode(): Promise<RuntimeFigures> {
  const figures = await measureCrypto(budgets);
  // maxRSS is this process's peak so far, read before Chromium and the bundler add anything to it.
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  return { label: `Node ${process.version}`, figures, heap: figures.heap, peakRssBytes };
}

async function inChromium(): Promise<RuntimeFigures> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs });
  try {
    const page = await browser.newPage();
    const workload = await loadModuleInPage<typeof Workload>(page, new URL('./crypto-workload.ts', import.meta.url));
    try {
      const sampler = await sampleChromiumHeap(page);
      const figures = await workload.call('measureCrypto', budgets);
      const heap = await sampler.stop();
      return { label: `Chromium ${browser.version()}`, figures, heap, peakRssBytes: null };
    } finally {
      await workload.close();
    }
  } finally {
    await browser.close();
  }
}

const sizeLabel = (bytes: number) => (bytes === recordBytes ? '1 KiB records' : '1 MiB blobs');
const megabytesPerSecond = (bytes: number, runs: number, seconds: number) => (bytes * runs) / seconds / 1e6;

function aesCell(runtime: RuntimeFigures, path: string, direction: string, bytes: number): string {
  const figure = runtime.figures.aes.find((f) => f.path === path && f.direction === direction && f.bytes === bytes);
  if (!figure) return 'n/a';
  const rate = megabytesPerSecond(bytes, figure.runs, figure.seconds);
  if (bytes === blobBytes) return `${decimal(rate, 1)} MB/s`;
  return `${wholeNumber(figure.runs / figure.seconds)} rec/s  ${decimal(rate, 1)} MB/s`;
}

function rsaCell(runtime: RuntimeFigures, operation: string): string {
  const figure = runtime.figures.rsa.find((f) => f.operation === operation);
  if (!figure) return 'n/a';
  return `p50 ${decimal(figure.p50Ms, 2)}  p99 ${decimal(figure.p99Ms, 2)} ms  (n=${figure.runs})`;
}

function report(runtimes: readonly RuntimeFigures[]): string {
  const rows: Row[] = [];
  for (const bytes of [recordBytes, blobBytes]) {
    for (const path of ['WebCrypto', 'noble'] as const) {
      for (const direction of ['encrypt', 'decrypt'] as const) {
        const label = `AES-256-CTR ${sizeLabel(bytes)}, ${path} ${direction}`;
        rows.push([label, ...runtimes.map((runtime) => aesCell(runtime, path, direction, bytes))]);
      }
    }
    rows.push('rule');
  }
  rows.push(['RSA-2048 PKCS#1 v1.5 decrypt (micro-rsa-dsa-dh)', ...runtimes.map((r) => rsaCell(r, 'decrypt'))]);
  rows.push(['RSA-2048 SHA256withRSA sign (WebCrypto)', ...runtimes.map((r) => rsaCell(r, 'sign'))]);
  rows.push('rule');
  rows.push(['peak JS heap + ArrayBuffers (sampled)', ...runtimes.map((r) => mebibytes(r.heap.bytes))]);
  rows.push(['peak RSS of the bench process', ...runtimes.map((r) => mebibytes(r.peakRssBytes))]);
  const header = ['', ...runtimes.map((runtime) => runtime.label)];
  const notes = [
    'One operation at a time (each awaited); MB = 10^6 bytes of plaintext; PKCS#7 padding included.',
    `Each AES figure: ${budgets.aesMs} ms of runs after warm-up. RSA: up to ${budgets.rsaMaxRuns} runs or ${budgets.rsaMs} ms.`,
    ...runtimes.map((r) => `Memory, ${r.label}: ${r.heap.source}.`),
  ];
  return `${formatTable(header, rows)}\n\n${notes.join('\n')}`;
}

/** The crypto suite for `tests/bench/run.ts`. */
export const cryptoSuite: BenchSuite = {
  name: 'crypto',
  summary: 'AES-256-CTR throughput and RSA-2048 latency, in Node and in Chromium',
  async run(log) {
    log('measuring in Node …');
    const node = await inNode();
    log('measuring in Chromium …');
    const browser = await inChromium();
    log('');
    log(report([node, browser]));
  },
};

import type { Page } from '@playwright/test';
import type { HeapPeak } from './measure';

/** A running sampler; `stop` ends it and gives the peak. */
export interface HeapSampler {
  stop(): Promise<HeapPeak>;
}

/**
 * Polls a page's JS heap plus ArrayBuffer backing stores over CDP (`Runtime.getHeapUsage`) every `everyMs` until
 * stopped. The renderer answers only between tasks, so a long synchronous loop is seen at its end, not within it.
 *
 * @example
 * const sampler = await sampleChromiumHeap(page);
 * await workload.call('measureCrypto', budgets);
 * const { bytes } = await sampler.stop();
 */
export async function sampleChromiumHeap(page: Page, everyMs = 50): Promise<HeapSampler> {
  const session = await page.context().newCDPSession(page);
  return sampleHeapUsage(
    () => session.send('Runtime.getHeapUsage'),
    everyMs,
    () => session.detach(),
  );
}

/** What `Runtime.getHeapUsage` answers, as far as the samplers need it. */
export interface HeapUsage {
  readonly usedSize: number;
  readonly backingStorageSize: number;
}

/**
 * Polls `read` (a `Runtime.getHeapUsage` of some target: a page, a worker) every `everyMs` until stopped, then
 * calls `done`; the peak is usedSize + backingStorageSize.
 */
export function sampleHeapUsage(
  read: () => Promise<HeapUsage>,
  everyMs = 50,
  done: () => Promise<void> = async () => undefined,
): HeapSampler {
  let peak = 0;
  let running = true;
  const sample = async () => {
    const usage = await read();
    peak = Math.max(peak, usage.usedSize + usage.backingStorageSize);
  };
  const loop = (async () => {
    while (running) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await sample();
      await done();
      return { bytes: peak, source: 'CDP Runtime.getHeapUsage: usedSize + backingStorageSize' };
    },
  };
}

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
  let peak = 0;
  let running = true;
  const sample = async () => {
    const usage = await session.send('Runtime.getHeapUsage');
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
      await session.detach();
      return { bytes: peak, source: 'CDP Runtime.getHeapUsage: usedSize + backingStorageSize' };
    },
  };
}

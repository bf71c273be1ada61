import { expect, test } from '@playwright/test';
import { loadModuleInPage } from '../support/browser-bundle';
import type * as StoreChecks from '../support/client-store-checks';

const entry = new URL('../support/client-store-checks.ts', import.meta.url);
/** The client's local store in Chromium: records, outbox and conflicts in real IndexedDB. */
test.describe('client store in Chromium', () => {
  test('the store applies pages, keeps the outbox across reopening and records a conflict', async ({ page }) => {
    const checks = await loadModuleInPage<typeof StoreChecks>(page, entry);
    try {
      const outcome = await checks.call('storeInIndexedDb', 2_000);
      expect(outcome).toEqual({
        records: 2_000,
        watermark: 2_000,
        pendingAfterReopen: ['update:k00001.wavi@bob mine'],
        localValue: 'mine',
        conflicts: 1,
        remoteValueAfterConflict: 'theirs',
        atomicFailureLeftRecords: 0,
      });
    } finally {
      await checks.close();
    }
  });
});

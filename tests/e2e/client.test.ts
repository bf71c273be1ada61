import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startClientRig, type ClientRig } from '../integration/client/harness';
import { bundleForBrowser, moduleInPage } from '../support/browser-bundle';
import type * as ClientChecks from '../support/client-checks';

const checksEntry = new URL('../support/client-checks.ts', import.meta.url);
const workerEntry = new URL('../../src/lib/client/worker/entry.ts', import.meta.url);

/**
 * The atClient in Chromium as the app runs it: the page keeps passphrases and derives the vault key, a real Worker
 * holds the unlocked keys, IndexedDB keeps the keys and records, and the atProtocol goes through the real gateway
 * (which serves the test page, so its origin and Content-Security-Policy are the app's) to a real atServer.
 */
test.describe('atClient in Chromium through the gateway', () => {
  let rig: ClientRig;
  let appDir: string;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    appDir = await mkdtemp(join(tmpdir(), 'atstack-client-e2e-'));
    await writeFile(join(appDir, 'bundle.js'), await bundleForBrowser(checksEntry));
    await writeFile(join(appDir, 'worker.js'), await bundleForBrowser(workerEntry));
    await writeFile(
      join(appDir, 'index.html'),
      '<!doctype html><meta charset="utf-8"><title>atstack client</title><script src="/bundle.js"></script>',
    );
    rig = await startClientRig({ appDir });
  });
  test.afterAll(async () => {
    await rig?.stop();
    await rm(appDir, { recursive: true, force: true });
  });

  test('activates, keeps keys sealed, writes and reads records, locks, unlocks, removes and imports the backup', async ({
    page,
  }) => {
    test.setTimeout(120_000);
    const cramSecret = await rig.create('@alice');
    await page.goto(`${rig.rig.origin}/`);
    const checks = moduleInPage<typeof ClientChecks>(page, rig.rig.origin, async () => undefined);
    const outcome = await checks.call('clientJourney', '@alice', cramSecret, 'a long passphrase');

    expect(outcome.steps).toEqual([
      'connecting',
      'cram',
      'generating-keys',
      'enrolling',
      'pkam',
      'publishing-public-key',
      'deleting-cram-secret',
      'saving-keys',
      'done',
    ]);
    expect(outcome.iterations).toBe(600_000);
    expect(outcome.afterPut).toMatchObject({ atKey: 'note.e2e@alice', value: 'in the browser', pending: false });
    expect(outcome.backupIsSealed).toBe(true);
    expect(outcome.backupAtSign).toBe('@alice');
    expect(outcome.keyMaterialInVault).toBe(false);
    expect(outcome.whileLocked).toBe('@alice is locked');
    expect(outcome.wrongPassphrase).toEqual({ name: 'VaultError', code: 'wrong-passphrase' });
    expect(outcome.afterUnlock).toMatchObject({ atKey: 'note.e2e@alice', value: 'in the browser' });
    expect(outcome.atSignsBeforeRemove).toEqual([{ atSign: '@alice', unlocked: true }]);
    expect(outcome.atSignsAfterRemove).toEqual([]);
    expect(outcome.imported).toBe('@alice');
    expect(outcome.afterImport).toMatchObject({ atKey: 'note.e2e@alice', value: 'in the browser', pending: false });

    // The CRAM secret is spent: the atServer refuses it now.
    const owner = await rig.stack.owner('@alice').then(
      () => 'accepted',
      (error: Error) => error.message,
    );
    expect(owner).not.toBe('accepted');
  });
});

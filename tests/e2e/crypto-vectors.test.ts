import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { loadModuleInPage } from '../support/browser-bundle';
import type * as VectorChecks from '../support/crypto-vector-checks';

/**
 * The crypto vectors again, but in Chromium: the same checks Vitest runs in Node (`tests/unit/lib/crypto/
 * crypto-vectors.test.ts`), bundled and run inside a page, so the browser's WebCrypto and engine meet the same bytes.
 */
test.describe('crypto vectors in Chromium', () => {
  test('every check of tests/fixtures/crypto-vectors.json passes inside the page', async ({ page, browserName }) => {
    expect(browserName).toBe('chromium');
    const fixture = new URL('../fixtures/crypto-vectors.json', import.meta.url);
    const vectors = JSON.parse(await readFile(fixture, 'utf8')) as VectorChecks.CryptoVectors;
    const entry = new URL('../support/crypto-vector-checks.ts', import.meta.url);
    const checks = await loadModuleInPage<typeof VectorChecks>(page, entry);
    try {
      // WebCrypto exists only in a secure context; 127.0.0.1 is one, a plain LAN address would not be.
      expect(await page.evaluate(() => isSecureContext && typeof crypto.subtle === 'object')).toBe(true);
      const outcomes = await checks.call('runCryptoVectorChecks', vectors);
      expect(outcomes.length).toBeGreaterThan(0);
      for (const outcome of outcomes) {
        await test.step(outcome.name, () => {
          expect.soft(outcome.error, `"${outcome.name}" failed in Chromium`).toBeUndefined();
        });
      }
      const failed = outcomes.filter((outcome) => outcome.error !== undefined).map((outcome) => outcome.name);
      expect(failed, `${failed.length} of ${outcomes.length} checks failed in Chromium`).toEqual([]);
    } finally {
      await checks.close();
    }
  });
});

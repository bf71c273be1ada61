import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { startRig, type Rig } from '../integration/gateway/harness';

const root = fileURLToPath(new URL('../..', import.meta.url));
const appDir = `${root}build/app`;

interface ManifestIcon {
  src: string;
  sizes: string;
  type?: string;
  purpose?: string;
}

/** Waits until the service worker is active and controls the page (it claims the page it installed from). */
async function controlled(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

/**
 * The installable, offline app as Chromium meets it through the gateway: the Workbox service worker, the
 * offline app shell, the manifest's installability, and a web push shown as a notification.
 */
test.describe('the app as a PWA', () => {
  let rig: Rig;
  const violations: string[] = [];

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    if (!existsSync(`${appDir}/service-worker.js`))
      execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
    rig = await startRig({ gateway: { appDir } });
  });
  test.afterAll(async () => {
    await rig.stop();
  });
  test.beforeEach(({ page }) => {
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
  });
  test.afterEach(() => {
    expect(violations).toEqual([]);
  });

  test('registers the service worker, which controls the page', async ({ page }) => {
    await page.goto(`${rig.origin}/`);
    await controlled(page);
    const script = await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL);
    expect(script).toBe(`${rig.origin}/service-worker.js`);
  });

  test('opens the app shell with the network cut, from the service worker', async ({ page, context }) => {
    await page.goto(`${rig.origin}/`);
    await controlled(page);
    await context.setOffline(true);
    try {
      const reloaded = await page.reload();
      expect(reloaded?.fromServiceWorker()).toBe(true);
      await expect(page.getByRole('heading', { name: 'atstack' })).toBeVisible();
      // A deep link never fetched before gets the shell too (client-side routing decides what it shows).
      const deep = await page.goto(`${rig.origin}/settings/never-visited`);
      expect(deep?.fromServiceWorker()).toBe(true);
      expect(await deep?.text()).toBe(readFileSync(`${appDir}/index.html`, 'utf8'));
    } finally {
      await context.setOffline(false);
    }
  });

  test('has a manifest that makes the app installable', async ({ page, context }) => {
    await page.goto(`${rig.origin}/`);
    await controlled(page);
    const manifestUrl = await page.locator('link[rel="manifest"]').getAttribute('href');
    const response = await page.request.get(new URL(manifestUrl!, rig.origin).href);
    expect(response.headers()['content-type']).toBe('application/manifest+json');
    const manifest = (await response.json()) as Record<string, unknown> & { icons: ManifestIcon[] };
    expect(manifest).toMatchObject({ name: 'atstack', short_name: 'atstack', start_url: '/', display: 'standalone' });
    expect(manifest.theme_color).toBe(await page.locator('meta[name="theme-color"]').getAttribute('content'));
    expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/i);
    const png = manifest.icons.filter((icon) => icon.type === 'image/png');
    const has = (sizes: string, purpose: string) =>
      png.some((icon) => icon.sizes === sizes && icon.purpose === purpose);
    expect([
      has('192x192', 'any'),
      has('512x512', 'any'),
      has('192x192', 'maskable'),
      has('512x512', 'maskable'),
    ]).toEqual([true, true, true, true]);
    for (const icon of png) {
      const loaded = await page.request.get(new URL(icon.src, rig.origin).href);
      expect(loaded.headers()['content-type']).toBe('image/png');
      const body = await loaded.body();
      // PNG signature, then the IHDR chunk: width and height as 32-bit big-endian numbers.
      expect(body.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(`${body.readUInt32BE(16)}x${body.readUInt32BE(20)}`).toBe(icon.sizes);
    }
    // Chromium's own verdict: its manifest parser and installability checks (as Lighthouse reads them).
    const cdp = await context.newCDPSession(page);
    const parsed = (await cdp.send('Page.getAppManifest')) as { errors: { message: string }[] };
    expect(parsed.errors).toEqual([]);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    // A Playwright context is an off-the-record profile; Chromium never offers to install from one.
    expect(installabilityErrors.filter((error) => error.errorId !== 'in-incognito')).toEqual([]);
  });

  test('shows a pushed notification, named by sender and key, that leads to the inbox', async ({ page, context }) => {
    await context.grantPermissions(['notifications'], { origin: rig.origin });
    await page.goto(`${rig.origin}/`);
    await controlled(page);
    const cdp = await context.newCDPSession(page);
    const registrationId = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const ours = registrations.find((registration) => registration.scopeURL === `${rig.origin}/`);
        if (ours && !ours.isDeleted) resolve(ours.registrationId);
      });
    });
    await cdp.send('ServiceWorker.enable');
    const payload = {
      type: 'notification',
      id: 'n-42',
      from: '@bob',
      to: '@alice',
      messageType: 'key',
      operation: 'update',
      key: '@alice:phone.wavi@bob',
      epochMillis: 1_764_072_000_000,
    };
    const id = await registrationId;
    const deliver = () =>
      cdp.send('ServiceWorker.deliverPushMessage', {
        origin: rig.origin,
        registrationId: id,
        data: JSON.stringify(payload),
      });
    const shown = () =>
      page.evaluate(async () => {
        const notifications = await (await navigator.serviceWorker.ready).getNotifications();
        return notifications.map(({ title, body, tag, data }) => ({ title, body, tag, data: data as unknown }));
      });
    await deliver();
    // A push that reaches a worker still starting can be dropped; delivering it again is harmless (same tag).
    await expect
      .poll(
        async () => {
          const list = await shown();
          if (list.length === 0) await deliver();
          return list;
        },
        { timeout: 30_000 },
      )
      .toHaveLength(1);
    expect((await shown())[0]).toEqual({
      title: '@bob',
      body: 'shared phone.wavi with you',
      tag: 'n-42',
      data: { url: '/#/inbox', id: 'n-42', from: '@bob', to: '@alice' },
    });
  });
});

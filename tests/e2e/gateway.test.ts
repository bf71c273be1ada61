import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { startRig, type Rig } from '../integration/gateway/harness';

const root = fileURLToPath(new URL('../..', import.meta.url));
const appDir = `${root}build/app`;

/**
 * The gateway as Chromium meets it: the built app loads under the gateway's Content-Security-Policy without a
 * single violation, and a page's own WebSocket reaches an atServer through the gateway's relay.
 */
test.describe('gateway in Chromium', () => {
  let rig: Rig;
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    if (!existsSync(`${appDir}/index.html`)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
    rig = await startRig({ gateway: { appDir } });
  });
  test.afterAll(async () => {
    await rig.stop();
  });

  test('loads the app under the strict policy without a violation', async ({ page }) => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`http://localhost:${rig.gateway.port}/`);
    await expect(page.getByRole('heading', { name: 'atstack' })).toBeVisible();
    expect(violations).toEqual([]);
  });

  test("relays a page's WebSocket to an atServer, and the policy blocks every other destination", async ({ page }) => {
    await page.goto(`http://localhost:${rig.gateway.port}/`);
    const answer = await page.evaluate(
      (url) =>
        new Promise<string>((resolve, reject) => {
          const socket = new WebSocket(url);
          socket.binaryType = 'arraybuffer';
          const decoder = new TextDecoder();
          let text = '';
          socket.onmessage = (event) => {
            text += decoder.decode(event.data as ArrayBuffer, { stream: true });
            if (text === '@') socket.send('from the browser\n');
            if (text.endsWith('\n')) {
              socket.close(1000);
              resolve(text);
            }
          };
          socket.onerror = () => reject(new Error('WebSocket failed'));
        }),
      `ws://localhost:${rig.gateway.port}/ws/@alice`,
    );
    expect(answer).toBe('@from the browser\n');
    const blocked = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          document.addEventListener('securitypolicyviolation', (event) => resolve(event.violatedDirective));
          fetch('http://127.0.0.1:9/').catch(() => {});
        }),
    );
    expect(blocked).toBe('connect-src');
  });
});

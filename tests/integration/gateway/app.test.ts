import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '$server/gateway/gateway';
import { tempDir } from '../../support/temp-dir';

const bootstrap = 'import("/_app/immutable/entry/start.abc123.js").then((m) => m.start());';
const indexHtml = `<!doctype html><html><head><style>body{margin:0}</style></head>
<body><div style="display: contents"><script>${bootstrap}</script></div></body></html>`;
const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** A build folder shaped like the static adapter's output. */
async function writeApp(dir: string): Promise<void> {
  await mkdir(join(dir, '_app/immutable/entry'), { recursive: true });
  await writeFile(join(dir, 'index.html'), indexHtml);
  await writeFile(join(dir, 'about.html'), '<!doctype html><p>about</p>');
  await writeFile(
    join(dir, '_app/immutable/entry/start.abc123.js'),
    `export function start() {}\n${'// x\n'.repeat(800)}`,
  );
  await writeFile(join(dir, 'service-worker.js'), 'self.addEventListener("fetch", () => {});');
  await writeFile(join(dir, 'manifest.webmanifest'), '{"name":"atstack"}');
}

describe('gateway app server', () => {
  let gateway: Gateway;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const dir = await tempDir('atstack-app-');
    cleanup = dir.remove;
    await writeApp(dir.path);
    gateway = await startGateway({ port: 0, directory: { host: '127.0.0.1', port: 1 }, appDir: dir.path });
  });
  afterAll(async () => {
    await gateway.close();
    await cleanup();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${gateway.url}${path}`, { headers });

  it('serves the app shell at / as no-cache HTML with a strict policy', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toBe(indexHtml);
    const csp = response.headers.get('content-security-policy')!;
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['script-src']).toEqual([`'self'`, sha256(bootstrap)]);
    expect(directives['style-src']).toEqual([`'self'`, sha256('body{margin:0}')]);
    // An IPv6 literal cannot be a CSP host source; 'self' covers the page's own ws origin.
    expect(directives['connect-src']).toEqual([
      `'self'`,
      `ws://localhost:${gateway.port}`,
      `ws://127.0.0.1:${gateway.port}`,
    ]);
    expect(directives['frame-ancestors']).toEqual([`'none'`]);
    expect(directives['object-src']).toEqual([`'none'`]);
    expect(directives['base-uri']).toEqual([`'none'`]);
  });

  it('sends the security headers with every response', async () => {
    for (const path of ['/', '/healthz', '/missing.js']) {
      const response = await get(path);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('content-security-policy')).toContain(`frame-ancestors 'none'`);
      expect(response.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('caches hashed assets for a year as immutable, and revalidates the service worker and manifest', async () => {
    const asset = await get('/_app/immutable/entry/start.abc123.js');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await get('/service-worker.js')).headers.get('cache-control')).toBe('no-cache');
    const manifest = await get('/manifest.webmanifest');
    expect(manifest.headers.get('cache-control')).toBe('no-cache');
    expect(manifest.headers.get('content-type')).toBe('application/manifest+json');
  });

  it('answers 304 to a request that already holds the current version', async () => {
    const etag = (await get('/service-worker.js')).headers.get('etag')!;
    const again = await get('/service-worker.js', { 'if-none-match': etag });
    expect(again.status).toBe(304);
  });

  it('compresses large text assets with brotli or gzip as the browser accepts', async () => {
    const path = '/_app/immutable/entry/start.abc123.js';
    const response = await get(path, { 'accept-encoding': 'br' });
    expect(response.headers.get('content-encoding')).toBe('br');
    expect(response.headers.get('vary')).toBe('Accept-Encoding');
    expect(await response.text()).toContain('export function start');
    const gzip = await get(path, { 'accept-encoding': 'gzip;q=1, br;q=0' });
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
  });

  it('serves the fallback page for app routes and prerendered pages without .html', async () => {
    const route = await get('/records/@alice');
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(indexHtml);
    expect(await (await get('/about')).text()).toBe('<!doctype html><p>about</p>');
  });

  it('answers 404 for a missing file and never reaches outside the build', async () => {
    expect((await get('/missing.js')).status).toBe(404);
    expect((await get('/..%2f..%2fpackage.json')).status).toBe(404);
    const escaped = await get('/%2e%2e/%2e%2e/etc/hostname.txt');
    expect(escaped.status).toBe(404);
  });

  it('answers 405 to other methods', async () => {
    const response = await fetch(`${gateway.url}/`, { method: 'POST', body: 'x' });
    expect([response.status, response.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('answers 426 to a plain GET of a relay path', async () => {
    expect((await get('/ws/@alice')).status).toBe(426);
  });

  it('reports its counters and atDirectory at /healthz, never cached', async () => {
    const response = await get('/healthz');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const health = (await response.json()) as Record<string, unknown>;
    expect(health).toMatchObject({
      status: 'ok',
      directory: '127.0.0.1:1',
      connections: { open: 0 },
      bytes: { fromBrowsers: 0, toBrowsers: 0 },
      ended: { refused: 0, failed: 0, closed: 0 },
    });
  });
});

describe('gateway without a built app', () => {
  it('answers pages with 503 and a note to build, and still reports health', async () => {
    const gateway = await startGateway({ port: 0, directory: { host: '127.0.0.1', port: 1 }, appDir: '/nonexistent' });
    const page = await fetch(`${gateway.url}/`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('npm run build');
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    await gateway.close();
  });
});

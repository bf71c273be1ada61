/**
 * Runs a TypeScript module of ours inside a real browser page: bundle it (with its `$lib/…` imports and npm
 * dependencies) into one script, serve it from 127.0.0.1 and load it into a Playwright page, whose calls then run
 * in the browser's own engine and WebCrypto. Used by the Chromium e2e tests and by `npm run bench`.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from '@playwright/test';

/** The global the bundle's exports are assigned to in the page. */
const exportsGlobal = '__atstackBundle';
const libFolder = fileURLToPath(new URL('../../src/lib', import.meta.url));

/**
 * Bundles `entry` and everything it imports into one browser script (an IIFE that assigns the module's exports to
 * a global). `$lib` resolves to `src/lib`, as in Vite; a Node-only import fails the build.
 *
 * @example
 * const script = await bundleForBrowser(new URL('./crypto-workload.ts', import.meta.url));
 */
export async function bundleForBrowser(entry: string | URL): Promise<string> {
  const entryPath = entry instanceof URL ? fileURLToPath(entry) : entry;
  const result = await build({
    entryPoints: [entryPath],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: exportsGlobal,
    platform: 'browser',
    target: 'es2022',
    alias: { $lib: libFolder },
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced no output for ${entryPath}`);
  return output.text;
}

/** A page origin on loopback that serves one bundle; close it when done. */
export interface BundleServer {
  /** `http://127.0.0.1:<port>`: a secure context, so `crypto.subtle` exists in the page. */
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * Serves `script` at `/bundle.js` and a blank page that loads it at `/`, on 127.0.0.1 and a free port. The page is
 * cross-origin isolated (COOP + COEP) so that `performance.now()` keeps its fine resolution for the benchmarks.
 */
export async function serveBundle(script: string): Promise<BundleServer> {
  const page = '<!doctype html><meta charset="utf-8"><title>atstack bundle</title><script src="/bundle.js"></script>';
  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, {
      'content-type': `${type}; charset=utf-8`,
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    res.end(body);
  };
  const server = createServer((req, res) => {
    if (req.url === '/') send(res, 200, 'text/html', page);
    else if (req.url === '/bundle.js') send(res, 200, 'text/javascript', script);
    else send(res, 404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

type Fn = (...args: never[]) => unknown;

/** A module loaded into a page: call its exports there, then close the server behind it. */
export interface PageModule<M> {
  readonly origin: string;
  /**
   * Calls export `name` inside the page and resolves with its awaited result. Arguments and result cross into and
   * out of the page by structured cloning, so they are plain data: no functions, no class instances.
   */
  call<K extends keyof M & string>(
    name: K,
    ...args: M[K] extends Fn ? Parameters<M[K]> : never
  ): Promise<M[K] extends Fn ? Awaited<ReturnType<M[K]>> : never>;
  close(): Promise<void>;
}

/**
 * Bundles `entry`, serves it on loopback and opens it in `page`. `M` is the module's type, so calls are checked.
 *
 * @example
 * const entry = new URL('../support/crypto-vector-checks.ts', import.meta.url);
 * const checks = await loadModuleInPage<typeof import('../support/crypto-vector-checks')>(page, entry);
 * const outcomes = await checks.call('runCryptoVectorChecks', vectors);
 * await checks.close();
 */
export async function loadModuleInPage<M>(page: Page, entry: string | URL): Promise<PageModule<M>> {
  const server = await serveBundle(await bundleForBrowser(entry));
  const loadErrors: Error[] = [];
  const onPageError = (error: Error) => loadErrors.push(error);
  page.on('pageerror', onPageError);
  try {
    await page.goto(`${server.origin}/`);
    // The bundle runs synchronously while the page loads, so by now it has either set its global or thrown.
    if (!(await page.evaluate((name) => name in globalThis, exportsGlobal))) {
      throw new Error(`${String(entry)} did not load in the page: ${loadErrors.join('; ') || 'no error reported'}`);
    }
  } catch (error) {
    await server.close();
    throw error;
  } finally {
    page.off('pageerror', onPageError);
  }
  return moduleInPage<M>(page, server.origin, () => server.close());
}

/**
 * The exports of a bundle that `page` has already loaded from `origin` (a page served by something else, such as
 * the gateway), callable as in {@link loadModuleInPage}; `close` releases whatever serves it.
 */
export function moduleInPage<M>(page: Page, origin: string, close: () => Promise<void>): PageModule<M> {
  const call = (name: string, ...args: unknown[]): Promise<unknown> =>
    page.evaluate(
      async ([global, fn, fnArgs]) => {
        const exports = (globalThis as unknown as Record<string, Record<string, unknown> | undefined>)[global];
        const target = exports?.[fn];
        if (typeof target !== 'function') throw new Error(`the bundle exports no function ${fn}`);
        return (target as (...a: unknown[]) => unknown)(...fnArgs);
      },
      [exportsGlobal, name, args] as const,
    );
  // The typed signature is checked at each call site against M; the page itself only ever sees names and data.
  return { origin, call: call as PageModule<M>['call'], close };
}

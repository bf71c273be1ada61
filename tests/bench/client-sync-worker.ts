/**
 * The client-sync workload in a SharedWorker that the bench page starts from the same bundle. The sync runs on a
 * worker thread, as the app's does, and without DevTools' network instrumentation: Playwright attaches to pages
 * and dedicated workers and has Chromium report every WebSocket frame to it, payload included — about a fifth of
 * the sync's CPU, in Chromium and in the bench process, a cost no user has — but it leaves shared workers alone.
 * The bench attaches to the worker itself only to sample its heap and, when asked, to profile it.
 */
import type { Browser, CDPSession, Page } from '@playwright/test';

type Fn = (...args: never[]) => unknown;

/** A workload running in a SharedWorker: call its exports there, and talk CDP to the worker. */
export interface WorkloadWorker<M> {
  /** Calls export `name` in the worker; arguments and result cross by structured cloning, as with a page. */
  call<K extends keyof M & string>(
    name: K,
    ...args: M[K] extends Fn ? Parameters<M[K]> : never
  ): Promise<M[K] extends Fn ? Awaited<ReturnType<M[K]>> : never>;
  /** A CDP command to the worker (`Runtime.getHeapUsage`, `Profiler.start`, …); resolves with its result. */
  send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Starts the worker from the bundle `page` has loaded (`/bundle.js` of its origin, whose exports are the global
 * `__atstackBundle`) and attaches a CDP session of our own to it.
 *
 * @example
 * const worker = await startWorkloadWorker<typeof Workload>(page, browser);
 * const figures = await worker.call('measureInitialSync', input, true);
 */
export async function startWorkloadWorker<M>(page: Page, browser: Browser): Promise<WorkloadWorker<M>> {
  const url = await page.evaluate(() => {
    const source = `importScripts('${location.origin}/bundle.js');
      onconnect = (event) => {
        const port = event.ports[0];
        port.onmessage = async ({ data: { id, name, args } }) => {
          try {
            port.postMessage({ id, result: await __atstackBundle[name](...args) });
          } catch (error) {
            port.postMessage({ id, error: String((error && error.stack) || error) });
          }
        };
      };`;
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const port = new SharedWorker(url).port;
    const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
    let next = 0;
    port.onmessage = ({ data }: MessageEvent<{ id: number; result?: unknown; error?: string }>) => {
      const waiter = pending.get(data.id);
      pending.delete(data.id);
      if (data.error !== undefined) waiter?.reject(new Error(data.error));
      else waiter?.resolve(data.result);
    };
    (globalThis as unknown as Record<string, unknown>).__callWorkload = (name: string, args: unknown[]) =>
      new Promise((resolve, reject) => {
        next += 1;
        pending.set(next, { resolve, reject });
        port.postMessage({ id: next, name, args });
      });
    return url;
  });
  const cdp = await browser.newBrowserCDPSession();
  const target = await findWorker(cdp, url);
  // Not flattened: Playwright's CDPSession cannot address a child session, but it can relay to one.
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target, flatten: false });
  const replies = new Map<number, (message: { result?: unknown; error?: { message: string } }) => void>();
  let lastId = 0;
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    const message = JSON.parse(event.message) as { id?: number; result?: unknown; error?: { message: string } };
    if (message.id !== undefined) replies.get(message.id)?.(message);
  });
  const call = (name: string, ...args: unknown[]) =>
    page.evaluate(
      ([fn, fnArgs]) =>
        (globalThis as unknown as { __callWorkload(name: string, args: unknown[]): Promise<unknown> }).__callWorkload(
          fn,
          fnArgs,
        ),
      [name, args] as const,
    );
  return {
    call: call as WorkloadWorker<M>['call'],
    async send<T>(method: string, params: Record<string, unknown> = {}) {
      lastId += 1;
      const id = lastId;
      const reply = new Promise<{ result?: unknown; error?: { message: string } }>((resolve) =>
        replies.set(id, resolve),
      );
      await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
      const { result, error } = await reply;
      replies.delete(id);
      if (error) throw new Error(`${method}: ${error.message}`);
      return result as T;
    },
    async close() {
      await cdp.detach();
    },
  };
}

/** The target id of the shared worker started from `url`, once Chromium lists it. */
async function findWorker(cdp: CDPSession, url: string): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { targetInfos } = await cdp.send('Target.getTargets');
    const worker = targetInfos.find((info) => info.type === 'shared_worker' && info.url === url);
    if (worker) return worker.targetId;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the shared worker ${url} did not start`);
}

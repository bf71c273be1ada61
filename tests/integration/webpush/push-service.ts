/**
 * A push service on loopback, over real HTTPS with a certificate of the local CA: it records every push it
 * is sent and answers each path with the status a test chose (201 by default, as real push services do).
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TlsMaterial } from '$server/tls/local-ca';

export interface ReceivedPush {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export class PushService {
  readonly received: ReceivedPush[] = [];
  readonly #statuses = new Map<string, number>();
  #waiters: { path: string; resolve: (push: ReceivedPush) => void }[] = [];

  private constructor(private readonly server: Server) {}

  static async start(tls: TlsMaterial): Promise<PushService> {
    const server = createServer({ cert: tls.certPem, key: tls.keyPem });
    const service = new PushService(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const push = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
        service.received.push(push);
        res.writeHead(service.#statuses.get(push.path) ?? 201).end();
        const [ready, waiting] = partition(service.#waiters, (waiter) => waiter.path === push.path);
        service.#waiters = waiting;
        for (const waiter of ready) waiter.resolve(push);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return service;
  }

  /** `https://localhost:<port><path>`: an endpoint of this service. */
  endpoint(path: string): string {
    return `https://localhost:${(this.server.address() as AddressInfo).port}${path}`;
  }

  get origin(): string {
    return this.endpoint('');
  }

  /** Answers pushes to `path` with `status` from now on. */
  answer(path: string, status: number): void {
    this.#statuses.set(path, status);
  }

  /** Resolves with the next push to `path`. */
  next(path: string): Promise<ReceivedPush> {
    return new Promise((resolve) => this.#waiters.push({ path, resolve }));
  }

  /** Pushes received for `path` so far. */
  pushesTo(path: string): ReceivedPush[] {
    return this.received.filter((push) => push.path === path);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}

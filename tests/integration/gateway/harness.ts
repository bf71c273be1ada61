/**
 * A real gateway between real WebSocket clients and real TLS servers on loopback: an atDirectory (memory
 * backend) and a TLS target that behaves like an atServer's framing (writes `@` on connect, answers lines),
 * all with certificates from a fresh local CA.
 */
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';
import type { Clock } from '$server/clock';
import type { GatewayLimits, GatewayPolicy } from '$server/config';
import { MemoryDirectoryBackend } from '$server/directory/memory-backend';
import { startDirectory, type DirectoryServer } from '$server/directory/server';
import { startGateway, type Gateway, type GatewayOptions } from '$server/gateway/gateway';
import { ensureLocalCa, type TlsMaterial } from '$server/tls/local-ca';
import { tempDir } from '../../support/temp-dir';

/**
 * A TLS server shaped like an atServer: `@` on connect, then per line `bye` (ends the connection),
 * `big:<n>` (sends n bytes of `x`), anything else echoed back with its newline.
 */
export class TargetServer {
  readonly sockets = new Set<tls.TLSSocket>();
  bytesReceived = 0;
  readonly #server: tls.Server;

  private constructor(server: tls.Server) {
    this.#server = server;
  }

  static async start(material: TlsMaterial): Promise<TargetServer> {
    const server = tls.createServer({ cert: material.certPem, key: material.keyPem });
    const target = new TargetServer(server);
    server.on('secureConnection', (socket) => target.#serve(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return target;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Stops reading from every connection (a slow atServer) or starts again. */
  pauseReading(paused: boolean): void {
    for (const socket of this.sockets) {
      if (paused) socket.pause();
      else socket.resume();
    }
  }

  /** Bytes the target has written that its connections have not yet flushed to the gateway. */
  get unflushedBytes(): number {
    return [...this.sockets].reduce((total, socket) => total + socket.writableLength, 0);
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #serve(socket: tls.TLSSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      this.bytesReceived += chunk.length;
      pending += chunk.toString('utf8');
      for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n')) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        if (line === 'bye') return void socket.end();
        const big = /^big:(\d+)$/.exec(line);
        if (big) socket.write(Buffer.alloc(Number(big[1]), 'x'));
        else socket.write(`${line}\n`);
      }
    });
    socket.write('@');
  }
}

/** Why an upgrade was refused: the HTTP status and body the gateway answered. */
export class RefusedUpgrade extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused with ${status}: ${body}`);
  }
}

export interface OpenOptions {
  origin?: string;
  /** False: do not answer the gateway's pings (a page that has gone away without closing). */
  autoPong?: boolean;
  headers?: Record<string, string>;
}

/** A WebSocket client as a page holds one: sends text, reads the relayed bytes as text, sees the close. */
export class Browser {
  readonly ws: WebSocket;
  // Chunks are joined only when read: a large transfer arrives as thousands of messages.
  #chunks: Buffer[] = [];
  #length = 0;
  #waiters: (() => void)[] = [];
  #closedWith: { code: number; reason: string } | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
  binaryOnly = true;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.binaryOnly &&= isBinary;
      this.#chunks.push(data);
      this.#length += data.length;
      this.#wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code: number, reason: Buffer) => {
        this.#closedWith = { code, reason: reason.toString() };
        this.#wake();
        resolve(this.#closedWith);
      }),
    );
    ws.on('error', () => {});
  }

  /** Opens a WebSocket to `url` with `origin`; rejects with {@link RefusedUpgrade} when the gateway refuses. */
  static open(url: string, options: OpenOptions = {}): Promise<Browser> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        origin: options.origin,
        autoPong: options.autoPong ?? true,
        headers: options.headers,
      });
      ws.once('open', () => resolve(new Browser(ws)));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => (body += text));
        res.on('end', () => reject(new RefusedUpgrade(res.statusCode ?? 0, body)));
      });
      ws.once('error', reject);
    });
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Bytes received so far and not yet consumed. */
  get pendingBytes(): number {
    return this.#length;
  }

  /** Everything received up to and including the first match of `pattern`, consumed. */
  async readUntil(pattern: RegExp): Promise<string> {
    for (;;) {
      const text = this.#joined().toString('utf8');
      const match = pattern.exec(text);
      if (match) {
        const consumed = text.slice(0, match.index + match[0].length);
        this.#consume(Buffer.byteLength(consumed));
        return consumed;
      }
      if (this.#closedWith) throw new Error(`closed (${this.#closedWith.code}) before ${pattern}; had ${text}`);
      await new Promise<void>((wake) => this.#waiters.push(wake));
    }
  }

  /** Waits until at least `bytes` bytes are pending, then consumes and returns them. */
  async readBytes(bytes: number): Promise<Buffer> {
    while (this.#length < bytes) {
      if (this.#closedWith) throw new Error(`closed with ${this.#length} of ${bytes} bytes`);
      await new Promise<void>((wake) => this.#waiters.push(wake));
    }
    const data = this.#joined().subarray(0, bytes);
    this.#consume(bytes);
    return data;
  }

  /** Resolves once the gateway has processed everything this client sent before (its pong answers our ping). */
  async roundTrip(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.ws.once('pong', () => resolve());
      this.ws.ping();
    });
  }

  close(code?: number): void {
    this.ws.close(code);
  }

  #joined(): Buffer {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks, this.#length)];
    return this.#chunks[0] ?? Buffer.alloc(0);
  }

  #consume(bytes: number): void {
    const rest = this.#joined().subarray(bytes);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#length = rest.length;
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

export interface RigOptions {
  limits?: Partial<GatewayLimits>;
  policy?: Partial<GatewayPolicy>;
  clock?: Clock;
  gateway?: Partial<GatewayOptions>;
}

/** A directory, a target and a gateway allowed to reach `localhost` on loopback. */
export interface Rig {
  readonly tls: TlsMaterial;
  readonly backend: MemoryDirectoryBackend;
  readonly directory: DirectoryServer;
  readonly target: TargetServer;
  readonly gateway: Gateway;
  /** The gateway's own page origin (allowed). */
  readonly origin: string;
  /** `ws://…/ws/<path>` of the gateway. */
  wsUrl(path: string): string;
  /** Opens a relay from the allowed origin. */
  open(path: string, options?: OpenOptions): Promise<Browser>;
  stop(): Promise<void>;
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const dir = await tempDir('atstack-gateway-');
  const material = await ensureLocalCa(dir.path, ['localhost', '127.0.0.1']);
  const backend = new MemoryDirectoryBackend();
  const directory = await startDirectory({ port: 0, tls: material, backend });
  const target = await TargetServer.start(material);
  await backend.register('alice', `localhost:${target.port}`);
  const gateway = await startGateway({
    port: 0,
    directory: { host: '127.0.0.1', port: directory.port, ca: material.caPem },
    atServerCa: material.caPem,
    policy: { atServerHosts: ['localhost'], allowedAddressClasses: ['loopback'], ...options.policy },
    limits: options.limits,
    clock: options.clock,
    ...options.gateway,
  });
  const origin = `http://localhost:${gateway.port}`;
  const wsUrl = (path: string) => `ws://127.0.0.1:${gateway.port}/ws/${path}`;
  return {
    tls: material,
    backend,
    directory,
    target,
    gateway,
    origin,
    wsUrl,
    open: (path, openOptions = {}) => Browser.open(wsUrl(path), { origin, ...openOptions }),
    async stop() {
      await gateway.close();
      await target.close();
      await directory.close();
      await dir.remove();
    },
  };
}

/** Polls `condition` until it holds (for state that changes on another socket's event, not on a timer). */
export async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

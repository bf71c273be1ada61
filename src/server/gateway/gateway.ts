/**
 * The gateway: one HTTP(S) listener that serves the built app, answers `GET /healthz`, and upgrades
 * `/ws/directory` and `/ws/@atsign` to WebSockets relayed to TLS (see `target.ts` for the naming scheme,
 * `relay.ts` for the relay, `endings.ts` for every close code). Browsers cannot open TLS sockets; this is
 * the only way the app reaches atDirectories and atServers, and it only ever connects where the configured
 * atDirectory and the allow-list say.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { systemClock, type Clock } from '../clock';
import {
  defaultGatewayLimits,
  defaultGatewayPolicy,
  withDefaults,
  type GatewayLimits,
  type GatewayPolicy,
} from '../config';
import { silentLogger, type Logger } from '../log';
import { Admission } from './admission';
import { AppFiles } from './app-files';
import { GatewayCounters, type HealthReport } from './counters';
import { endings, type EndingName } from './endings';
import { RateLimiter } from './rate-limiter';
import { Relay, type RelayContext } from './relay';
import { TargetResolver, type DirectoryConfig } from './resolver';
import { contentSecurityPolicy, securityHeaders, websocketOrigins } from './security-headers';
import { answerRequest, clientAddress, pathOf, refuseUpgrade, serverOptions } from './http-answers';
import { describeTarget, parseTargetPath } from './target';
import { TargetPolicy, type ResolveAll } from './target-policy';
import { WebSocketConnection } from './websocket/connection';
import { acceptHandshake } from './websocket/handshake';

export interface GatewayOptions {
  /** Address to listen on. Default: 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** The atDirectory atSigns are resolved through, and where `/ws/directory` relays to. */
  directory: DirectoryConfig;
  /** PEM of the CA to trust for atServers instead of the system store (the local CA of an embedded stack). */
  atServerCa?: string;
  /** Which atServers may be reached; unset fields take {@link defaultGatewayPolicy}'s. */
  policy?: Partial<GatewayPolicy>;
  limits?: Partial<GatewayLimits>;
  /**
   * Page origins allowed to open relays (`https://app.example.com`). Default: this gateway's own origins on
   * loopback (`http://localhost:<port>`, `http://127.0.0.1:<port>`, `http://[::1]:<port>`).
   */
  origins?: readonly string[];
  /** The built app to serve (SvelteKit's `build/app`); none when unset. */
  appDir?: string;
  /** Serve https and wss with this certificate. Default: plain http, for loopback or behind a TLS proxy. */
  tls?: { certPem: string; keyPem: string };
  /** Take the client address from the last `X-Forwarded-For` entry: only behind a proxy that sets it. */
  trustProxy?: boolean;
  /** Resolves atServer host names (default: the system resolver). */
  resolveAll?: ResolveAll;
  log?: Logger;
  clock?: Clock;
}

/** Counts the leak checks look at: all zero once every connection has closed. */
export interface GatewayStats {
  readonly relays: number;
  readonly admitted: number;
  readonly addresses: number;
  readonly rateBuckets: number;
  /** Bytes all relays hold in memory (what back-pressure bounds). */
  readonly bufferedBytes: number;
}

export interface Gateway {
  /** Where the app is served, e.g. `http://localhost:8064`. */
  readonly url: string;
  readonly port: number;
  /** The page origins relays are accepted from. */
  readonly origins: readonly string[];
  health(): HealthReport;
  stats(): GatewayStats;
  /** Runs one heartbeat and idle round now (a timer runs it every `heartbeatMs`). */
  sweep(): void;
  /** Stops accepting, closes every relay with 1001 and resolves once every socket is gone. */
  close(): Promise<void>;
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '127.0.0.1' || host === '::1') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts a gateway.
 *
 * @example
 * const gateway = await startGateway({ port: 8064, directory: { host: 'root.atsign.org', port: 64 }, appDir: 'build/app' });
 * gateway.url; // 'http://localhost:8064'
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const limits = withDefaults(defaultGatewayLimits, options.limits);
  const policy = new TargetPolicy(withDefaults(defaultGatewayPolicy, options.policy), options.resolveAll);
  const clock = options.clock ?? systemClock;
  const log = (options.log ?? silentLogger).child({ service: 'gateway' });
  const trustProxy = options.trustProxy ?? false;
  const scheme = options.tls ? 'https' : 'http';
  const app = await AppFiles.load(options.appDir ?? '');
  if (app.empty) log.warn('no built app to serve', { appDir: options.appDir ?? null });
  const counters = new GatewayCounters(clock.now());
  const limiter = new RateLimiter({ perSecond: limits.messagesPerSecondPerIp, burst: limits.messageBurstPerIp }, clock);
  const resolver = new TargetResolver({
    directory: options.directory,
    atServerCa: options.atServerCa,
    policy,
    limits,
    clock,
  });
  const relays = new Set<Relay>();
  const drainWaiters: (() => void)[] = [];
  let nextId = 1;

  const context: RelayContext = {
    resolve: (target) => resolver.resolve(target),
    limits,
    clock,
    relaying: () => void (counters.relayed += 1),
    ended(relay, name, detail) {
      counters.ended(name);
      log[endings[name].level]('relay ended', {
        id: relay.id,
        client: relay.clientKey,
        target: describeTarget(relay.target),
        ending: name,
        ...(detail ? { detail } : {}),
        bytesFromBrowser: relay.bytesFromBrowser,
        bytesToBrowser: relay.bytesToBrowser,
        ms: clock.now() - relay.openedAt,
      });
    },
    closed(relay) {
      relays.delete(relay);
      limiter.release(relay.bucket);
      counters.retire(relay);
      if (relays.size === 0) for (const wake of drainWaiters.splice(0)) wake();
    },
  };

  const server = options.tls
    ? https.createServer({
        cert: options.tls.certPem,
        key: options.tls.keyPem,
        minVersion: 'TLSv1.2',
        handshakeTimeout: limits.handshakeTimeoutMs,
        ...serverOptions(limits),
      })
    : http.createServer(serverOptions(limits));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${scheme}://${displayHost(options.host ?? '127.0.0.1')}:${port}`;
  const origins = options.origins ?? ['localhost', '127.0.0.1', '[::1]'].map((name) => `${scheme}://${name}:${port}`);
  const admission = new Admission(limits, origins);
  const csp = contentSecurityPolicy({
    scriptHashes: app.scriptHashes,
    styleHashes: app.styleHashes,
    connect: websocketOrigins(admission.origins),
  });
  const headers = securityHeaders(csp, Boolean(options.tls));

  const refuse = (socket: Socket, name: EndingName, client: string) => {
    counters.ended(name);
    log[endings[name].level]('upgrade refused', { client, ending: name });
    refuseUpgrade(socket, endings[name]);
  };

  /** Answers an accepted WebSocket with a close frame at once (a path whose atSign is invalid). */
  const closeAtOnce = (socket: Socket, head: Buffer, name: EndingName, client: string) => {
    const ending = endings[name];
    counters.ended(name);
    log[ending.level]('relay ended', { client, ending: name });
    const timer = setTimeout(() => connection.terminate(), limits.closeTimeoutMs);
    const ignore = () => {};
    const connection = new WebSocketConnection(socket, limits.maxMessageBytes, {
      frame: ignore,
      data: ignore,
      pong: ignore,
      violation: ignore,
      closed: () => clearTimeout(timer),
    });
    connection.start(head);
    connection.close(ending.close ?? 1011, ending.reason);
  };

  server.on('upgrade', (req: IncomingMessage, duplex: Duplex, head: Buffer) => {
    // An upgrade request always arrives on the server's own net.Socket (or TLSSocket).
    const socket = duplex as Socket;
    socket.on('error', () => socket.destroy());
    const client = clientAddress(req, trustProxy);
    const path = pathOf(req);
    const target = path === null ? null : parseTargetPath(path);
    if (target === null) return refuse(socket, 'unknownPath', client);
    const handshake = acceptHandshake(req);
    if (!handshake.ok) return refuse(socket, handshake.ending, client);
    const refusal = admission.refusal(req.headers.origin, client);
    if (refusal) return refuse(socket, refusal, client);
    admission.admit(client);
    // The place is held by the socket, however its relay ends.
    socket.once('close', () => admission.release(client));
    socket.write(handshake.response);
    counters.accepted += 1;
    if (target === 'invalidAtSign') return closeAtOnce(socket, head, 'invalidAtSign', client);
    const relay = new Relay({
      id: nextId++,
      socket,
      target,
      clientKey: client,
      bucket: limiter.acquire(client),
      context,
    });
    relays.add(relay);
    relay.start(head);
  });

  const directoryName = `${options.directory.host}:${options.directory.port}`;
  const health = () => counters.report(clock.now(), [...relays], directoryName);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => answerRequest(req, res, app, headers, health));

  const sweep = () => {
    const now = clock.now();
    for (const relay of relays) relay.checkLiveness(now);
    limiter.prune();
  };
  const sweepTimer = setInterval(sweep, limits.heartbeatMs);
  sweepTimer.unref();
  log.info('listening', { url, directory: `${options.directory.host}:${options.directory.port}` });

  return {
    url,
    port,
    origins: admission.origins,
    health,
    stats: () => ({
      relays: relays.size,
      admitted: admission.open,
      addresses: admission.addresses,
      rateBuckets: limiter.size,
      bufferedBytes: [...relays].reduce((total, relay) => total + relay.bufferedBytes, 0),
    }),
    sweep,
    async close() {
      clearInterval(sweepTimer);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (relays.size > 0) {
        const drained = new Promise<void>((resolve) => drainWaiters.push(resolve));
        for (const relay of relays) relay.end('shuttingDown');
        await drained;
      }
      server.closeAllConnections();
      await stopped;
    },
  };
}

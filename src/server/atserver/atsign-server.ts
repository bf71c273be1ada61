import { systemClock, type Clock } from '../clock';
import { defaultAtServerLimits, withDefaults, type AtServerLimits } from '../config';
import { silentLogger, type Logger } from '../log';
import { listenTls } from '../net/tls-listener';
import type { TlsMaterial } from '../tls/local-ca';
import { refreshCachedRecords, type CacheRefreshSummary } from './cache-refresh';
import { serveConnection } from './connection';
import type { AtSignContext } from './context';
import { expireRecords } from './expiry';
import { InboundPool, type InboundConnection } from './inbound-pool';
import { Notifications } from './notifications/service';
import { startFederation, trustedCaPem, type Federation } from './outbound/federation';
import type { AtSignStore } from './store/atsign-store';
import { verbTable } from './verbs';
import { AtSignPush } from './webpush/atsign-push';
import type { WebPushHost } from './webpush/setup';

/** The version `info` and `stats:7` report: the reference version we match, plus our own. */
export const atServerVersion = '3.0.52+atstack.0.1.0';

export interface AtSignServerOptions {
  atSign: string;
  store: AtSignStore;
  tls: TlsMaterial;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  limits?: Partial<AtServerLimits>;
  log?: Logger;
  clock?: Clock;
  /** How to reach other atSigns' atServers (atprotocol.md §6); without it they answer AT0007. */
  federation?: Federation;
  /** The host's web push (VAPID keys, sender); without it the atServer sends no push. */
  webPush?: WebPushHost;
}

/** One atSign's running atServer. */
export interface AtSignServer {
  readonly atSign: string;
  readonly port: number;
  readonly context: AtSignContext;
  /** Open inbound connections. */
  connections(): IterableIterator<InboundConnection>;
  /** Closes connections idle past their allowance now, as the periodic sweep does; returns how many. */
  reapIdle(): number;
  /** Closes outbound connections unused for `outboundIdleMs` now, as the periodic sweep does; returns how many. */
  reapIdleOutbound(): number;
  /** Refreshes `cached:` copies past their ttr now, as the periodic job does (§6.3). */
  refreshCache(): Promise<CacheRefreshSummary>;
  close(): Promise<void>;
}

/**
 * Starts the atServer of one atSign on its own TLS port (the directory hands out `host:port` per atSign).
 * Peers are asked for a client certificate so other atServers can authenticate with mutual TLS.
 */
export async function startAtSignServer(options: AtSignServerOptions): Promise<AtSignServer> {
  const limits = withDefaults(defaultAtServerLimits, options.limits);
  const clock = options.clock ?? systemClock;
  const log = (options.log ?? silentLogger).child({ atSign: options.atSign });
  const pool = new InboundPool(limits, () => clock.now());
  const self = { atSign: options.atSign, store: options.store, clock, limits, log };
  const federation = options.federation && startFederation(self, options.federation, options.tls);
  const webPush =
    options.webPush &&
    new AtSignPush(
      { ...self, changed: (operation, commitId) => context.changed(operation, commitId) },
      options.webPush,
    );

  const context: AtSignContext = {
    atSign: options.atSign,
    store: options.store,
    clock,
    limits,
    log,
    startedAt: clock.now(),
    version: atServerVersion,
    inboundCount: () => pool.size,
    outboundCount: () => federation?.outboundCount() ?? 0,
    connections: () => pool[Symbol.iterator](),
    changed: (operation, commitId) => notifications.changed(operation, commitId),
    get notifications() {
      return notifications;
    },
    ...(federation && { remote: federation.remote, locate: federation.locate }),
    refreshCache: () => refreshCache(),
    ...(webPush && { webPush }),
  };
  const notifications = new Notifications(context);
  await webPush?.start();

  const listener = await listenTls({
    host: options.host ?? '127.0.0.1',
    port: options.port,
    // Client certificates of other atServers must chain to a CA trusted for federation (§1.1).
    tls: { ...options.tls, caPem: trustedCaPem(options.tls, options.federation?.trustedCaPem) },
    requestClientCertificate: true,
    // The pool enforces the per-atSign inbound limit with the reference's AT0012 answer; these only
    // bound raw sockets so a flood is cut before TLS work.
    maxConnections: limits.maxInboundConnections * 2,
    maxConnectionsPerIp: limits.maxInboundConnections * 2,
    handshakeTimeoutMs: limits.handshakeTimeoutMs,
    onConnection: (socket) => serveConnection(socket, context, verbTable, pool),
  });
  const sweep = setInterval(() => {
    pool.reapIdle();
    federation?.reapIdle();
  }, limits.idleSweepMs);
  sweep.unref();
  // Expired records are deleted (and committed) in the background; one run at a time, awaited on close.
  let expiring: Promise<void> | undefined;
  const expiry = setInterval(() => {
    expiring ??= expireRecords(context, clock.now())
      .then(
        () => undefined,
        (error: unknown) => log.error('expiry failed', { error: String(error) }),
      )
      .finally(() => (expiring = undefined));
  }, limits.expirySweepMs);
  expiry.unref();
  // Cached copies past their ttr are fetched again in the background; one run at a time, awaited on close.
  let refreshing: Promise<CacheRefreshSummary> | undefined;
  const refreshCache = () => (refreshing ??= refreshCachedRecords(context).finally(() => (refreshing = undefined)));
  const refresh = setInterval(() => {
    refreshCache().catch((error: unknown) => log.error('cache refresh failed', { error: String(error) }));
  }, limits.cacheRefreshMs);
  refresh.unref();
  // Notifications still queued when the server last stopped go out again now (atprotocol.md §6.4).
  notifications.start();
  log.info('listening', { port: listener.port });

  return {
    atSign: options.atSign,
    port: listener.port,
    context,
    connections: () => pool[Symbol.iterator](),
    reapIdle: () => pool.reapIdle(),
    reapIdleOutbound: () => federation?.reapIdle() ?? 0,
    refreshCache,
    async close() {
      webPush?.close();
      await notifications.close();
      clearInterval(sweep);
      clearInterval(expiry);
      clearInterval(refresh);
      await listener.close();
      await expiring;
      await refreshing?.catch(() => undefined);
      federation?.close();
    },
  };
}

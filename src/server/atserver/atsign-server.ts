import { systemClock, type Clock } from '../clock';
import { defaultAtServerLimits, withDefaults, type AtServerLimits } from '../config';
import { silentLogger, type Logger } from '../log';
import { listenTls } from '../net/tls-listener';
import type { TlsMaterial } from '../tls/local-ca';
import { serveConnection } from './connection';
import type { AtSignContext } from './context';
import { InboundPool, type InboundConnection } from './inbound-pool';
import type { AtSignStore } from './store/atsign-store';
import { verbTable } from './verbs';

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
}

/** One atSign's running atServer. */
export interface AtSignServer {
  readonly atSign: string;
  readonly port: number;
  readonly context: AtSignContext;
  /** Open inbound connections. */
  connections(): IterableIterator<InboundConnection>;
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

  const context: AtSignContext = {
    atSign: options.atSign,
    store: options.store,
    clock,
    limits,
    log,
    startedAt: clock.now(),
    version: atServerVersion,
    inboundCount: () => pool.size,
    outboundCount: () => 0,
    changed: () => {},
  };

  const listener = await listenTls({
    host: options.host ?? '127.0.0.1',
    port: options.port,
    tls: options.tls,
    requestClientCertificate: true,
    // The pool enforces the per-atSign inbound limit with the reference's AT0012 answer; these only
    // bound raw sockets so a flood is cut before TLS work.
    maxConnections: limits.maxInboundConnections * 2,
    maxConnectionsPerIp: limits.maxInboundConnections * 2,
    handshakeTimeoutMs: limits.handshakeTimeoutMs,
    onConnection: (socket) => serveConnection(socket, context, verbTable, pool),
  });
  const sweep = setInterval(() => pool.reapIdle(), limits.idleSweepMs);
  sweep.unref();
  log.info('listening', { port: listener.port });

  return {
    atSign: options.atSign,
    port: listener.port,
    context,
    connections: () => pool[Symbol.iterator](),
    async close() {
      clearInterval(sweep);
      await listener.close();
    },
  };
}

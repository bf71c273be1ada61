import type tls from 'node:tls';
import { systemClock, type Clock } from '../clock';
import { defaultDirectoryLimits, withDefaults, type DirectoryLimits } from '../config';
import { silentLogger, type Logger } from '../log';
import { LineFramer } from '../net/line-framer';
import { listenTls, type TlsListener } from '../net/tls-listener';
import type { TlsMaterial } from '../tls/local-ca';
import type { DirectoryBackend } from './backend';

export interface DirectoryOptions {
  host?: string;
  /** 0 picks a free port. Production uses 64, as the reference root server. */
  port: number;
  tls: TlsMaterial;
  backend: DirectoryBackend;
  limits?: Partial<DirectoryLimits>;
  log?: Logger;
  clock?: Clock;
}

export interface DirectoryServer {
  readonly port: number;
  readonly host: string;
  readonly activeConnections: number;
  close(): Promise<void>;
}

/**
 * Starts the atDirectory: a TLS service that answers an atSign (sent without `@`) with the `host:port` of
 * its atServer, byte for byte as the reference root server (atprotocol.md §2): `@` on connect,
 * `host:port\r\n@` or `null\r\n@`, `@exit` closes, and repeated misses are slowed then cut off.
 *
 * @example
 * const directory = await startDirectory({ port: 0, tls, backend: new MemoryDirectoryBackend() });
 */
export async function startDirectory(options: DirectoryOptions): Promise<DirectoryServer> {
  const limits = withDefaults(defaultDirectoryLimits, options.limits);
  const log = (options.log ?? silentLogger).child({ service: 'directory' });
  const listener: TlsListener = await listenTls({
    host: options.host ?? '127.0.0.1',
    port: options.port,
    tls: options.tls,
    maxConnections: limits.maxConnections,
    maxConnectionsPerIp: limits.maxConnectionsPerIp,
    handshakeTimeoutMs: limits.handshakeTimeoutMs,
    onConnection: (socket) => serveConnection(socket, options.backend, limits, log, options.clock ?? systemClock),
    onRefused: (_socket, reason) => log.warn('connection refused', { reason }),
  });
  log.info('listening', { host: listener.host, port: listener.port });
  return {
    port: listener.port,
    host: listener.host,
    get activeConnections() {
      return listener.activeConnections;
    },
    close: () => listener.close(),
  };
}

function serveConnection(
  socket: tls.TLSSocket,
  backend: DirectoryBackend,
  limits: DirectoryLimits,
  log: Logger,
  clock: Clock,
) {
  let misses = 0;
  let queue = Promise.resolve();
  socket.setTimeout(limits.idleMs, () => socket.destroy());

  const answer = async (line: string) => {
    const name = line.trim().toLowerCase();
    if (name === '@exit') return void socket.end();
    const address = name === '' ? null : await backend.lookup(name);
    if (address !== null) return void write(`${address}\r\n@`);
    // An empty line is no probe for names, so it is answered without counting towards the miss limit.
    if (name !== '') misses += 1;
    if (misses >= limits.missesBeforeClose) {
      log.warn('closed after repeated misses', { misses });
      return void socket.destroy();
    }
    if (misses >= 2) await clock.sleep(limits.missDelayMs);
    write('null\r\n@');
  };
  const write = (text: string) => {
    if (!socket.destroyed && socket.writable) socket.write(text);
  };

  const framer = new LineFramer(
    limits.maxRequestBytes,
    (line) => {
      queue = queue
        .then(() => answer(line))
        .catch((error: unknown) => {
          log.error('lookup failed', { error: String(error) });
          socket.destroy();
        });
    },
    () => {
      log.warn('request too long');
      socket.destroy();
    },
  );
  socket.on('data', (chunk: Buffer) => {
    // The reference closes on `@exit` even before its newline arrives.
    if (framer.bufferedBytes === 0 && chunk.toString('utf8').trim().toLowerCase() === '@exit') return void socket.end();
    framer.push(chunk);
  });
  socket.on('close', () => framer.stop());
  socket.write('@');
}

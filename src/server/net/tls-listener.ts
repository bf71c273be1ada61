import type { AddressInfo, Socket } from 'node:net';
import tls from 'node:tls';
import type { TlsMaterial } from '../tls/local-ca';

/** Why a connection was turned away before its handler saw it. */
export type Refusal = 'tooManyConnections' | 'tooManyFromAddress';

export interface TlsListenerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  tls: TlsMaterial;
  /** Ask peers for a certificate (atServers: other atServers authenticate with it in `from`). */
  requestClientCertificate?: boolean;
  maxConnections: number;
  maxConnectionsPerIp: number;
  handshakeTimeoutMs: number;
  /** A connection that passed the limits, after its TLS handshake. */
  onConnection: (socket: tls.TLSSocket) => void;
  /** Lets the service answer a refused connection (the atServer writes AT0012) before it is closed. */
  onRefused?: (socket: tls.TLSSocket, reason: Refusal) => void;
}

/** A listening TLS service with connection accounting. */
export interface TlsListener {
  readonly port: number;
  readonly host: string;
  /** Connections currently open (after their handshake). */
  readonly activeConnections: number;
  /** Stops accepting, destroys every open connection and resolves once closed. */
  close(): Promise<void>;
}

/**
 * Starts a TLS server that enforces the connection limits in one place: a total cap and a per-address cap
 * (counted from the TCP accept, so half-open handshakes count too) and a handshake timeout. Every socket
 * gets TCP_NODELAY, as in the reference (atprotocol.md §1.1).
 */
export function listenTls(options: TlsListenerOptions): Promise<TlsListener> {
  const perAddress = new Map<string, number>();
  const open = new Set<tls.TLSSocket>();
  const raw = new Set<Socket>();

  const server = tls.createServer({
    cert: options.tls.certPem,
    key: options.tls.keyPem,
    ca: options.tls.caPem,
    requestCert: options.requestClientCertificate ?? false,
    // A presented certificate is checked by the verb that relies on it (`from`), not at the TLS layer.
    rejectUnauthorized: false,
    handshakeTimeout: options.handshakeTimeoutMs,
    minVersion: 'TLSv1.2',
  });

  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (perAddress.get(address) ?? 0) + 1;
    raw.add(socket);
    perAddress.set(address, count);
    socket.once('close', () => {
      raw.delete(socket);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
    socket.setNoDelay(true);
    // Per-address refusals happen before the handshake: a flood from one address costs no TLS work.
    if (count > options.maxConnectionsPerIp) socket.destroy();
  });

  server.on('secureConnection', (socket: tls.TLSSocket) => {
    socket.on('error', () => socket.destroy());
    if (open.size >= options.maxConnections) {
      if (options.onRefused) options.onRefused(socket, 'tooManyConnections');
      socket.end();
      return;
    }
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    options.onConnection(socket);
  });

  // Handshake failures (bad client hello, a plain-text HTTP request on the TLS port) only end that socket.
  server.on('tlsClientError', (_error, socket) => socket.destroy());

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve({
        port: address.port,
        host: options.host,
        get activeConnections() {
          return open.size;
        },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of raw) socket.destroy();
          }),
      });
    });
  });
}

/**
 * A {@link Transport} over TLS straight to an atServer or atDirectory: for Node (tools, tests, servers that
 * act as clients). Browsers cannot open TLS sockets; they use the WebSocket transport through the gateway.
 */
import { isIP } from 'node:net';
import tls from 'node:tls';
import { AtError } from '$lib/at/errors';
import { TransportInbox, type Transport, type TransportReceiver } from '../transport/transport';

export interface TlsTransportOptions {
  readonly host: string;
  readonly port: number;
  /** CA certificate(s) to trust instead of the system store (an embedded stack's local CA). */
  readonly ca?: string | Buffer;
  /** Name the server certificate must cover; defaults to `host` (an IP address is checked as itself). */
  readonly servername?: string;
  /** The TCP connection and TLS handshake must complete within this (default 10 s). */
  readonly timeoutMs?: number;
}

class TlsTransport implements Transport {
  readonly #socket: tls.TLSSocket;
  readonly #inbox = new TransportInbox();

  constructor(socket: tls.TLSSocket) {
    this.#socket = socket;
    // The string decoder keeps a UTF-8 sequence split between TLS records whole.
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    let failure: Error | undefined;
    socket.on('data', (text: string) => this.#inbox.text(text));
    socket.on('error', (error) => {
      failure = error;
      socket.destroy();
    });
    socket.on('close', () => this.#inbox.closed(failure));
  }

  get isClosed(): boolean {
    return this.#inbox.isClosed;
  }

  listen(receiver: TransportReceiver): void {
    this.#inbox.listen(receiver);
  }

  send(text: string): void {
    if (!this.isClosed && !this.#socket.destroyed) this.#socket.write(text);
  }

  close(): void {
    this.#socket.destroy();
  }
}

/**
 * Connects with TLS (1.2 or later, certificate checked) and resolves once the handshake is done.
 *
 * @throws AtError AT0021 when the connection or the handshake fails or takes too long.
 * @example
 * const transport = await openTlsTransport({ host: 'localhost', port: 6465, ca: caPem });
 */
export function openTlsTransport(options: TlsTransportOptions): Promise<Transport> {
  const where = `${options.host}:${options.port}`;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: options.host,
      port: options.port,
      ca: options.ca,
      // SNI takes host names only; an IP address is still checked against the certificate.
      servername: options.servername ?? (isIP(options.host) ? undefined : options.host),
      minVersion: 'TLSv1.2',
    });
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new AtError('AT0021', `Unable to connect to ${where}: ${error.message}`));
    };
    const timer = setTimeout(() => fail(new Error('no TLS handshake in time')), options.timeoutMs ?? 10_000);
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(new TlsTransport(socket));
    });
  });
}

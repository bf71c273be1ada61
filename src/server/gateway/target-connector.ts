/**
 * Opens the gateway's TLS connections to atServers and to its atDirectory: to an address already vetted,
 * with SNI and certificate verification against the host *name*, one secure context shared by every
 * connection (building one per connection would load the trust store each time) and TLS session resumption
 * per host, so the thousandth browser opening `@alice` costs an abbreviated handshake.
 */
import { isIP } from 'node:net';
import tls from 'node:tls';
import { GatewayRefusal } from './endings';

/** Where to connect: a name to verify the certificate against and the addresses to try, in order. */
export interface TlsTarget {
  readonly host: string;
  readonly port: number;
  readonly addresses: readonly string[];
}

/** Errors that mean "this address does not answer", after which the next vetted address is tried. */
const unreachableCodes = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT']);

const maxSessions = 1_000;

/**
 * Receives `length` bytes the socket read into `buffer`; returns false to pause the socket. The buffer is
 * shared by every connection and reused as soon as the callback returns.
 */
export type ReadCallback = (length: number, buffer: Buffer) => boolean;

/** One read buffer for all target connections: reads happen one at a time, each consumed before the next. */
const sharedReadBuffer = Buffer.allocUnsafe(65_536);

export class TargetConnector {
  readonly #context: tls.SecureContext;
  readonly #highWaterMark: number;
  readonly #sessions = new Map<string, Buffer>();

  /**
   * @param ca PEM of the CA(s) to trust instead of the system store (the local CA of an embedded stack).
   * @param highWaterMark bytes a connection buffers for writing before `write` asks the writer to wait.
   */
  constructor(ca: string | undefined, highWaterMark: number) {
    this.#context = tls.createSecureContext({ ca, minVersion: 'TLSv1.2' });
    this.#highWaterMark = highWaterMark;
  }

  /**
   * Connects to the first address of `target` that answers and completes a verified TLS handshake. Data
   * read from the connection goes to `onRead` (no `data` events).
   *
   * @throws GatewayRefusal `targetUnreachable` when no address answers or the certificate does not verify;
   *   the signal's reason when aborted.
   * @example const socket = await connector.connect({ host: 'localhost', port: 6465, addresses: ['127.0.0.1'] }, signal, relayRead);
   */
  async connect(target: TlsTarget, signal: AbortSignal, onRead: ReadCallback): Promise<tls.TLSSocket> {
    let lastError: Error | undefined;
    for (const address of target.addresses) {
      try {
        return await this.#attempt(target, address, signal, onRead);
      } catch (error) {
        lastError = error as Error;
        const code = (error as NodeJS.ErrnoException).code;
        if (signal.aborted || !code || !unreachableCodes.has(code)) break;
      }
    }
    if (signal.aborted) throw signal.reason;
    throw new GatewayRefusal(
      'targetUnreachable',
      `${target.host}:${target.port}: ${lastError?.message ?? 'no address'}`,
    );
  }

  #attempt(target: TlsTarget, address: string, signal: AbortSignal, onRead: ReadCallback): Promise<tls.TLSSocket> {
    const key = `${target.host}|${address}|${target.port}`;
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host: address,
        port: target.port,
        // SNI carries a name; an IP literal is checked against the certificate's IP entries instead.
        servername: isIP(target.host) ? undefined : target.host,
        checkServerIdentity: (_, certificate) => tls.checkServerIdentity(target.host, certificate),
        secureContext: this.#context,
        session: this.#sessions.get(key),
        rejectUnauthorized: true,
        // Node passes both on to the socket (its typings list them for net sockets only).
        ...({ highWaterMark: this.#highWaterMark, onread: { buffer: sharedReadBuffer, callback: onRead } } as object),
      });
      const abort = () => socket.destroy();
      signal.addEventListener('abort', abort, { once: true });
      socket.setNoDelay(true);
      socket.on('session', (session: Buffer) => this.#remember(key, session));
      socket.once('secureConnect', () => {
        signal.removeEventListener('abort', abort);
        socket.removeListener('error', reject);
        socket.removeListener('close', closed);
        resolve(socket);
      });
      const closed = () => reject(signal.aborted ? signal.reason : new Error('closed during the TLS handshake'));
      socket.once('error', reject);
      socket.once('close', closed);
      if (signal.aborted) abort();
    });
  }

  #remember(key: string, session: Buffer): void {
    this.#sessions.delete(key);
    this.#sessions.set(key, session);
    if (this.#sessions.size > maxSessions) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
  }
}

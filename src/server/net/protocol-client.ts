import { isIP } from 'node:net';
import tls from 'node:tls';
import { AtError } from '$lib/at/errors';
import { parseResponse, type Response } from '$lib/at/response';
import { ResponseReader, type ServerOutput } from '$lib/at/response-reader';

export interface ProtocolClientOptions {
  readonly host: string;
  readonly port: number;
  /** CA certificate(s) to trust instead of the system store (the local CA in development). */
  readonly ca?: string | Buffer;
  /** Client certificate and key for mutual TLS (one atServer connecting to another, atprotocol.md §6.1). */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Name the server certificate must cover; defaults to `host` (for an IP address, the IP itself is checked). */
  readonly servername?: string;
  /** A response must arrive within this once its command is sent (default 30 s). */
  readonly timeoutMs?: number;
  /** The TLS handshake and the server's `@` must arrive within this (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Receives the JSON of each unsolicited `notification: {…}` line (monitor connections). */
  readonly onNotification?: (json: string) => void;
}

/** Options of one request. */
export interface RequestOptions {
  /** Its response must arrive within this instead of the client's `timeoutMs` (the reference waits 3 s for `pol`). */
  readonly timeoutMs?: number;
}

/** A response: its line as written (prompt stripped, as Dart clients strip it, §1.9) and parsed. */
export interface ProtocolAnswer {
  readonly text: string;
  readonly response: Response;
}

interface Pending {
  readonly resolve: (text: string) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The client side of an atProtocol connection over TLS, used by the CLI's `repl` and by the atServer's
 * own outbound connections. Commands run in strict lock-step, as every reference client does (§1.3):
 * one command, then its whole response, then the next. The output is read by {@link ResponseReader}, so
 * multi-line error texts arrive whole; `notification:` lines are handed to `onNotification` as they come.
 *
 * @example
 * const client = await ProtocolClient.connect({ host: 'localhost', port: 6465, ca });
 * (await client.send('from:@alice')).kind; // 'data'
 * await client.send('llookup:public:signing_publickey@alice'); // { kind: 'data', data: 'MIIBIjAN…' }
 */
export class ProtocolClient {
  readonly #socket: tls.TLSSocket;
  readonly #options: ProtocolClientOptions;
  readonly #reader = new ResponseReader();
  #pending: Pending | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Resolves once the connection has closed, from either side. */
  readonly closed: Promise<void>;

  private constructor(socket: tls.TLSSocket, options: ProtocolClientOptions) {
    this.#socket = socket;
    this.#options = options;
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (text: string) => this.#take(this.#reader.push(text)));
    socket.on('error', () => socket.destroy());
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#closed = true;
        this.#finish();
        resolve();
      }),
    );
  }

  /**
   * Connects with TLS and waits for the server's `@`. Rejects with the server's words when it refuses
   * the connection instead (`error:AT0012-Inbound connection limit exceeded`).
   */
  static connect(options: ProtocolClientOptions): Promise<ProtocolClient> {
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host: options.host,
        port: options.port,
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        // SNI takes host names only; an IP address is still checked against the certificate.
        servername: options.servername ?? (isIP(options.host) ? undefined : options.host),
        minVersion: 'TLSv1.2',
      });
      const client = new ProtocolClient(socket, options);
      const settle = (error?: Error) => {
        clearTimeout(timer);
        socket.off('error', settle);
        if (error) reject(error);
        else resolve(client);
      };
      const timer = setTimeout(() => {
        socket.destroy();
        settle(new AtError('AT0023', `no greeting from ${options.host}:${options.port}`));
      }, connectTimeoutMs);
      socket.once('error', settle);
      client.#pending = { resolve: () => settle(), reject: settle };
    });
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Sends one command and resolves with its parsed response. An `error:` response resolves too (as
   * `kind: 'error'`); a closed connection or a timeout (AT0023, which also closes) rejects.
   */
  async send(line: string, options: RequestOptions = {}): Promise<Response> {
    return (await this.exchange(line, options)).response;
  }

  /** Sends one command and resolves with its response line (prompt stripped) and its parsed form. */
  exchange(line: string, options: RequestOptions = {}): Promise<ProtocolAnswer> {
    return this.#enqueue(async () => {
      const text = await this.#request(line, options.timeoutMs);
      return { text, response: parseResponse(text) };
    });
  }

  /**
   * Sends a command that has no response (`monitor`, `@exit`), in order with the others. Resolves once
   * it is written.
   */
  sendWithoutReply(line: string): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#closed) throw new AtError('AT0004', 'connection closed');
      await new Promise<void>((resolve) => this.#socket.write(`${line}\n`, () => resolve()));
    });
  }

  /** Closes the connection without a word. */
  close(): void {
    this.#socket.destroy();
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#chain.then(work, work);
    this.#chain = result.catch(() => undefined);
    return result;
  }

  #request(line: string, timeoutMs = this.#options.timeoutMs ?? 30_000): Promise<string> {
    if (this.#closed) return Promise.reject(new AtError('AT0004', 'connection closed'));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending = undefined;
        // Lock-step is lost once a response is missing: a late one would answer the next command.
        this.#socket.destroy();
        reject(new AtError('AT0023', 'Timeout waiting for response'));
      }, timeoutMs);
      this.#pending = {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#socket.write(`${line}\n`);
    });
  }

  /**
   * Hands out what the reader completed: the greeting and each response settle the pending request (a
   * response nobody waits for is dropped: lock-step is already lost), notifications go to `onNotification`.
   */
  #take(outputs: ServerOutput[]): void {
    for (const output of outputs) {
      if (output.kind === 'notification') this.#options.onNotification?.(output.json);
      else {
        const text = output.kind === 'response' ? output.text : '';
        this.#settle((pending) => pending.resolve(text));
      }
    }
  }

  #settle(act: (pending: Pending) => void): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) act(pending);
  }

  /** The connection closed: a response without its prompt (AT0024, a closing error) still counts. */
  #finish(): void {
    const rest = this.#reader.end();
    if (!this.#pending) return;
    if (rest?.kind === 'response') return this.#settle((pending) => pending.resolve(rest.text));
    const said = rest === undefined ? '' : `: ${rest.text}`;
    this.#settle((pending) => pending.reject(new AtError('AT0004', `connection closed${said}`)));
  }
}

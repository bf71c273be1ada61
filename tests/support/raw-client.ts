import tls from 'node:tls';

/**
 * A bare TLS client for integration tests: writes exact bytes and reads exact bytes, so tests see the
 * wire as an SDK would.
 */
export class RawClient {
  readonly socket: tls.TLSSocket;
  #buffer = '';
  #waiters: (() => void)[] = [];
  #closed = false;
  readonly closed: Promise<void>;

  private constructor(socket: tls.TLSSocket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.#buffer += text;
      this.#notify();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.#closed = true;
        this.#notify();
        resolve();
      }),
    );
    socket.on('error', () => {});
  }

  /** Connects with TLS, trusting `ca`; presents `cert`/`key` when given (mutual TLS). */
  static connect(
    port: number,
    options: { ca: string; cert?: string; key?: string; servername?: string; host?: string },
  ): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect(
        {
          host: options.host ?? '127.0.0.1',
          port,
          ca: options.ca,
          cert: options.cert,
          key: options.key,
          servername: options.servername ?? 'localhost',
        },
        () => resolve(new RawClient(socket)),
      );
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Resolves with everything received up to and including the first match of `pattern`, consuming it. */
  async readUntil(pattern: RegExp): Promise<string> {
    for (;;) {
      const match = pattern.exec(this.#buffer);
      if (match) {
        const end = match.index + match[0].length;
        const text = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end);
        return text;
      }
      if (this.#closed)
        throw new Error(`connection closed before ${pattern}; received ${JSON.stringify(this.#buffer)}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Everything received and not yet consumed. */
  drain(): string {
    const text = this.#buffer;
    this.#buffer = '';
    return text;
  }

  close(): void {
    this.socket.destroy();
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

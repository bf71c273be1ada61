/**
 * One atProtocol connection over a {@link Transport}: waits for the server's `@`, then runs commands in
 * strict lock-step as every reference client does (atprotocol.md §1.3): one command, its whole response,
 * then the next. The server's output is read by the shared {@link ResponseReader}.
 */
import { AtError } from '$lib/at/errors';
import { errorFromResponse, parseResponse, type Response } from '$lib/at/response';
import { ResponseReader, type ClosingRemainder, type ServerOutput } from '$lib/at/response-reader';
import type { Requester, RequestOptions } from './requester';
import type { Transport } from './transport/transport';

export interface AtConnectionOptions {
  /** A response must arrive within this once its command is written (default 30 s). */
  readonly timeoutMs?: number;
  /** The server's `@` must arrive within this once the transport is open (default 10 s). */
  readonly greetingTimeoutMs?: number;
  /** Receives the JSON of each `notification: {…}` line (monitor connections). */
  readonly onNotification?: (json: string) => void;
}

/** A response as written (prompt stripped) and parsed. */
export interface Answer {
  readonly text: string;
  readonly response: Response;
}

/**
 * AT0004: the connection closed before the request was answered. `sent` tells whether its line had been
 * written: a request that was not can safely go out on another connection; one that was may have been
 * applied by the server and must not be re-sent blindly.
 */
export class ConnectionClosedError extends AtError {
  readonly sent: boolean;

  constructor(message: string, sent: boolean, cause?: Error) {
    super('AT0004', message, { close: false });
    this.name = 'ConnectionClosedError';
    this.sent = sent;
    if (cause) this.cause = cause;
  }
}

interface Request {
  readonly line: string;
  readonly timeoutMs: number | undefined;
  readonly expectsReply: boolean;
  readonly resolve: (answer: Answer | undefined) => void;
  readonly reject: (error: Error) => void;
}

interface GreetingWaiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * An open connection that has seen the server's greeting. It implements {@link Requester}: `send` resolves
 * with the parsed response, `error:` responses included; a timeout (AT0023, which also closes: lock-step is
 * lost) or a closed connection ({@link ConnectionClosedError}) rejects.
 *
 * @example
 * const connection = await AtConnection.open(await openTlsTransport({ host, port, ca }));
 * await connection.send('from:@alice'); // { kind: 'data', data: '_6f1c…@alice:9b2e…' }
 */
export class AtConnection implements Requester {
  readonly #transport: Transport;
  readonly #options: AtConnectionOptions;
  readonly #reader = new ResponseReader();
  readonly #queue: Request[] = [];
  #inFlight: { readonly request: Request; readonly timer: ReturnType<typeof setTimeout> } | undefined;
  #greeting: GreetingWaiter | undefined;
  #closeReason: Error | undefined;
  #isClosed = false;
  #resolveClosed!: () => void;
  /** Resolves once the connection has closed, from either side. */
  readonly closed = new Promise<void>((resolve) => (this.#resolveClosed = resolve));

  private constructor(transport: Transport, options: AtConnectionOptions) {
    this.#transport = transport;
    this.#options = options;
  }

  /**
   * Waits for the server's `@` on an open transport. Rejects with the server's own error when it refuses
   * the connection instead (`error:AT0012-Inbound connection limit exceeded`), with AT0023 when no greeting
   * comes in time, and with a {@link ConnectionClosedError} when the transport closes first.
   */
  static open(transport: Transport, options: AtConnectionOptions = {}): Promise<AtConnection> {
    const connection = new AtConnection(transport, options);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        connection.#greeting = undefined;
        transport.close();
        reject(new AtError('AT0023', 'no greeting from the server in time'));
      }, options.greetingTimeoutMs ?? 10_000);
      connection.#greeting = {
        resolve: () => {
          clearTimeout(timer);
          resolve(connection);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      transport.listen({
        text: (chunk) => connection.#take(connection.#reader.push(chunk)),
        closed: (reason) => connection.#finish(reason),
      });
    });
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Why the transport closed, when it failed rather than ended. */
  get closeReason(): Error | undefined {
    return this.#closeReason;
  }

  /** Sends one command and resolves with its parsed response. */
  async send(line: string, options: RequestOptions = {}): Promise<Response> {
    return (await this.exchange(line, options)).response;
  }

  /**
   * Sends one command and resolves with its response as written and parsed. The line is written at once
   * when nothing is ahead of it, so a caller knows it went out unless {@link ConnectionClosedError.sent}
   * says otherwise.
   */
  exchange(line: string, options: RequestOptions = {}): Promise<Answer> {
    return this.#enqueue(line, true, options.timeoutMs) as Promise<Answer>;
  }

  /** Sends a command that has no response (`monitor`, `@exit`), in order; resolves once it is written. */
  async sendWithoutReply(line: string): Promise<void> {
    await this.#enqueue(line, false, undefined);
  }

  /** Closes the connection without a word. */
  close(): void {
    this.#transport.close();
  }

  #enqueue(line: string, expectsReply: boolean, timeoutMs: number | undefined): Promise<Answer | undefined> {
    if (this.#isClosed) return Promise.reject(this.#notSent());
    return new Promise((resolve, reject) => {
      this.#queue.push({ line, timeoutMs, expectsReply, resolve, reject });
      this.#pump();
    });
  }

  /** Writes queued lines until one waits for its response. */
  #pump(): void {
    while (!this.#inFlight && !this.#isClosed) {
      const request = this.#queue.shift();
      if (!request) return;
      if (!request.expectsReply) {
        this.#transport.send(`${request.line}\n`);
        request.resolve(undefined);
        continue;
      }
      const timer = setTimeout(
        () => {
          this.#inFlight = undefined;
          request.reject(new AtError('AT0023', 'Timeout waiting for response'));
          // A late response would answer the next command: the connection is no longer usable.
          this.#transport.close();
        },
        request.timeoutMs ?? this.#options.timeoutMs ?? 30_000,
      );
      // In flight before it is written, so that even an answer delivered during `send` finds it.
      this.#inFlight = { request, timer };
      this.#transport.send(`${request.line}\n`);
    }
  }

  #take(outputs: ServerOutput[]): void {
    for (const output of outputs) {
      if (output.kind === 'greeting') this.#settleGreeting((greeting) => greeting.resolve());
      else if (output.kind === 'notification') this.#options.onNotification?.(output.json);
      else this.#answer(output.text);
    }
  }

  /** Answers the request in flight; a response nobody waits for (after a timeout) is dropped. */
  #answer(text: string): void {
    const inFlight = this.#inFlight;
    if (!inFlight) return;
    clearTimeout(inFlight.timer);
    this.#inFlight = undefined;
    inFlight.request.resolve({ text, response: parseResponse(text) });
    this.#pump();
  }

  #finish(reason: Error | undefined): void {
    this.#isClosed = true;
    this.#closeReason = reason;
    const rest = this.#reader.end();
    this.#settleGreeting((greeting) => greeting.reject(this.#refusal(rest, reason)));
    // A last response written just before the close (AT0024 from a pausing server) still answers.
    if (rest?.kind === 'response') this.#answer(rest.text);
    const inFlight = this.#inFlight;
    if (inFlight) {
      clearTimeout(inFlight.timer);
      this.#inFlight = undefined;
      const said = reason ? `: ${reason.message}` : '';
      const message = `connection closed after the request was sent (it may have been applied)${said}`;
      inFlight.request.reject(new ConnectionClosedError(message, true, reason));
    }
    for (const request of this.#queue.splice(0)) request.reject(this.#notSent());
    this.#resolveClosed();
  }

  #settleGreeting(act: (greeting: GreetingWaiter) => void): void {
    const greeting = this.#greeting;
    this.#greeting = undefined;
    if (greeting) act(greeting);
  }

  #notSent(): ConnectionClosedError {
    const said = this.#closeReason ? `: ${this.#closeReason.message}` : '';
    return new ConnectionClosedError(`connection closed before the request was sent${said}`, false, this.#closeReason);
  }

  /** Why a connection closed before its greeting: the server's own error if it wrote one. */
  #refusal(rest: ClosingRemainder | undefined, reason: Error | undefined): Error {
    const response = rest && parseResponse(rest.text);
    if (response?.kind === 'error') return errorFromResponse(response);
    const said = rest ? `: ${rest.text}` : reason ? `: ${reason.message}` : '';
    return new ConnectionClosedError(`connection closed before the server's greeting${said}`, false, reason);
  }
}

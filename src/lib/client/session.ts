/**
 * An authenticated, self-healing link to one atSign's atServer: what the data operations, sync and the
 * outbox send their commands through.
 */
import { fixAtSign } from '$lib/at/atsign';
import { AtError } from '$lib/at/errors';
import type { Response } from '$lib/at/response';
import type { PkamCredentials } from '$lib/crypto/pkam-command';
import { authenticateWithKeys } from './auth';
import type { BackoffOptions } from './backoff';
import { AtConnection, ConnectionClosedError } from './connection';
import type { Dialer } from './dialer';
import { NotificationMonitor, type MonitorOptions } from './monitor';
import { AuthenticationFailed, Reconnector, type LinkState } from './reconnector';
import type { Requester, RequestOptions } from './requester';

export type { LinkState as SessionState } from './reconnector';

export interface AtSessionOptions {
  readonly atSign: string;
  readonly dialer: Dialer;
  /**
   * The keys to authenticate with, asked for at each (re)authentication. Throwing (a locked keyring)
   * leaves the session `auth-failed` until the next request.
   */
  readonly keys: () => PkamCredentials | Promise<PkamCredentials>;
  /** A response must arrive within this once its command is written (default 30 s). */
  readonly timeoutMs?: number;
  readonly backoff?: BackoffOptions;
  /** A connection that lived at least this long before dropping is replaced at once (default 10 s). */
  readonly stableAfterMs?: number;
  /** Random source for back-off jitter (tests pin it). */
  readonly random?: () => number;
}

/** Listens to a session's or monitor's state: `error` says why for `offline` and `auth-failed`. */
export type StateListener = (state: LinkState, error?: Error) => void;

interface Queued {
  readonly line: string;
  readonly options: RequestOptions;
  readonly resolve: (response: Response) => void;
  readonly reject: (error: Error) => void;
}

/** Errors on the way that say the connection failed, not the credentials. */
function isConnectionFailure(error: unknown): boolean {
  return error instanceof ConnectionClosedError || (error instanceof AtError && error.code === 'AT0023');
}

/**
 * One atSign's session. It connects through its {@link Dialer} on the first request and authenticates with
 * PKAM; when the connection drops it reconnects (back-off with jitter) and authenticates again. Requests go
 * out in order, one at a time. A request not yet written when the connection dropped is sent on the next
 * one; a request already written is never re-sent, since the server may have applied it: it is rejected
 * with a retryable {@link ConnectionClosedError} (`sent: true`). When a connection attempt fails, the
 * requests waiting for it are rejected with its error.
 *
 * @example
 * const session = new AtSession({ atSign: '@alice', dialer: gatewayDialer({ url: location.origin }), keys: () => keyring.pkamKeys() });
 * session.onStateChange((state) => (status = state));
 * await request(session, 'llookup:phone.wavi@alice');
 */
export class AtSession implements Requester {
  readonly atSign: string;
  readonly #options: AtSessionOptions;
  readonly #link: Reconnector;
  readonly #queue: Queued[] = [];
  readonly #listeners = new Set<StateListener>();
  readonly #monitors = new Set<NotificationMonitor>();
  #inFlight = false;
  #lastError: Error | undefined;

  constructor(options: AtSessionOptions) {
    this.atSign = fixAtSign(options.atSign);
    this.#options = options;
    this.#link = new Reconnector({
      open: () => this.#openAuthenticated(),
      onOnline: () => this.#pump(),
      onState: (state, error) => this.#changed(state, error),
      // Requests wait through one connection attempt, not through every back-off that may follow.
      onAttemptFailed: (error) => this.#rejectWaiting(error),
      backoff: options.backoff,
      stableAfterMs: options.stableAfterMs,
      random: options.random,
    });
  }

  get state(): LinkState {
    return this.#link.state;
  }

  /** Why the session last went `offline` or `auth-failed`. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** Calls `listener` on every change of state; returns the function that stops it. */
  onStateChange(listener: StateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Sends one command (connecting first if needed) and resolves with its parsed response.
   *
   * @throws ConnectionClosedError (AT0004, retryable) when the connection dropped around it; AT0023 when
   *   no response came in time; the connection attempt's error when it could not connect or authenticate;
   *   AT0004 once the session is closed.
   */
  send(line: string, options: RequestOptions = {}): Promise<Response> {
    if (this.state === 'closed') return Promise.reject(new AtError('AT0004', 'the session is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ line, options, resolve, reject });
      // While offline the request waits for the scheduled attempt: sending must not defeat the back-off.
      if (this.state === 'idle' || this.state === 'auth-failed') this.#link.connect();
      this.#pump();
    });
  }

  /** Tries to connect now instead of waiting for the back-off (the browser says it is online again). */
  reconnectNow(): void {
    this.#link.connect();
  }

  /**
   * Opens a separate authenticated connection that streams notifications, and keeps it streaming across
   * drops, resuming after the last notification seen. See {@link NotificationMonitor}.
   *
   * @example
   * const monitor = session.monitor({ fromEpochMillis: saved, onNotification: (event) => inbox.add(event) });
   */
  monitor(options: MonitorOptions): NotificationMonitor {
    const monitor = new NotificationMonitor(
      {
        open: (onNotification) => this.#openAuthenticated(onNotification),
        backoff: this.#options.backoff,
        stableAfterMs: this.#options.stableAfterMs,
        random: this.#options.random,
        onClosed: () => this.#monitors.delete(monitor),
      },
      options,
    );
    this.#monitors.add(monitor);
    return monitor;
  }

  /** Closes the session and its monitors; waiting requests are rejected. */
  close(): void {
    for (const monitor of this.#monitors) monitor.close();
    this.#link.close();
    this.#rejectWaiting(new AtError('AT0004', 'the session is closed'));
  }

  /** Dials and authenticates with PKAM: the one way every connection of this session starts. */
  async #openAuthenticated(onNotification?: (json: string) => void): Promise<AtConnection> {
    let keys: PkamCredentials;
    try {
      keys = await this.#options.keys();
    } catch (error) {
      throw new AuthenticationFailed(error instanceof Error ? error : new Error(String(error)));
    }
    const connection = await this.#options.dialer.dial(this.atSign, {
      timeoutMs: this.#options.timeoutMs,
      onNotification,
    });
    try {
      await authenticateWithKeys(connection, this.atSign, keys);
      return connection;
    } catch (error) {
      connection.close();
      if (isConnectionFailure(error) || !(error instanceof Error)) throw error;
      throw new AuthenticationFailed(error);
    }
  }

  #pump(): void {
    const connection = this.#link.connection;
    if (this.#inFlight || !connection) return;
    const request = this.#queue.shift();
    if (!request) return;
    this.#inFlight = true;
    connection
      .send(request.line, request.options)
      .then(request.resolve, (error: Error) => {
        // Not written: it goes out first on the next connection. Written: the caller decides.
        if (error instanceof ConnectionClosedError && !error.sent) this.#queue.unshift(request);
        else request.reject(error);
      })
      .finally(() => {
        this.#inFlight = false;
        this.#pump();
      });
  }

  #changed(state: LinkState, error?: Error): void {
    if (error) this.#lastError = error;
    for (const listener of this.#listeners) listener(state, error);
  }

  #rejectWaiting(error: Error): void {
    for (const request of this.#queue.splice(0)) request.reject(error);
  }
}

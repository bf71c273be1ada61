/**
 * Keeps one authenticated connection up: opens it when asked, opens it again when it drops, and backs off
 * (exponentially, capped, with jitter) while attempts fail. A refused authentication is not retried: the
 * keys will not get better by themselves. Used by the request session and by each notification monitor.
 */
import { backoffDelay, type BackoffOptions } from './backoff';
import type { AtConnection } from './connection';

/**
 * Where a link stands:
 * - `idle`: no connection and nothing to do yet;
 * - `connecting`: an attempt is under way;
 * - `online`: authenticated and usable;
 * - `offline`: the last attempt failed or the connection dropped; the next attempt is scheduled;
 * - `auth-failed`: the server refused the keys, or no keys were available (a locked keyring); no retry;
 * - `closed`: closed by its owner, for good.
 */
export type LinkState = 'idle' | 'connecting' | 'online' | 'offline' | 'auth-failed' | 'closed';

/** Thrown by an opener when authentication itself was refused, so the link stops retrying. */
export class AuthenticationFailed extends Error {
  override name = 'AuthenticationFailed';
  readonly reason: Error;

  constructor(reason: Error) {
    super(reason.message, { cause: reason });
    this.reason = reason;
  }
}

export interface ReconnectorOptions {
  /** Dials and authenticates. Rejects with {@link AuthenticationFailed} for refused credentials. */
  readonly open: () => Promise<AtConnection>;
  /** Called with each new connection once it is authenticated. */
  readonly onOnline: (connection: AtConnection) => void;
  /** Called on every change of state; `error` says why for `offline` and `auth-failed`. */
  readonly onState: (state: LinkState, error?: Error) => void;
  /** Called when an attempt fails (after the state change), with its error. */
  readonly onAttemptFailed?: (error: Error) => void;
  readonly backoff?: BackoffOptions;
  /** A connection that lived at least this long before dropping is replaced at once (default 10 s). */
  readonly stableAfterMs?: number;
  readonly random?: () => number;
  readonly now?: () => number;
}

export class Reconnector {
  readonly #options: ReconnectorOptions;
  #state: LinkState = 'idle';
  #connection: AtConnection | undefined;
  #failures = 0;
  #onlineAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ReconnectorOptions) {
    this.#options = options;
  }

  get state(): LinkState {
    return this.#state;
  }

  /** The authenticated connection, while online and open. */
  get connection(): AtConnection | undefined {
    return this.#connection?.isClosed ? undefined : this.#connection;
  }

  /** Starts an attempt now unless online or already connecting; a scheduled retry is brought forward. */
  connect(): void {
    if (this.#state === 'closed' || this.#state === 'online' || this.#state === 'connecting') return;
    clearTimeout(this.#timer);
    this.#setState('connecting');
    this.#options.open().then(
      (connection) => this.#opened(connection),
      (error: unknown) => this.#failed(error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** Closes the connection and stops for good. */
  close(): void {
    if (this.#state === 'closed') return;
    clearTimeout(this.#timer);
    this.#setState('closed');
    this.#connection?.close();
    this.#connection = undefined;
  }

  #opened(connection: AtConnection): void {
    if (this.#state === 'closed') return connection.close();
    this.#connection = connection;
    this.#onlineAt = this.#now();
    this.#setState('online');
    this.#options.onOnline(connection);
    void connection.closed.then(() => this.#lost(connection));
  }

  #failed(error: Error): void {
    if (this.#state === 'closed') return;
    this.#failures += 1;
    if (error instanceof AuthenticationFailed) {
      this.#setState('auth-failed', error.reason);
      return this.#options.onAttemptFailed?.(error.reason);
    }
    this.#setState('offline', error);
    this.#retryIn(backoffDelay(this.#failures, this.#options.backoff, this.#options.random));
    this.#options.onAttemptFailed?.(error);
  }

  /** A connection dropped: replace it at once if it had been stable, else back off as after a failure. */
  #lost(connection: AtConnection): void {
    if (connection !== this.#connection) return;
    this.#connection = undefined;
    if (this.#state === 'closed') return;
    const stable = this.#now() - this.#onlineAt >= (this.#options.stableAfterMs ?? 10_000);
    this.#failures = stable ? 0 : this.#failures + 1;
    this.#setState('offline', connection.closeReason);
    if (stable) this.connect();
    else this.#retryIn(backoffDelay(this.#failures, this.#options.backoff, this.#options.random));
  }

  #retryIn(delayMs: number): void {
    this.#timer = setTimeout(() => this.connect(), delayMs);
    // A pending retry alone must not keep a Node process alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #setState(state: LinkState, error?: Error): void {
    this.#state = state;
    this.#options.onState(state, error);
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}

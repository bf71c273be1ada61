import type { AtServerLimits } from '../config';
import type { Session } from './session';

/** An open inbound connection. */
export interface InboundConnection {
  readonly session: Session;
  /** Closes the socket without writing anything (idle reaping is silent, as in the reference). */
  drop(): void;
  /** Writes unsolicited text (`notification: …`); counts as activity for idle reaping. */
  push(text: string): void;
  /** Bytes written to the connection that its client has not taken yet (bounded by back-pressure). */
  writeBacklog(): number;
  /** Resolves once the client has taken the backlog (or the socket closed): a long replay waits for it. */
  drained?(): Promise<void>;
}

/**
 * The idle time a connection is allowed with `current` connections open: the full allowance up to half
 * the pool, then shrinking linearly to the floor as the pool fills (the reference's progressive reduction,
 * atprotocol.md §1.7), so a flood of idle sockets cannot lock out real clients.
 */
export function allowedIdleMs(maxMs: number, minMs: number, current: number, capacity: number): number {
  const lowWater = Math.floor(capacity * 0.5);
  const over = Math.max(current - lowWater, 0);
  const span = capacity - lowWater;
  if (span <= 0) return minMs;
  return Math.max(minMs, Math.floor((maxMs - minMs) * (1 - over / span) + minMs));
}

/** The inbound connections of one atSign's atServer: the connection limit and idle reaping. */
export class InboundPool {
  readonly #limits: AtServerLimits;
  readonly #now: () => number;
  readonly #open = new Set<InboundConnection>();

  constructor(limits: AtServerLimits, now: () => number) {
    this.#limits = limits;
    this.#now = now;
  }

  get size(): number {
    return this.#open.size;
  }

  /** Adds a connection after reaping idle ones; false when the pool is still full (AT0012). */
  admit(connection: InboundConnection): boolean {
    this.reapIdle();
    if (this.#open.size >= this.#limits.maxInboundConnections) return false;
    this.#open.add(connection);
    return true;
  }

  remove(connection: InboundConnection): void {
    this.#open.delete(connection);
  }

  /** The idle time a connection in `session`'s state is allowed with the pool as full as it is now. */
  #allowedIdleMs(session: Session): number {
    const limits = this.#limits;
    const [count, cap] = [this.#open.size, limits.maxInboundConnections];
    return session.authenticated || session.polAuthenticated
      ? allowedIdleMs(limits.authenticatedIdleMs, limits.minAuthenticatedIdleMs, count, cap)
      : allowedIdleMs(limits.unauthenticatedIdleMs, limits.minUnauthenticatedIdleMs, count, cap);
  }

  /** Whether a connection has been idle (no server write) for longer than it is now allowed (§1.7). */
  isIdleExpired(connection: InboundConnection): boolean {
    return this.#now() - connection.session.lastWriteAt > this.#allowedIdleMs(connection.session);
  }

  /** Drops every connection idle for longer than it is now allowed; returns how many. */
  reapIdle(): number {
    // Allowances are taken with the pool as it was when the sweep began, as the reference's purge does.
    const expired = [...this.#open].filter((connection) => this.isIdleExpired(connection));
    for (const connection of expired) {
      this.#open.delete(connection);
      connection.drop();
    }
    return expired.length;
  }

  /** Every open connection (for monitors and shutdown). */
  [Symbol.iterator](): IterableIterator<InboundConnection> {
    return this.#open.values();
  }
}

import type { AtServerLimits } from '../config';
import type { Session } from './session';

/** An open inbound connection. */
export interface InboundConnection {
  readonly session: Session;
  /** Closes the socket without writing anything (idle reaping is silent, as in the reference). */
  drop(): void;
  /** Writes unsolicited text (`notification: …`); counts as activity for idle reaping. */
  push(text: string): void;
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

  /** Drops every connection idle for longer than it is now allowed; returns how many. */
  reapIdle(): number {
    const now = this.#now();
    const limits = this.#limits;
    const count = this.#open.size;
    const cap = limits.maxInboundConnections;
    const ownerIdle = allowedIdleMs(limits.authenticatedIdleMs, limits.minAuthenticatedIdleMs, count, cap);
    const strangerIdle = allowedIdleMs(limits.unauthenticatedIdleMs, limits.minUnauthenticatedIdleMs, count, cap);
    let dropped = 0;
    for (const connection of this.#open) {
      const { session } = connection;
      const allowed = session.authenticated || session.polAuthenticated ? ownerIdle : strangerIdle;
      if (now - session.lastWriteAt > allowed) {
        this.#open.delete(connection);
        connection.drop();
        dropped += 1;
      }
    }
    return dropped;
  }

  /** Every open connection (for monitors and shutdown). */
  [Symbol.iterator](): IterableIterator<InboundConnection> {
    return this.#open.values();
  }
}

/**
 * The outbound pool (atprotocol.md §6.1 "Outbound pooling"): this atServer's open connections to other
 * atServers, one per (atSign, authenticated or not), reused by every caller and closed when idle.
 */
import { AtError } from '$lib/at/errors';
import type { AtServerLimits } from '../../config';
import { ask, type PeerConnection } from './peer-connection';

export interface OutboundPoolOptions {
  readonly limits: Pick<AtServerLimits, 'maxOutboundConnections' | 'outboundIdleMs'>;
  /** The atServer's clock (idle times). */
  readonly now: () => number;
  /** Opens a connection to `atSign`'s atServer; unless `anonymous`, also runs the `from`/`pol` handshake. */
  readonly open: (atSign: string, anonymous: boolean) => Promise<PeerConnection>;
}

interface Entry {
  readonly key: string;
  /** Settles once connected (and authenticated); rejected entries leave the pool at once. */
  readonly ready: Promise<PeerConnection>;
  connection?: PeerConnection;
  lastUsed: number;
  /** Requests waiting on or running over this connection; a busy connection is never evicted. */
  inFlight: number;
  /** Whether a request has completed over it (only then may a failure be a stale pooled connection). */
  used: boolean;
}

/**
 * Pooled connections to other atServers. Commands on one connection run in strict lock-step (the
 * connection queues them); different atSigns, and the authenticated and anonymous connections to one
 * atSign, run in parallel. Failures are thrown as AtErrors that leave the caller's own connection open.
 *
 * @example
 * const pool = new OutboundPool({ limits, now: () => clock.now(), open });
 * await pool.request('@bob', 'lookup:all:phone@bob', { anonymous: false, timeoutMs: 5_000 });
 */
export class OutboundPool {
  readonly #options: OutboundPoolOptions;
  readonly #entries = new Map<string, Entry>();

  constructor(options: OutboundPoolOptions) {
    this.#options = options;
  }

  /** Connections open or being opened (`stats:2`). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Sends `command` to `atSign`'s atServer and answers the text after `data:`. A pooled connection the other
   * side closed meanwhile is replaced once, transparently.
   *
   * @throws AtError `AT0006` `max limit reached on outbound pool` when every pooled connection is busy;
   *   the errors of opening a connection (AT0007, AT0021, AT0008) and of {@link ask}.
   */
  async request(atSign: string, command: string, options: { anonymous: boolean; timeoutMs: number }): Promise<string> {
    const entry = this.#acquire(atSign, options.anonymous);
    try {
      return await this.#send(entry, command, options.timeoutMs);
    } catch (error) {
      const stale = entry.used && error instanceof AtError && error.code === 'AT0004';
      if (!stale) throw error;
      this.#drop(entry);
      return this.#send(this.#acquire(atSign, options.anonymous), command, options.timeoutMs);
    }
  }

  /** Closes connections unused for `outboundIdleMs` (reference: 10 minutes); answers how many. */
  reapIdle(): number {
    const now = this.#options.now();
    let closed = 0;
    for (const entry of this.#entries.values()) {
      if (entry.inFlight > 0 || !entry.connection) continue;
      if (now - entry.lastUsed <= this.#options.limits.outboundIdleMs) continue;
      this.#drop(entry);
      closed += 1;
    }
    return closed;
  }

  /** Closes every connection. */
  close(): void {
    for (const entry of [...this.#entries.values()]) this.#drop(entry);
  }

  async #send(entry: Entry, command: string, timeoutMs: number): Promise<string> {
    try {
      const connection = await entry.ready;
      const answer = await ask(connection, command, timeoutMs);
      entry.used = true;
      return answer;
    } finally {
      entry.inFlight -= 1;
      entry.lastUsed = this.#options.now();
      if (entry.connection?.client.isClosed) this.#drop(entry);
    }
  }

  /** The pooled entry for (atSign, anonymous), opening one when needed; counts the caller in. */
  #acquire(atSign: string, anonymous: boolean): Entry {
    this.reapIdle();
    const key = `${anonymous ? 'anonymous' : 'pol'} ${atSign}`;
    let entry = this.#entries.get(key);
    if (entry?.connection?.client.isClosed) {
      this.#drop(entry);
      entry = undefined;
    }
    if (!entry) {
      if (this.#entries.size >= this.#options.limits.maxOutboundConnections) this.#evict();
      entry = this.#open(key, atSign, anonymous);
    }
    entry.inFlight += 1;
    return entry;
  }

  #open(key: string, atSign: string, anonymous: boolean): Entry {
    const entry: Entry = {
      key,
      ready: this.#options.open(atSign, anonymous),
      lastUsed: this.#options.now(),
      inFlight: 0,
      used: false,
    };
    this.#entries.set(key, entry);
    entry.ready.then(
      (connection) => {
        entry.connection = connection;
        // A connection the other side closes leaves the pool (and `stats:2`) at once.
        void connection.client.closed.then(() => this.#forget(entry));
        if (!this.#entries.has(key) || this.#entries.get(key) !== entry) connection.client.close();
      },
      () => this.#forget(entry),
    );
    return entry;
  }

  /** Makes room for one more connection: closes the least recently used idle one (the reference's LRU eviction). */
  #evict(): void {
    let oldest: Entry | undefined;
    for (const entry of this.#entries.values()) {
      if (entry.inFlight > 0 || !entry.connection) continue;
      if (!oldest || entry.lastUsed < oldest.lastUsed) oldest = entry;
    }
    if (!oldest) throw new AtError('AT0006', 'max limit reached on outbound pool');
    this.#drop(oldest);
  }

  #drop(entry: Entry): void {
    this.#forget(entry);
    entry.connection?.client.close();
  }

  #forget(entry: Entry): void {
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
  }
}

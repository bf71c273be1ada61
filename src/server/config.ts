/**
 * Every limit and tunable of the servers, with its default. A limit lives here, under a name, and has a
 * test that hits it (STYLE.md §2.7). Defaults follow the reference atServer (atprotocol.md §1.7, §9).
 */

/** Limits of the atDirectory (reference root server, atprotocol.md §2). */
export interface DirectoryLimits {
  /** Bytes a lookup may hold before its newline; more destroys the socket. Reference: 255. */
  maxRequestBytes: number;
  /** Delay before answering the second not-found lookup on a connection. Reference: 3 s. */
  missDelayMs: number;
  /** The not-found lookup with this ordinal closes the connection unanswered. Reference: the 3rd. */
  missesBeforeClose: number;
  /** A connection silent this long is closed. */
  idleMs: number;
  /** Concurrent connections across all clients. */
  maxConnections: number;
  /** Concurrent connections from one IP address. */
  maxConnectionsPerIp: number;
  /** TLS handshake must finish within this. */
  handshakeTimeoutMs: number;
}

export const defaultDirectoryLimits: DirectoryLimits = {
  maxRequestBytes: 255,
  missDelayMs: 3_000,
  missesBeforeClose: 3,
  idleMs: 60_000,
  maxConnections: 10_000,
  maxConnectionsPerIp: 200,
  handshakeTimeoutMs: 10_000,
};

/** Limits of each atSign's atServer (reference atprotocol.md §1.3, §1.7, §9). */
export interface AtServerLimits {
  /** Bytes a request may hold before its newline; more gets AT0005 and a close. Reference: 10,240,000. */
  maxRequestBytes: number;
  /** Inbound connections per atSign; one more gets AT0012 and a close. Reference: 200. */
  maxInboundConnections: number;
  /** Idle time allowed to an unauthenticated connection when the server is quiet. Reference: 10 min. */
  unauthenticatedIdleMs: number;
  /** Idle time allowed to an authenticated (owner or peer) connection. Reference: 30 days. */
  authenticatedIdleMs: number;
  /**
   * Floors of the reference's progressive idle reduction: past half of `maxInboundConnections` the
   * allowed idle time shrinks linearly towards these (5 s / 60 s), so a flood of idle sockets cannot
   * starve real clients.
   */
  minUnauthenticatedIdleMs: number;
  minAuthenticatedIdleMs: number;
  /** TLS handshake must finish within this. */
  handshakeTimeoutMs: number;
  /** How often idle connections are looked for (the reference only reaps lazily, on new connections). */
  idleSweepMs: number;
  /** Longest `noop:<ms>` accepted. Reference: 5,000. */
  maxNoopMs: number;
  /** Entries per `sync:from` page (reference window of 25 commits, §8.2). */
  syncWindow: number;
  /** Most JSON bytes in one `sync:from` page. Reference: 5,242,880. */
  syncMaxBytes: number;
}

export const defaultAtServerLimits: AtServerLimits = {
  maxRequestBytes: 10_240_000,
  maxInboundConnections: 200,
  unauthenticatedIdleMs: 600_000,
  authenticatedIdleMs: 2_592_000_000,
  minUnauthenticatedIdleMs: 5_000,
  minAuthenticatedIdleMs: 60_000,
  handshakeTimeoutMs: 10_000,
  idleSweepMs: 5_000,
  maxNoopMs: 5_000,
  syncWindow: 25,
  syncMaxBytes: 5_242_880,
};

/** Fills a partial set of limits with the defaults. */
export function withDefaults<T extends object>(defaults: T, overrides: Partial<T> = {}): T {
  return { ...defaults, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
}

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
  /** Most entries one `sync:from` page returns, after its skip rules. Reference: 100 in code, 25 as shipped. */
  syncPageLimit: number;
  /**
   * Characters of JSON a `batch` answer may hold: once its answers reach this, the commands after are neither run
   * nor answered (left out, as the reference leaves out some), so that one request cannot make the server build an
   * answer without bound. The reference has no such limit; this is its request limit again.
   */
  maxBatchAnswerLength: number;
  /** atSigns `stats:5` (topAtSigns) lists. Reference: 5. */
  statsTopAtSigns: number;
  /** Keys `stats:6` (topKeys) lists. Reference: 5. */
  statsTopKeys: number;
  /** Lets `config:set|reset|print` change and show settings at run time. Reference: off. */
  testingMode: boolean;
  /** `enroll:request`s one connection may make per `enrollRequestWindowMs` (sliding window). Reference: 5. */
  enrollRequestsPerWindow: number;
  /** The window of `enrollRequestsPerWindow`. Reference: 1 hour. */
  enrollRequestWindowMs: number;
  /** How long a pending enrollment waits for approval before it expires. Reference: 48 hours. */
  enrollmentExpiryMs: number;
  /**
   * Cap of the Fibonacci delay (1 s, 2 s, 3 s, 5 s …) before answering an invalid OTP; the series restarts
   * once this long passes without one. Reference: 55 s.
   */
  invalidOtpMaxDelayMs: number;
  /** Lifetime of an `otp:get` passcode when no ttl is given. Reference: 5 minutes. */
  otpTtlMs: number;
  /** How often records whose ttl has passed are deleted (with a commit). Reference: every 3 minutes. */
  expirySweepMs: number;
  /**
   * Connections this atSign's atServer keeps open to other atServers (atprotocol.md §6.1). A new one past it
   * closes the least recently used idle one, or fails with AT0006 when all are busy. Reference: 200.
   */
  maxOutboundConnections: number;
  /** An outbound connection unused this long is closed. Reference: 10 minutes. */
  outboundIdleMs: number;
  /** Resolving another atServer through the atDirectory, its TLS handshake and its `@` must finish within this. */
  outboundConnectTimeoutMs: number;
  /** Each answer of the `from`/`pol` handshake with another atServer must arrive within this. Reference: 3 s. */
  outboundHandshakeTimeoutMs: number;
  /** A `lookup` or `scan` sent to another atServer must be answered within this, else AT0023. Reference: 5 s. */
  outboundRequestTimeoutMs: number;
  /** A `notify` delivered to another atServer must be answered within this, else AT0023. Reference: 10 s. */
  outboundNotifyTimeoutMs: number;
  /** How often `cached:` copies past their ttr are fetched again (§6.3). Reference: once a day. */
  cacheRefreshMs: number;
  /** `update`/`delete` of a shared key notify the other atSign (atprotocol.md §6.6). Reference: on. */
  autoNotify: boolean;
  /** How long a notification lives when `ttln` is absent or 0 (`notification.expiryInMins`). Reference: 24 h. */
  notificationExpiryMs: number;
  /** Deliveries of one notification before it stays `errored` (`notification.max_retries`). Reference: 30. */
  notificationMaxRetries: number;
  /**
   * Wait before the first retry towards an atSign whose atServer failed (the reference's 10 s quarantine);
   * each further failure doubles it, up to `notificationRetryMaxMs`.
   */
  notificationRetryBaseMs: number;
  /** Longest wait between two delivery attempts to one atSign. */
  notificationRetryMaxMs: number;
  /** atSigns notifications are delivered to at the same time (the reference's outbound limit). Reference: 200. */
  notificationDeliveryConcurrency: number;
  /**
   * How often the delivery queue looks for atSigns whose back-off has ended (`notification.jobFrequency`);
   * new notifications go out at once. Reference: 11 s in code, 5 s as shipped.
   */
  notificationJobMs: number;
  /** How often every monitor gets a stats notification; 0 or negative disables. Reference: 15 s. */
  statsNotificationIntervalMs: number;
  /** How often expired notifications are deleted from the notification log. Reference: every 5 minutes. */
  notificationCompactionMs: number;
  /**
   * Bytes a monitor connection may leave unread before it is dropped: a reader that falls this far behind
   * cannot make the server buffer without bound. At least one event is always written.
   */
  monitorMaxBacklogBytes: number;
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
  syncPageLimit: 25,
  maxBatchAnswerLength: 10_240_000,
  statsTopAtSigns: 5,
  statsTopKeys: 5,
  testingMode: false,
  enrollRequestsPerWindow: 5,
  enrollRequestWindowMs: 3_600_000,
  enrollmentExpiryMs: 172_800_000,
  invalidOtpMaxDelayMs: 55_000,
  otpTtlMs: 300_000,
  expirySweepMs: 180_000,
  maxOutboundConnections: 200,
  outboundIdleMs: 600_000,
  outboundConnectTimeoutMs: 10_000,
  outboundHandshakeTimeoutMs: 3_000,
  outboundRequestTimeoutMs: 5_000,
  outboundNotifyTimeoutMs: 10_000,
  cacheRefreshMs: 86_400_000,
  autoNotify: true,
  notificationExpiryMs: 86_400_000,
  notificationMaxRetries: 30,
  notificationRetryBaseMs: 10_000,
  notificationRetryMaxMs: 600_000,
  notificationDeliveryConcurrency: 200,
  notificationJobMs: 5_000,
  statsNotificationIntervalMs: 15_000,
  notificationCompactionMs: 300_000,
  monitorMaxBacklogBytes: 4_194_304,
};

/** Limits of the WebSocket-to-TLS gateway (`src/server/gateway`). Each one has a test that hits it. */
export interface GatewayLimits {
  /** Open WebSockets across all clients; one more is refused with HTTP 503 before the upgrade. */
  maxConnections: number;
  /** Open WebSockets from one client address (an IPv6 client counts per /64); one more gets HTTP 429. */
  maxConnectionsPerIp: number;
  /** Largest WebSocket message from a browser; more closes with 1009. The atServer's buffer limit (§1.3). */
  maxMessageBytes: number;
  /**
   * Messages (WebSocket data frames) per second one client address may send, summed over its connections;
   * past it, the gateway stops reading from that address until its allowance has refilled.
   */
  messagesPerSecondPerIp: number;
  /** Messages a client address may send at once before `messagesPerSecondPerIp` applies (token bucket size). */
  messageBurstPerIp: number;
  /** The browser's HTTP request (headers, and the TLS handshake when the gateway serves https) must arrive within this. */
  handshakeTimeoutMs: number;
  /** Resolving the target and its TLS handshake must finish within this; else 4504. */
  targetTimeoutMs: number;
  /** A relay with no bytes in either direction for this long is closed with 4408. */
  idleMs: number;
  /** Interval of WebSocket pings; a browser that has not answered the previous ping is dropped. */
  heartbeatMs: number;
  /**
   * Bytes waiting to be written to one side before the gateway stops reading the other side (per direction,
   * per relay): a slow browser slows its atServer down instead of growing the gateway's memory. Never below
   * the socket's own 16 KiB high-water mark.
   */
  maxBufferedBytes: number;
  /** How long an atDirectory answer (`host:port`) is reused. The reference client caches 1 h (§2). */
  directoryCacheMs: number;
  /** How long a `null` answer is reused, so a page that retries cannot turn into a stream of directory lookups. */
  directoryMissCacheMs: number;
  /** Closing both sides may take this long (flushing, the close handshake) before the sockets are destroyed. */
  closeTimeoutMs: number;
}

export const defaultGatewayLimits: GatewayLimits = {
  maxConnections: 10_000,
  maxConnectionsPerIp: 100,
  maxMessageBytes: 10_240_000,
  messagesPerSecondPerIp: 200,
  messageBurstPerIp: 400,
  handshakeTimeoutMs: 10_000,
  targetTimeoutMs: 10_000,
  idleMs: 900_000,
  heartbeatMs: 30_000,
  maxBufferedBytes: 65_536,
  directoryCacheMs: 300_000,
  directoryMissCacheMs: 10_000,
  closeTimeoutMs: 5_000,
};

/**
 * Address classes the gateway (and web push) refuse after DNS unless their policy allows them (see `net/address-class.ts`
 * for the ranges). `ipv4Mapped` is `::ffff:a.b.c.d`, which would smuggle any IPv4 address past IPv6 rules.
 */
export type AddressClass =
  'loopback' | 'private' | 'linkLocal' | 'cgnat' | 'multicast' | 'ipv4Mapped' | 'unspecified' | 'reserved';

/** Which atServers the gateway may connect to, after the atDirectory has named one. */
export interface GatewayPolicy {
  /**
   * Host names an atServer may have: an entry starting with `.` matches any name below it (`.atsign.zone`
   * matches `x.swarm0002.atsign.zone`), any other entry matches exactly. Default: the public atServers.
   */
  atServerHosts: string[];
  /** Inclusive port ranges an atServer may listen on. Default: the unprivileged ports. */
  atServerPorts: [number, number][];
  /** Non-public address classes allowed anyway (the embedded stack allows `loopback`). Default: none. */
  allowedAddressClasses: AddressClass[];
}

export const defaultGatewayPolicy: GatewayPolicy = {
  atServerHosts: ['.atsign.zone'],
  atServerPorts: [[1024, 65_535]],
  allowedAddressClasses: [],
};

/** How the atServers send web push (`atserver/webpush`, keys in `$lib/at/web-push`). */
export interface WebPushConfig {
  /**
   * The VAPID `sub` claim: a `mailto:` or `https:` URL where push services can reach the operator.
   * Default (`atstack start`): `mailto:admin@<host>`; set a real one in production (`--push-subject`).
   */
  subject: string;
  /**
   * Host names a subscription's endpoint may have, as {@link GatewayPolicy.atServerHosts}: `.x` matches any
   * name below `x`. The atServer posts to nothing else. Default: the browsers' push services.
   */
  pushHosts: string[];
  /** Non-public address classes a push service may resolve to (tests allow `loopback`). Default: none. */
  allowedAddressClasses: AddressClass[];
  /** CA certificates (PEM) trusted for push services besides the system's (tests: the local CA). */
  trustedCaPem?: string;
  /** How long a push service keeps an undelivered push (`TTL` header), seconds. Default: 1 day. */
  ttlSeconds: number;
  /** `Urgency` of every push (RFC 8030 §5.3). Default: `normal`. */
  urgency: 'very-low' | 'low' | 'normal' | 'high';
  /** Tries per push (network errors, 429 and 5xx are tried again). Default: 3. */
  maxAttempts: number;
  /** Wait before the second try; each further try doubles it (the atServer's clock). Default: 2 s. */
  retryBaseMs: number;
  /** A push service must answer within this. Default: 10 s. */
  requestTimeoutMs: number;
  /** Subscriptions one atSign may register; one more is refused with AT0003. Default: 20. */
  maxSubscriptionsPerAtSign: number;
  /** Pushes in flight at once, per host. Default: 16. */
  maxConcurrentPushes: number;
  /** Pushes waiting for a slot, per host; past it new ones are dropped (and logged). Default: 1,000. */
  maxQueuedPushes: number;
}

/** The push services of Chrome/Android (FCM), Firefox (Mozilla autopush), Safari (Apple) and Edge (WNS). */
export const defaultPushHosts = [
  'fcm.googleapis.com',
  'updates.push.services.mozilla.com',
  '.push.apple.com',
  '.notify.windows.com',
];

export const defaultWebPushConfig: Omit<WebPushConfig, 'subject'> = {
  pushHosts: defaultPushHosts,
  allowedAddressClasses: [],
  ttlSeconds: 86_400,
  urgency: 'normal',
  maxAttempts: 3,
  retryBaseMs: 2_000,
  requestTimeoutMs: 10_000,
  maxSubscriptionsPerAtSign: 20,
  maxConcurrentPushes: 16,
  maxQueuedPushes: 1_000,
};

/** Fills a partial set of limits with the defaults. */
export function withDefaults<T extends object>(defaults: T, overrides: Partial<T> = {}): T {
  return { ...defaults, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
}

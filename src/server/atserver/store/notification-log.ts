import type Database from 'better-sqlite3';
import type { Metadata } from '$lib/at/metadata';
import { liveNotificationMetadata } from '$lib/at/metadata-json';
import { notificationJson, type NotificationEvent } from '$lib/at/notification';
import type { NotifyMessageType, NotifyOperation, NotifyPriority, NotifyStrategy } from '$lib/at/verbs/notify';
import type { AtSignStore } from './atsign-store';
import type { GroupCommit } from './group-commit';

/** `sent` (queued for another atSign), `received` (for this atSign's monitors) or `self` (the server's own news). */
export type NotificationType = 'sent' | 'received' | 'self';

/** Where a notification stands (atprotocol.md §8.4); `expired` is only ever reported, never stored. */
export type NotificationStatus = 'queued' | 'delivered' | 'errored' | 'expired';

/**
 * One entry of the notification log: the reference's `AtNotification` (atprotocol.md §8.4), dates as epoch ms.
 * `key` is the notification key (`@bob:phone.wavi@alice`) or, for a text message, `@bob:<text>`.
 */
export interface StoredNotification {
  id: string;
  type: NotificationType;
  status: NotificationStatus;
  fromAtSign: string;
  toAtSign: string;
  /** `notificationDateTime`: when this atServer stored it; `epochMillis` of monitor events. */
  dateTime: number;
  expiresAt?: number;
  key: string;
  value: string | null;
  opType: NotifyOperation;
  messageType: NotifyMessageType;
  priority: NotifyPriority;
  /** Delivery attempts, starting at 1. */
  retryCount: number;
  strategy: NotifyStrategy;
  notifier: string;
  /** `latestN`: how many notifications `strategy:latest` keeps per notifier. */
  depth: number;
  /** The notification's own ttl (`ttln`), ms. */
  ttl?: number;
  /** The metadata it carries (`atMetadata`); absent for autoNotify deletes. */
  metadata?: Metadata;
}

/**
 * The live monitor event of a notification (§5.17): what a monitor is sent the moment it is stored.
 *
 * @example liveEvent(record).messageType // 'MessageType.key'
 */
export function liveEvent(record: StoredNotification): NotificationEvent {
  return {
    id: record.id,
    from: record.fromAtSign,
    to: record.toAtSign,
    key: record.key,
    value: record.value,
    operation: record.opType,
    epochMillis: record.dateTime,
    messageType: record.messageType === 'text' ? 'MessageType.text' : 'MessageType.key',
    isEncrypted: record.metadata?.isEncrypted ?? false,
    metadata: liveNotificationMetadata(record.metadata),
  };
}

interface Row {
  id: string;
  type: NotificationType;
  status: NotificationStatus;
  created_at: number;
  expires_at: number | null;
  to_atsign: string;
  from_atsign: string;
  body: string;
}

/**
 * The `body` column: the live monitor event (so a row reads as a `notification:` line, as the self
 * notifications of enrollment requests always have) plus the fields only the log needs. `opType` and a
 * `messageType` are what `stats:11` counts (store/notification-counts.ts).
 */
function bodyOf(record: StoredNotification): string {
  return JSON.stringify({
    ...notificationJson(liveEvent(record)),
    opType: record.opType,
    priority: record.priority,
    retryCount: record.retryCount,
    strategy: record.strategy,
    notifier: record.notifier,
    depth: record.depth,
    ttl: record.ttl ?? null,
    atMetadata: record.metadata ?? null,
  });
}

type Body = Partial<Record<string, unknown>>;

const text = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);
const count = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);

/** The metadata of a row written as a bare event (self notifications before this log existed). */
function eventMetadata(body: Body): Metadata {
  const live = (body.metadata ?? {}) as Record<string, string | null>;
  const metadata: Metadata = { isEncrypted: body.isEncrypted === true };
  for (const [name, value] of Object.entries(live)) {
    if (typeof value === 'string') (metadata as Record<string, string>)[name] = value;
  }
  return metadata;
}

function recordOf(row: Row): StoredNotification {
  const body = JSON.parse(row.body) as Body;
  const operation = text(body.opType, text(body.operation, 'update'));
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    fromAtSign: row.from_atsign,
    toAtSign: row.to_atsign,
    dateTime: row.created_at,
    ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
    key: text(body.key, ''),
    value: typeof body.value === 'string' ? body.value : null,
    opType: operation === 'delete' ? 'delete' : 'update',
    messageType: text(body.messageType, 'key').endsWith('text') ? 'text' : 'key',
    priority: text(body.priority, 'low') as NotifyPriority,
    retryCount: count(body.retryCount, 1),
    strategy: text(body.strategy, 'all') as NotifyStrategy,
    notifier: text(body.notifier, 'system'),
    depth: count(body.depth, 1),
    ...(typeof body.ttl === 'number' ? { ttl: body.ttl } : {}),
    ...('atMetadata' in body
      ? body.atMetadata === null
        ? {}
        : { metadata: body.atMetadata as Metadata }
      : { metadata: eventMetadata(body) }),
  };
}

/** The reference's notification keystore refuses longer ids (`AtNotificationKeystore.maxKeyLengthWithoutCached`). */
export const maxNotificationIdLength = 248;

/**
 * The notification log of one atSign (atprotocol.md §8.4): sent, received and self notifications, each
 * write durable before it resolves. Reads are synchronous SQLite queries.
 */
export class NotificationLog {
  readonly #writes: GroupCommit;
  readonly #put: Database.Statement<[string, string, string, number, number | null, string, string, string]>;
  readonly #get: Database.Statement<[string], Row>;
  readonly #delete: Database.Statement<[string]>;
  readonly #received: Database.Statement<[number], Row>;
  readonly #after: Database.Statement<[number, number, string, number, number], Row>;
  readonly #afterWithSelf: Database.Statement<[number, number, string, number, number], Row>;
  readonly #pending: Database.Statement<[], Row>;
  readonly #expired: Database.Statement<[number, number], { id: string }>;
  #lastStamp: number;

  constructor(db: Database.Database, writes: GroupCommit) {
    this.#writes = writes;
    this.#put = db.prepare(
      `INSERT OR REPLACE INTO notifications (id, type, status, created_at, expires_at, to_atsign, from_atsign, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#get = db.prepare('SELECT * FROM notifications WHERE id = ?');
    this.#delete = db.prepare('DELETE FROM notifications WHERE id = ?');
    const live = '(expires_at IS NULL OR expires_at >= ?)';
    this.#received = db.prepare(
      `SELECT * FROM notifications WHERE type = 'received' AND ${live} ORDER BY created_at, id`,
    );
    const after = '(created_at > ? OR (created_at = ? AND id > ?))';
    this.#after = db.prepare(
      `SELECT * FROM notifications WHERE type = 'received' AND ${after} AND ${live} ORDER BY created_at, id LIMIT ?`,
    );
    this.#afterWithSelf = db.prepare(
      `SELECT * FROM notifications WHERE type IN ('received', 'self') AND ${after} AND ${live}
       ORDER BY created_at, id LIMIT ?`,
    );
    this.#pending = db.prepare(
      `SELECT * FROM notifications WHERE type = 'sent' AND status IN ('queued', 'errored') ORDER BY created_at, id`,
    );
    this.#expired = db.prepare('SELECT id FROM notifications WHERE expires_at < ? ORDER BY expires_at LIMIT ?');
    const last = db
      .prepare<[], { at: number | null }>(
        "SELECT max(created_at) AS at FROM notifications WHERE type IN ('received', 'self')",
      )
      .get();
    this.#lastStamp = last?.at ?? 0;
  }

  /**
   * The `notificationDateTime` for a received or self notification stored at `now`: never equal to or
   * before the previous one, so `monitor:<epochMillis>` of the last event seen replays exactly what came
   * after it (a burst within one millisecond is spread over the following milliseconds).
   *
   * @example log.stamp(1000); log.stamp(1000) // 1000, then 1001
   */
  stamp(now: number): number {
    this.#lastStamp = Math.max(now, this.#lastStamp + 1);
    return this.#lastStamp;
  }

  /**
   * Stores (or replaces) a notification; resolves once durable. `onWritten` runs in the same transaction
   * right after the row is written, before the disk sync: monitors are told then, in stamp order, and a
   * `monitor:<epochMillis>` replay that runs later finds the row (nothing can run in between).
   */
  put(record: StoredNotification, onWritten?: () => void): Promise<void> {
    const body = bodyOf(record);
    return this.#writes.submit(() => {
      this.#put.run(
        record.id,
        record.type,
        record.status,
        record.dateTime,
        record.expiresAt ?? null,
        record.toAtSign,
        record.fromAtSign,
        body,
      );
      onWritten?.();
    });
  }

  get(id: string): StoredNotification | undefined {
    const row = this.#get.get(id);
    return row && recordOf(row);
  }

  /** Deletes a notification (nothing happens for an unknown id); resolves once durable. */
  remove(id: string): Promise<void> {
    return this.#writes.submit(() => void this.#delete.run(id));
  }

  /** Received notifications not expired at `now`, oldest first (`notify:list`). */
  received(now: number): StoredNotification[] {
    return this.#received.all(now).map(recordOf);
  }

  /**
   * Up to `limit` received (and, with `withSelf`, self) notifications not expired at `now`, oldest first,
   * stored strictly after `epochMillis` — or, given `afterId`, after the notification (`epochMillis`,
   * `afterId`) in (time, id) order, so that pages of a replay neither skip nor repeat a row.
   */
  after(
    epochMillis: number,
    options: { withSelf: boolean; now: number; limit: number; afterId?: string },
  ): StoredNotification[] {
    const statement = options.withSelf ? this.#afterWithSelf : this.#after;
    // No id sorts after U+FFFF: without `afterId` the rows of `epochMillis` itself are left out.
    const afterId = options.afterId ?? '\uffff';
    return statement.all(epochMillis, epochMillis, afterId, options.now, options.limit).map(recordOf);
  }

  /** Sent notifications still to deliver (queued, or errored and maybe worth a retry), oldest first. */
  pending(): StoredNotification[] {
    return this.#pending.all().map(recordOf);
  }

  /** Deletes up to `limit` notifications expired before `now`; resolves with how many went. */
  async removeExpired(now: number, limit: number): Promise<number> {
    const ids = this.#expired.all(now, limit).map((row) => row.id);
    if (ids.length > 0) await this.#writes.submit(() => ids.forEach((id) => this.#delete.run(id)));
    return ids.length;
  }
}

const logs = new WeakMap<object, NotificationLog>();

/**
 * The notification log of a store: its `notifications` log when it has one, else one made on first use and
 * kept for the store's lifetime (so every caller shares one log, and one `epochMillis` stamp).
 *
 * @example notificationLog(server.store).get('3c0ff5a1-6f0e-4a4e-9a43-1b2c3d4e5f60')
 */
export function notificationLog(store: Pick<AtSignStore, 'db' | 'writes'>): NotificationLog {
  const own = (store as { notifications?: unknown }).notifications;
  if (own instanceof NotificationLog) return own;
  let log = logs.get(store);
  if (!log) logs.set(store, (log = new NotificationLog(store.db, store.writes)));
  return log;
}

/**
 * Received notifications, kept as the monitor delivered them (values still encrypted), keyed by id so a replayed
 * event is stored once, and bounded: older than `maxAgeMs` or beyond the newest `maxCount` are dropped.
 */
import type { AtSignDatabase, StoredNotification } from './schema';
import { atomically } from './transaction';

/** How many notifications a store keeps, and for how long. */
export interface NotificationLimits {
  readonly maxCount: number;
  readonly maxAgeMs: number;
}

/** 1,000 notifications, for 30 days. */
export const defaultNotificationLimits: NotificationLimits = { maxCount: 1_000, maxAgeMs: 30 * 24 * 3_600_000 };

/**
 * Stores notifications (one per id; stats notifications, id `-1`, are not kept) and prunes the store to
 * `limits`, in one transaction.
 *
 * @example await saveNotifications(db, [parseNotificationLine(line)], Date.now());
 */
export async function saveNotifications(
  db: AtSignDatabase,
  events: readonly StoredNotification[],
  now: number,
  limits: NotificationLimits = defaultNotificationLimits,
): Promise<void> {
  const tx = db.transaction('notifications', 'readwrite');
  await atomically(tx, async (track) => {
    for (const event of events) if (event.id !== '-1') track(tx.store.put(event));
    const byTime = tx.store.index('byEpochMillis');
    let expired = await byTime.openKeyCursor(IDBKeyRange.upperBound(now - limits.maxAgeMs, true));
    while (expired) {
      track(tx.store.delete(expired.primaryKey));
      expired = await expired.continue();
    }
    let excess = (await tx.store.count()) - limits.maxCount;
    let oldest = excess > 0 ? await byTime.openKeyCursor() : null;
    while (oldest && excess > 0) {
      track(tx.store.delete(oldest.primaryKey));
      excess -= 1;
      oldest = await oldest.continue();
    }
  });
}

/** Notifications received after `sinceMillis` (all when omitted), newest first, at most `limit`. */
export async function listNotifications(
  db: AtSignDatabase,
  options: { readonly sinceMillis?: number; readonly limit?: number } = {},
): Promise<StoredNotification[]> {
  const range = options.sinceMillis === undefined ? undefined : IDBKeyRange.lowerBound(options.sinceMillis, true);
  const found: StoredNotification[] = [];
  let cursor = await db.transaction('notifications').store.index('byEpochMillis').openCursor(range, 'prev');
  while (cursor && found.length < (options.limit ?? Infinity)) {
    found.push(cursor.value);
    cursor = await cursor.continue();
  }
  return found;
}

/** The time of the newest stored notification: where `monitor:<epochMillis>` resumes after a reconnect. */
export async function newestNotificationMillis(db: AtSignDatabase): Promise<number | undefined> {
  const cursor = await db.transaction('notifications').store.index('byEpochMillis').openKeyCursor(null, 'prev');
  return cursor?.key;
}

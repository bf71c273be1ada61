/**
 * Self notifications: news the atServer leaves for its own owner's monitors, such as a pending enrollment
 * that a `__manage` client should approve (atprotocol.md §7.2). They go to the notification log as type
 * `self`, status `delivered` (nothing is sent anywhere), from and to the atSign itself, kept 24 h, and reach
 * live `monitor:selfNotifications` connections as they are stored. Like every row of the log, the `body`
 * reads as the live monitor event (`notification: ${body}`).
 */
import type { AtSignContext } from './context';
import { notificationRecord } from './notifications/build';
import { notificationLog } from './store/notification-log';

/** How long the reference keeps a self notification. */
export const selfNotificationTtlMs = 24 * 60 * 60 * 1000;

/**
 * Stores a self notification of an update of `key` with `value`; resolves with its id once durable.
 *
 * @example storeSelfNotification(server, '0f3c….new.enrollments.__manage@alice', '{"appName":"wavi",…}')
 */
export async function storeSelfNotification(server: AtSignContext, key: string, value: string): Promise<string> {
  const { store, atSign, clock } = server;
  const now = clock.now();
  const record = notificationRecord(
    {
      type: 'self',
      status: 'delivered',
      fromAtSign: atSign,
      toAtSign: atSign,
      key,
      value,
      ttl: selfNotificationTtlMs,
      metadata: { isEncrypted: false },
    },
    now,
    now,
  );
  if (server.notifications) await server.notifications.store(record);
  else await notificationLog(store).put({ ...record, dateTime: notificationLog(store).stamp(now) });
  return record.id;
}

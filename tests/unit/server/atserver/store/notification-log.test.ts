import { describe, expect, it } from 'vitest';
import { parseNotificationLine } from '$lib/at/notification';
import type { AtSignStore } from '$server/atserver/store/atsign-store';
import { countNotifications } from '$server/atserver/store/notification-counts';
import { notificationLog, type StoredNotification } from '$server/atserver/store/notification-log';
import { useTempStore } from './temp-store';

const received = (id: string, dateTime: number, overrides: Partial<StoredNotification> = {}): StoredNotification => ({
  id,
  type: 'received',
  status: 'queued',
  fromAtSign: '@bob',
  toAtSign: '@alice',
  dateTime,
  expiresAt: dateTime + 60_000,
  key: `@alice:${id}@bob`,
  value: 'v',
  opType: 'update',
  messageType: 'key',
  priority: 'low',
  retryCount: 1,
  strategy: 'all',
  notifier: 'SYSTEM',
  depth: 1,
  ttl: 60_000,
  metadata: { createdBy: '@alice', ttl: 0, ttb: 0, isEncrypted: true },
  ...overrides,
});

describe('NotificationLog', () => {
  let store: AtSignStore;
  const temp = useTempStore((opened) => (store = opened));

  it('reads back what it stored, and keeps one log per store', async () => {
    const record = received('n1', 1000);
    await notificationLog(store).put(record);
    expect(notificationLog(store)).toBe(notificationLog(store));
    expect(notificationLog(store).get('n1')).toEqual(record);
  });

  it('stamps received notifications so that their time only grows, also after a reopen', async () => {
    const log = notificationLog(store);
    expect([log.stamp(1000), log.stamp(1000), log.stamp(999), log.stamp(5000)]).toEqual([1000, 1001, 1002, 5000]);
    await log.put(received('n1', 5000));
    await temp.reopen();
    expect(notificationLog(store).stamp(10)).toBe(5001);
  });

  it('pages a replay in (time, id) order, strictly after the position, without the expired', async () => {
    const log = notificationLog(store);
    for (const [id, at] of [
      ['a', 1],
      ['b', 2],
      ['c', 2],
      ['d', 3],
    ] as const)
      await log.put(received(id, at));
    await log.put(received('gone', 4, { expiresAt: 5 }));
    await log.put(received('self', 4, { type: 'self' }));
    const ids = (rows: StoredNotification[]) => rows.map((row) => row.id);
    expect(ids(log.after(1, { withSelf: false, now: 10, limit: 2 }))).toEqual(['b', 'c']);
    expect(ids(log.after(2, { withSelf: false, now: 10, limit: 2, afterId: 'b' }))).toEqual(['c', 'd']);
    expect(ids(log.after(3, { withSelf: true, now: 10, limit: 5 }))).toEqual(['self']);
    expect(ids(log.received(10))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('writes a body that reads as the live monitor event and that stats:11 counts', async () => {
    await notificationLog(store).put(received('n1', 1000, { opType: 'delete', messageType: 'text' }));
    const { body } = store.db.prepare("SELECT body FROM notifications WHERE id = 'n1'").get() as { body: string };
    expect(parseNotificationLine(`notification: ${body}`)).toMatchObject({
      id: 'n1',
      from: '@bob',
      operation: 'delete',
    });
    expect(countNotifications(store.db)).toMatchObject({ operations: { delete: 1 }, messageType: { text: 1 } });
  });

  it('reads rows written as a bare monitor event (older self notifications)', () => {
    const event = {
      id: 'old',
      from: '@alice',
      to: '@alice',
      key: 'x.new.enrollments.__manage@alice',
      value: '{}',
      operation: 'update',
      epochMillis: 7,
      messageType: 'MessageType.key',
      isEncrypted: false,
      metadata: {
        encKeyName: null,
        encAlgo: null,
        ivNonce: null,
        skeEncKeyName: null,
        skeEncAlgo: null,
        sharedKeyEnc: null,
      },
    };
    store.db
      .prepare(
        `INSERT INTO notifications (id, type, status, created_at, expires_at, to_atsign, from_atsign, body)
         VALUES ('old', 'self', 'delivered', 7, 100, '@alice', '@alice', ?)`,
      )
      .run(JSON.stringify(event));
    expect(notificationLog(store).get('old')).toMatchObject({
      type: 'self',
      key: 'x.new.enrollments.__manage@alice',
      value: '{}',
      opType: 'update',
      dateTime: 7,
      metadata: { isEncrypted: false },
    });
  });

  it('deletes expired notifications in batches and answers how many', async () => {
    const log = notificationLog(store);
    await log.put(received('old', 1, { expiresAt: 10 }));
    await log.put(received('new', 1, { expiresAt: 100 }));
    expect(await log.removeExpired(50, 10)).toBe(1);
    expect(log.get('old')).toBeUndefined();
    expect(log.get('new')).toBeDefined();
  });
});

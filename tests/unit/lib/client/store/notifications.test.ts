import { beforeEach, describe, expect, it } from 'vitest';
import type { NotificationEvent } from '$lib/at/notification';
import { openAtSignDatabase } from '$lib/client/store/database';
import { listNotifications, newestNotificationMillis, saveNotifications } from '$lib/client/store/notifications';
import type { AtSignDatabase } from '$lib/client/store/schema';
import { freshIndexedDb } from '../../../../support/fake-indexeddb';

const event = (id: string, epochMillis: number): NotificationEvent => ({
  id,
  from: '@bob',
  to: '@alice',
  key: '@alice:phone.wavi@bob',
  value: 'ciphertext',
  operation: 'update',
  epochMillis,
  messageType: 'MessageType.key',
  isEncrypted: true,
  metadata: null,
});

describe('stored notifications', () => {
  let db: AtSignDatabase;
  beforeEach(async () => {
    freshIndexedDb();
    db = await openAtSignDatabase('@alice');
  });

  it('stores a notification delivered twice (a monitor replay) once', async () => {
    await saveNotifications(db, [event('n1', 1_000)], 2_000);
    await saveNotifications(db, [event('n1', 1_000), event('n2', 1_500)], 2_000);
    expect((await listNotifications(db)).map((n) => n.id)).toEqual(['n2', 'n1']);
  });

  it('does not keep stats notifications', async () => {
    await saveNotifications(db, [event('-1', 1_000)], 2_000);
    expect(await listNotifications(db)).toEqual([]);
  });

  it('drops notifications older than maxAgeMs', async () => {
    await saveNotifications(db, [event('old', 1_000), event('new', 9_000)], 10_000, { maxCount: 10, maxAgeMs: 5_000 });
    expect((await listNotifications(db)).map((n) => n.id)).toEqual(['new']);
  });

  it('keeps only the newest maxCount, dropping the oldest first', async () => {
    const events = [3, 1, 4, 2, 5].map((t) => event(`n${t}`, t * 1_000));
    await saveNotifications(db, events, 6_000, { maxCount: 3, maxAgeMs: 60_000 });
    expect((await listNotifications(db)).map((n) => n.id)).toEqual(['n5', 'n4', 'n3']);
  });

  it('lists those after a time, newest first and limited, and knows the newest time', async () => {
    await saveNotifications(
      db,
      [1, 2, 3, 4].map((t) => event(`n${t}`, t * 1_000)),
      5_000,
    );
    expect((await listNotifications(db, { sinceMillis: 1_000, limit: 2 })).map((n) => n.id)).toEqual(['n4', 'n3']);
    expect(await newestNotificationMillis(db)).toBe(4_000);
  });
});

import { describe, expect, it } from 'vitest';
import type { AtSignStore } from '$server/atserver/store/atsign-store';
import { countNotifications } from '$server/atserver/store/notification-counts';
import { useTempStore } from './temp-store';

describe('countNotifications (stats:11)', () => {
  let store: AtSignStore;
  useTempStore((opened) => (store = opened));

  const insert = (id: string, type: string, status: string, body: string) =>
    store.db
      .prepare(
        `INSERT INTO notifications (id, type, status, created_at, to_atsign, from_atsign, body)
         VALUES (?, ?, ?, 0, '@bob', '@alice', ?)`,
      )
      .run(id, type, status, body);

  it('answers zero for every counter of an empty log', () => {
    expect(countNotifications(store.db)).toEqual({
      total: 0,
      type: { sent: 0, received: 0 },
      status: { delivered: 0, failed: 0, queued: 0 },
      operations: { update: 0, delete: 0 },
      messageType: { key: 0, text: 0 },
    });
  });

  it('counts by type, status (errored as failed), operation and message type, in either enum spelling', () => {
    insert('1', 'sent', 'delivered', '{"opType":"update","messageType":"key"}');
    insert('2', 'sent', 'errored', '{"opType":"OperationType.delete","messageType":"MessageType.text"}');
    insert('3', 'received', 'queued', '{"opType":"update","messageType":"MessageType.key"}');
    insert('4', 'self', 'expired', 'not json');
    expect(countNotifications(store.db)).toEqual({
      total: 4,
      type: { sent: 2, received: 1 },
      status: { delivered: 1, failed: 1, queued: 1 },
      operations: { update: 2, delete: 1 },
      messageType: { key: 2, text: 1 },
    });
  });
});

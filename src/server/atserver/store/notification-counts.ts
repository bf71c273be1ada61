import type Database from 'better-sqlite3';

/** `stats:11`'s counts of the notification log, in the reference's field order (atprotocol.md §5.12). */
export interface NotificationCounts {
  total: number;
  type: { sent: number; received: number };
  status: { delivered: number; failed: number; queued: number };
  operations: { update: number; delete: number };
  messageType: { key: number; text: number };
}

interface Row {
  total: number;
  sent: number | null;
  received: number | null;
  delivered: number | null;
  failed: number | null;
  queued: number | null;
  updates: number | null;
  deletes: number | null;
  keys: number | null;
  texts: number | null;
}

// The body is the notification's JSON with the reference's field names; `opType` and `messageType` may
// be stored bare (`update`) or as Dart enum text (`OperationType.update`), so both are counted.
const countsSql = `
SELECT count(*) AS total,
  sum(type = 'sent') AS sent, sum(type = 'received') AS received,
  sum(status = 'delivered') AS delivered, sum(status = 'errored') AS failed, sum(status = 'queued') AS queued,
  sum(op IN ('update', 'OperationType.update')) AS updates, sum(op IN ('delete', 'OperationType.delete')) AS deletes,
  sum(kind IN ('key', 'MessageType.key')) AS keys, sum(kind IN ('text', 'MessageType.text')) AS texts
FROM (SELECT type, status,
        CASE WHEN json_valid(body) THEN json_extract(body, '$.opType') END AS op,
        CASE WHEN json_valid(body) THEN json_extract(body, '$.messageType') END AS kind
      FROM notifications)`;

/**
 * Counts every stored notification (expired ones too, as the reference does until compaction removes
 * them) by type, status (`errored` counts as `failed`), operation and message type.
 *
 * @example countNotifications(store.db).status.queued // 0 on a fresh atSign
 */
export function countNotifications(db: Database.Database): NotificationCounts {
  const row = db.prepare<[], Row>(countsSql).get();
  const n = (value: number | null | undefined) => value ?? 0;
  return {
    total: n(row?.total),
    type: { sent: n(row?.sent), received: n(row?.received) },
    status: { delivered: n(row?.delivered), failed: n(row?.failed), queued: n(row?.queued) },
    operations: { update: n(row?.updates), delete: n(row?.deletes) },
    messageType: { key: n(row?.keys), text: n(row?.texts) },
  };
}

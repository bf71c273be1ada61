/**
 * The shapes a stored notification takes on the wire (atprotocol.md §5.17–§5.21, §6.4): the replayed monitor
 * event and `notify:list` entry, the `notify:fetch` JSON with Dart's `toString()` of every value, and the
 * `notify:` command body one atServer sends another.
 */
import { formatDartDate } from '$lib/at/dart-date';
import { storedNotificationMetadata, toDartMapString } from '$lib/at/metadata-json';
import type { NotificationEvent } from '$lib/at/notification';
import { liveEvent, type StoredNotification } from '../store/notification-log';

/**
 * A notification as `monitor:<epochMillis>` replays it and `notify:list` lists it: the live event with the
 * stored metadata form (`availableAt`, `expiresAt` as Dart strings, no `sharedKeyEnc`).
 *
 * @example storedEvent(record).metadata // { encKeyName: null, …, availableAt: 'null', expiresAt: '2026-11-26 12:00:00.000Z' }
 */
export function storedEvent(record: StoredNotification): NotificationEvent {
  return { ...liveEvent(record), metadata: storedNotificationMetadata(record.metadata, record.expiresAt) };
}

/**
 * `notify:fetch`'s answer (§5.21): `AtNotification.toJson()` in its key order with every value that is not a
 * string turned into Dart's `toString()` (`"retryCount":"1"`, `"atValue":"null"`, the metadata as a Dart map).
 *
 * @example
 * fetchJson(record);
 * // '{"id":"…","fromAtSign":"@alice","notificationDateTime":"2026-11-25 12:00:00.000Z",…,"ttl":"86400000"}'
 */
export function fetchJson(record: StoredNotification): string {
  const date = (time: number | undefined) => (time === undefined ? 'null' : formatDartDate(time));
  return JSON.stringify({
    id: record.id,
    fromAtSign: record.fromAtSign,
    notificationDateTime: date(record.dateTime),
    toAtSign: record.toAtSign,
    notification: record.key,
    type: `NotificationType.${record.type}`,
    opType: `OperationType.${record.opType}`,
    messageType: `MessageType.${record.messageType}`,
    priority: `NotificationPriority.${record.priority}`,
    notificationStatus: `NotificationStatus.${record.status}`,
    retryCount: String(record.retryCount),
    strategy: record.strategy,
    depth: String(record.depth),
    notifier: record.notifier,
    expiresAt: date(record.expiresAt),
    atValue: record.value ?? 'null',
    atMetadata: record.metadata === undefined ? 'null' : toDartMapString(record.metadata),
    ttl: record.ttl === undefined ? 'null' : String(record.ttl),
  });
}

/** The encryption fields of the body, in the order the reference writes them. */
const encryptionFields = [
  'sharedKeyEnc',
  'pubKeyCS',
  'encKeyName',
  'encAlgo',
  'ivNonce',
  'skeEncKeyName',
  'skeEncAlgo',
] as const;

/**
 * What follows `notify:` when this atServer delivers a notification (the reference's
 * `prepareNotifyCommandBody`, §6.4): id, operation, message type, notifier, ttln, then the metadata that
 * travels (ttl, ttb, ttr with ccd, isEncrypted, the encryption fields), the key and the value. Priority,
 * strategy, latestN, dataSignature, encoding and isBinary are not sent.
 *
 * @example
 * commandBody(record);
 * // 'id:3c0f…:update:messageType:key:notifier:SYSTEM:ttln:86400000:ttl:0:ttb:0:isEncrypted:true:@bob:phone@alice:<ciphertext>'
 */
export function commandBody(record: StoredNotification): string {
  let body = `id:${record.id}:${record.opType}:messageType:${record.messageType}:notifier:${record.notifier}`;
  if (record.ttl !== undefined) body += `:ttln:${record.ttl}`;
  const metadata = record.metadata;
  if (metadata !== undefined) {
    if (metadata.ttl !== undefined) body += `:ttl:${metadata.ttl}`;
    if (metadata.ttb !== undefined) body += `:ttb:${metadata.ttb}`;
    if (metadata.ttr !== undefined) body += `:ttr:${metadata.ttr}:ccd:${String(metadata.ccd ?? null)}`;
    body += `:isEncrypted:${metadata.isEncrypted === true}`;
    for (const field of encryptionFields) {
      const value = metadata[field];
      if (value !== undefined) body += `:${field}:${value}`;
    }
  }
  body += `:${record.key}`;
  if (record.value !== null) body += `:${record.value}`;
  return body;
}

/**
 * The `notification: {…}` lines a monitor connection receives (reference atprotocol.md §5.17): live
 * events, replayed events (`monitor:<epochMillis>`, the same shape as `notify:list` entries) and stats
 * notifications. The server formats them and the client parses them with the same field table.
 */
import { AtError } from './errors';
import type { LiveNotificationMetadata, StoredNotificationMetadata } from './metadata-json';
import { decodeJson, isJsonObject, type JsonObject, type JsonValue } from './verbs/json';

/** What the `operation` field holds. */
export type NotificationOperation = 'update' | 'delete';

/** The Dart enum text of `messageType`, as the reference writes it. */
export type NotificationMessageType = 'MessageType.key' | 'MessageType.text';

/**
 * One monitor event, in the reference key order. `metadata` is the live form (built by
 * `liveNotificationMetadata`), the stored form of replays (`storedNotificationMetadata`), or `null`
 * for stats notifications.
 */
export interface NotificationEvent {
  /** A uuid, or `-1` for a stats notification. */
  readonly id: string;
  /** The sender, with `@`. */
  readonly from: string;
  /** The recipient, with `@`. */
  readonly to: string;
  /** The notification key (`@alice:phone.wavi@bob`), the text of a text message, or `statsNotification.@alice`. */
  readonly key: string;
  /** The value (ciphertext for shared keys), the latest commit id for stats, or `null`. */
  readonly value: string | null;
  readonly operation: NotificationOperation;
  /** When the receiving server stored it (stats: when it was written), epoch milliseconds. */
  readonly epochMillis: number;
  readonly messageType: NotificationMessageType;
  readonly isEncrypted: boolean;
  readonly metadata: LiveNotificationMetadata | StoredNotificationMetadata | null;
}

const prefix = 'notification:';
const encryptionFields = ['encKeyName', 'encAlgo', 'ivNonce', 'skeEncKeyName', 'skeEncAlgo'] as const;

/** The metadata object with its keys in the order Dart writes it, whatever order it was built in. */
function orderedMetadata(metadata: NotificationEvent['metadata']): NotificationEvent['metadata'] {
  if (metadata === null) return null;
  const encryption = Object.fromEntries(encryptionFields.map((name) => [name, metadata[name]]));
  return 'expiresAt' in metadata
    ? ({
        ...encryption,
        availableAt: metadata.availableAt,
        expiresAt: metadata.expiresAt,
      } as StoredNotificationMetadata)
    : ({ ...encryption, sharedKeyEnc: metadata.sharedKeyEnc } as LiveNotificationMetadata);
}

/**
 * The event as a plain object in the reference key order (id, from, to, key, value, operation,
 * epochMillis, messageType, isEncrypted, metadata), so `JSON.stringify` writes what Dart's `jsonEncode`
 * writes. Also the element shape of a `notify:list` answer.
 *
 * @example
 * JSON.stringify(notificationJson(statsNotification('@alice', 12, 1729764000123)));
 * // '{"id":"-1","from":"@alice","to":"@alice","key":"statsNotification.@alice","value":"12",…,"metadata":null}'
 */
export function notificationJson(event: NotificationEvent): NotificationEvent {
  return {
    id: event.id,
    from: event.from,
    to: event.to,
    key: event.key,
    value: event.value,
    operation: event.operation,
    epochMillis: event.epochMillis,
    messageType: event.messageType,
    isEncrypted: event.isEncrypted,
    metadata: orderedMetadata(event.metadata),
  };
}

/**
 * The exact text the reference writes for one event: `notification: ` then the JSON (no newline;
 * the connection adds `\n` and no prompt).
 *
 * @example
 * formatNotificationLine(statsNotification('@alice', 12, 1729764000123));
 * // 'notification: {"id":"-1","from":"@alice","to":"@alice","key":"statsNotification.@alice","value":"12","operation":"update","epochMillis":1729764000123,"messageType":"MessageType.key","isEncrypted":false,"metadata":null}'
 */
export function formatNotificationLine(event: NotificationEvent): string {
  return `${prefix} ${JSON.stringify(notificationJson(event))}`;
}

/**
 * The stats notification every monitor receives every 15 s and after each commit (§5.17): id `-1`,
 * from and to the server's own atSign, the latest commit id as value, no metadata.
 *
 * @example
 * statsNotification('@alice', 12, 1729764000123, 'delete').key; // 'statsNotification.@alice'
 */
export function statsNotification(
  atSign: string,
  lastCommitId: number,
  epochMillis: number,
  operation: NotificationOperation = 'update',
): NotificationEvent {
  return {
    id: '-1',
    from: atSign,
    to: atSign,
    key: `statsNotification.${atSign}`,
    value: String(lastCommitId),
    operation,
    epochMillis,
    messageType: 'MessageType.key',
    isEncrypted: false,
    metadata: null,
  };
}

/** True for a stats notification, which carries the server's latest commit id rather than news. */
export function isStatsNotification(event: NotificationEvent): boolean {
  return event.id === '-1';
}

function invalid(field: string, value: JsonValue | undefined): AtError {
  return new AtError('AT0011', `Invalid notification JSON: ${field} cannot be ${JSON.stringify(value ?? null)}`);
}

function text(json: JsonObject, field: string): string {
  const value = json[field];
  if (typeof value !== 'string') throw invalid(field, value);
  return value;
}

function textOrNull(json: JsonObject, field: string): string | null {
  const value = json[field];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw invalid(field, value);
  return value;
}

function oneOfText<T extends string>(json: JsonObject, field: string, options: readonly T[]): T {
  const value = json[field];
  const match = options.find((option) => option === value);
  if (match === undefined) throw invalid(field, value);
  return match;
}

function metadataFrom(value: JsonValue | undefined): NotificationEvent['metadata'] {
  if (value === null || value === undefined) return null;
  if (!isJsonObject(value)) throw invalid('metadata', value);
  const encryption = Object.fromEntries(encryptionFields.map((name) => [name, textOrNull(value, name)]));
  // Replays carry availableAt/expiresAt; live events carry sharedKeyEnc instead (§5.17).
  return 'expiresAt' in value
    ? ({
        ...encryption,
        availableAt: textOrNull(value, 'availableAt'),
        expiresAt: text(value, 'expiresAt'),
      } as StoredNotificationMetadata)
    : ({ ...encryption, sharedKeyEnc: textOrNull(value, 'sharedKeyEnc') } as LiveNotificationMetadata);
}

/**
 * Reads one event object (a monitor line's JSON or a `notify:list` element). Unknown fields are
 * ignored; a missing `value` or `metadata` reads as `null`.
 *
 * @throws AtError AT0011 when a field is missing or has the wrong type.
 * @example
 * notificationFromJson({ id: '-1', from: '@alice', to: '@alice', key: 'statsNotification.@alice', value: '12',
 *   operation: 'update', epochMillis: 1729764000123, messageType: 'MessageType.key', isEncrypted: false, metadata: null });
 */
export function notificationFromJson(json: JsonValue): NotificationEvent {
  if (!isJsonObject(json)) throw new AtError('AT0011', 'Invalid notification JSON: expected an object');
  const { epochMillis, isEncrypted } = json;
  if (typeof epochMillis !== 'number' || !Number.isSafeInteger(epochMillis)) throw invalid('epochMillis', epochMillis);
  if (typeof isEncrypted !== 'boolean') throw invalid('isEncrypted', isEncrypted);
  return {
    id: text(json, 'id'),
    from: text(json, 'from'),
    to: text(json, 'to'),
    key: text(json, 'key'),
    value: textOrNull(json, 'value'),
    operation: oneOfText(json, 'operation', ['update', 'delete']),
    epochMillis,
    messageType: oneOfText(json, 'messageType', ['MessageType.key', 'MessageType.text']),
    isEncrypted,
    metadata: metadataFrom(json.metadata),
  };
}

/**
 * Reads a line a monitor connection received. Like at_client it takes everything after
 * `notification:` and trims it, so the space and a trailing `\n` are optional.
 *
 * @throws AtError AT0011 when the line does not start with `notification:`, is not JSON, or is not an
 * event.
 * @example
 * parseNotificationLine('notification: {"id":"-1","from":"@alice",…,"metadata":null}').value; // '12'
 */
export function parseNotificationLine(line: string): NotificationEvent {
  if (!line.startsWith(prefix)) throw new AtError('AT0011', `Not a notification line: ${line.slice(0, 40)}`);
  return notificationFromJson(decodeJson(line.slice(prefix.length).trim()));
}

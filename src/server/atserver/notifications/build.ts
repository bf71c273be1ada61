/**
 * Building notifications as the reference's `NotifyVerbHandler` and autoNotify do (atprotocol.md §5.18, §6.5,
 * §6.6): the notification key, the metadata that travels with it, and the log entry.
 */
import { randomUUID } from 'node:crypto';
import { AtError } from '$lib/at/errors';
import { timeFieldMessages, type Metadata, type WireMetadata } from '$lib/at/metadata';
import type { Notify, NotifyMessageType, NotifyOperation } from '$lib/at/verbs/notify';
import type { AtSignContext } from '../context';
import type { StoredNotification } from '../store/notification-log';

/** How long autoNotify deletes and `notify:all` notifications live: the reference builder's 15 minutes. */
export const shortNotificationTtlMs = 15 * 60 * 1000;

/** The text fields a `notify` carries over into the notification's metadata, in the reference's order. */
const carriedFields = ['sharedKeyEnc', 'pubKeyCS', 'encKeyName', 'encAlgo', 'ivNonce', 'skeEncKeyName', 'skeEncAlgo'];

/**
 * The notification key (`_getFullFormedAtKey`): `<@recipient>:<text>` for a text message, the key itself when
 * it starts with `public` (a forwarded public key), else `<@recipient>:<key><@sender>`.
 *
 * @example notificationKey('key', '@bob', 'phone.wavi', '@alice') // '@bob:phone.wavi@alice'
 */
export function notificationKey(
  messageType: NotifyMessageType,
  recipient: string | undefined,
  atKey: string,
  sender: string | undefined,
): string {
  if (messageType === 'text') return `${String(recipient)}:${atKey}`;
  if (atKey.startsWith('public')) return `${atKey}${sender ?? ''}`;
  return `${String(recipient)}:${atKey}${sender ?? ''}`;
}

/** `AtMetadataUtil.validateTTL`/`validateTTB`: absent is 0, negative is refused. */
function timeField(value: number | undefined, field: 'ttl' | 'ttb'): number {
  if (value !== undefined && value < 0) throw new AtError('AT0003', timeFieldMessages[field]);
  return value ?? 0;
}

/** `AtMetadataUtil.validateTTR`: 0 is no ttr, -2 and below are refused. */
function refreshField(ttr: number | undefined): number | undefined {
  if (ttr === undefined || ttr === 0) return undefined;
  if (ttr <= -2) throw new AtError('AT0003', timeFieldMessages.ttr);
  return ttr;
}

/**
 * `isEncrypted` of a notification: public keys are not, text messages are what the sender says (default
 * false), and key messages are unless the sender says `isEncrypted:false` (a legacy default, reference #1944).
 *
 * @example isEncryptedNotification('key', 'phone.wavi', undefined) // true
 */
export function isEncryptedNotification(messageType: NotifyMessageType, atKey: string, given?: boolean): boolean {
  if (messageType === 'key' && atKey.startsWith('public')) return false;
  if (messageType === 'text') return given ?? false;
  return given !== false;
}

/**
 * The metadata a `notify` gives its notification, on the sending and on the receiving side alike
 * (`_getAtMetadataForNotification`): created by `atSign`, ttl and ttb (0 when absent), ttr with its ccd
 * only for an update with a value or a delete, the encryption fields, and `isEncrypted`.
 *
 * @throws AtError `AT0003` for a negative ttl or ttb, or a ttr of -2 or less.
 * @example notifyMetadata({ ttr: 60, ccd: true }, 'update', 'key', 'phone', 'v', '@alice').ttr // 60
 */
export function notifyMetadata(
  wire: WireMetadata,
  operation: NotifyOperation,
  messageType: NotifyMessageType,
  atKey: string,
  value: string | undefined,
  atSign: string,
): Metadata {
  const metadata: Metadata = { createdBy: atSign };
  const ttr = refreshField(wire.ttr);
  if (ttr !== undefined && ((operation === 'update' && value !== undefined) || operation === 'delete')) {
    metadata.ttr = ttr;
    metadata.ccd = wire.ccd ?? false;
  }
  metadata.ttb = timeField(wire.ttb, 'ttb');
  metadata.ttl = timeField(wire.ttl, 'ttl');
  for (const field of carriedFields) {
    const text = wire[field as keyof WireMetadata];
    if (typeof text === 'string') (metadata as Record<string, string>)[field] = text;
  }
  metadata.isEncrypted = isEncryptedNotification(messageType, atKey, wire.isEncrypted);
  return metadata;
}

/**
 * The notification's own lifetime: `ttln`, or the configured default when it is absent or 0.
 *
 * @example notificationTtl(undefined, limits) // 86_400_000
 */
export function notificationTtl(ttln: number | undefined, limits: AtSignContext['limits']): number {
  return ttln === undefined || ttln === 0 ? limits.notificationExpiryMs : ttln;
}

/** The parts of a log entry every notification shares, with the reference builder's defaults. */
export interface NotificationDraft {
  readonly id?: string;
  readonly type: StoredNotification['type'];
  readonly status: StoredNotification['status'];
  readonly fromAtSign: string;
  readonly toAtSign: string;
  readonly key: string;
  readonly value?: string | null;
  readonly opType?: NotifyOperation;
  readonly messageType?: NotifyMessageType;
  readonly priority?: StoredNotification['priority'];
  readonly strategy?: StoredNotification['strategy'];
  readonly notifier?: string;
  readonly depth?: number;
  readonly ttl: number;
  readonly metadata?: Metadata;
}

/**
 * A log entry stored at `now`: `expiresAt` is `now + ttl`; `dateTime` is left for the caller (received and
 * self notifications take the log's stamp).
 */
export function notificationRecord(draft: NotificationDraft, dateTime: number, now: number): StoredNotification {
  return {
    id: draft.id ?? randomUUID(),
    type: draft.type,
    status: draft.status,
    fromAtSign: draft.fromAtSign,
    toAtSign: draft.toAtSign,
    dateTime,
    ...(draft.ttl > 0 ? { expiresAt: now + draft.ttl } : {}),
    key: draft.key,
    value: draft.value ?? null,
    opType: draft.opType ?? 'update',
    messageType: draft.messageType ?? 'key',
    priority: draft.priority ?? 'low',
    retryCount: 1,
    strategy: draft.strategy ?? 'all',
    notifier: draft.notifier ?? 'system',
    depth: draft.depth ?? 1,
    ttl: draft.ttl,
    ...(draft.metadata === undefined ? {} : { metadata: draft.metadata }),
  };
}

/**
 * What a `notify` command asks for, without the parts that depend on the side (who sends, the key, the type):
 * id, operation, message type, priority, strategy, `latestN`, notifier (`SYSTEM` by default) and ttl.
 */
export function commandDraft(
  command: Notify,
  limits: AtSignContext['limits'],
): Pick<
  NotificationDraft,
  'id' | 'value' | 'opType' | 'messageType' | 'priority' | 'strategy' | 'notifier' | 'depth' | 'ttl'
> {
  return {
    ...(command.id ? { id: command.id } : {}),
    value: command.value ?? null,
    opType: command.operation ?? 'update',
    messageType: command.messageType ?? 'key',
    priority: command.priority ?? 'low',
    strategy: command.strategy ?? 'all',
    notifier: command.notifier ?? 'SYSTEM',
    depth: command.latestN ?? 1,
    ttl: notificationTtl(command.ttln, limits),
  };
}

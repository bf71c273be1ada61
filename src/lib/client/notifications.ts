/**
 * Notifications as the SDKs send and read them (crypto.md §7): the value is encrypted exactly like a shared put
 * (`isEncrypted`, `sharedKeyEnc`, `pubKeyCS`, a random `ivNonce`); a received `notification: {…}` is decrypted
 * with the sender's shared key, taken from its `sharedKeyEnc` or, for replayed notifications which carry none,
 * from the cached or looked-up `shared_key`.
 */
import { fixAtSign } from '$lib/at/atsign';
import { keyType, parseKey } from '$lib/at/key';
import type { WireMetadata } from '$lib/at/metadata';
import { notificationFromJson, parseNotificationLine, type NotificationEvent } from '$lib/at/notification';
import { compact } from '$lib/at/verbs/grammar';
import { decodeJson } from '$lib/at/verbs/json';
import { notify, type NotifyPriority, type NotifyStrategy } from '$lib/at/verbs/notify';
import type { RecordCodec } from './record-codec';
import { request, type Requester } from './requester';

/** A notification to send. */
export interface OutgoingNotification {
  /** The recipient, with or without `@`. */
  readonly to: string;
  /** The key's name (`ping.wavi`): the notification is about `@<to>:<key>@<me>`. */
  readonly key: string;
  /** The value; required for an update, which is encrypted unless `encrypt` is false. */
  readonly value?: string;
  readonly operation?: 'update' | 'delete';
  /** Defaults to a fresh UUID v4. */
  readonly id?: string;
  /** Defaults to true: encrypt the value for the recipient. */
  readonly encrypt?: boolean;
  readonly priority?: NotifyPriority;
  readonly strategy?: NotifyStrategy;
  readonly latestN?: number;
  /** Who groups notifications for `strategy:latest`; Dart's default is `SYSTEM`. */
  readonly notifier?: string;
  /** How long the notification lives, milliseconds (Dart: 24 h). */
  readonly ttln?: number;
  readonly ttl?: number;
  readonly ttb?: number;
  /** With a ttr the recipient's atServer keeps a `cached:` copy of the value. */
  readonly ttr?: number;
  readonly ccd?: boolean;
}

/** What Dart's `NotificationService` sends when the caller says nothing (crypto.md §7). */
const dartDefaults = {
  priority: 'low',
  strategy: 'all',
  latestN: 1,
  notifier: 'SYSTEM',
  ttln: 86_400_000,
} as const;

/** The namespace of {@link sendText} messages. */
export const messageNamespace = 'atstack';

/**
 * Sends a notification as Dart's at_client does and answers its id:
 * `notify:id:<uuid>:update:messageType:key:priority:low:strategy:all:latestN:1:notifier:SYSTEM:ttln:86400000:
 * isEncrypted:true:sharedKeyEnc:…:pubKeyCS:…:ivNonce:…:@bob:ping.wavi@alice:<ciphertext>`. A notification to
 * oneself is encrypted with the self key.
 *
 * @throws AtError as the server answers and as {@link RecordCodec.encode} (AT0022 for an empty value to encrypt).
 * @example const id = await sendNotification(session, codec, { to: '@bob', key: 'ping.wavi', value: '{"msg":"ping"}' });
 */
export async function sendNotification(
  requester: Requester,
  codec: RecordCodec,
  notification: OutgoingNotification,
): Promise<string> {
  const me = codec.atSign;
  const to = fixAtSign(notification.to);
  const operation = notification.operation ?? 'update';
  let value = notification.value;
  const { ttl, ttb, ttr, ccd } = notification;
  let metadata: WireMetadata = compact({ ttl, ttb, ttr, ccd });
  if (value !== undefined && operation === 'update' && notification.encrypt !== false) {
    const encoded = await codec.encode(parseKey(`${to}:${notification.key}${me}`), value);
    value = encoded.value;
    metadata = { ...metadata, ...encoded.metadata };
  }
  const line = notify.format({
    verb: 'notify',
    id: notification.id ?? crypto.randomUUID(),
    operation,
    messageType: 'key',
    priority: notification.priority ?? dartDefaults.priority,
    strategy: notification.strategy ?? dartDefaults.strategy,
    latestN: notification.latestN ?? dartDefaults.latestN,
    notifier: notification.notifier ?? dartDefaults.notifier,
    ttln: notification.ttln ?? dartDefaults.ttln,
    metadata,
    publicScope: false,
    forAtSign: to.slice(1),
    atKey: notification.key,
    atSign: me.slice(1),
    ...(value === undefined ? {} : { value }),
  });
  return request(requester, line);
}

/**
 * Sends a text message: an encrypted `messageType:key` notification about `<id>.message.atstack` whose value is
 * the text (the deprecated `messageType:text` would put the text in the key). Answers the notification id.
 *
 * @example await sendText(session, codec, '@bob', 'Lunch at one?');
 */
export function sendText(
  requester: Requester,
  codec: RecordCodec,
  to: string,
  text: string,
  options: { readonly namespace?: string; readonly ttln?: number } = {},
): Promise<string> {
  const id = crypto.randomUUID();
  const key = `${id}.message.${options.namespace ?? messageNamespace}`;
  return sendNotification(requester, codec, { to, key, value: text, id, ...compact({ ttln: options.ttln }) });
}

/** Whether a received notification is a text message ({@link sendText}, or the deprecated `messageType:text`). */
export function isTextMessage(received: Pick<ReceivedNotification, 'messageType' | 'name'>): boolean {
  return received.messageType === 'text' || /\.message\.[^.]+$/.test(received.name);
}

/** A received notification with its value in plaintext. */
export interface ReceivedNotification {
  readonly id: string;
  /** The sender, with `@`. */
  readonly from: string;
  /** The recipient, with `@`. */
  readonly to: string;
  /** The key as received (`@bob:ping.wavi@alice`); for a text message `@bob:<text>`, decrypted. */
  readonly key: string;
  /** The key without recipient and sender (`ping.wavi`); for a text message, the text. */
  readonly name: string;
  /** The value, decrypted when it was encrypted; null for none or when decryption failed (see {@link error}). */
  readonly value: string | null;
  readonly operation: 'update' | 'delete';
  readonly messageType: 'key' | 'text';
  /** When the recipient's atServer stored it, epoch milliseconds: the point to resume a monitor from. */
  readonly epochMillis: number;
  readonly isEncrypted: boolean;
  /** Whether this decoder decrypted the value (or the text of a text message). */
  readonly decrypted: boolean;
  /** Why an encrypted value could not be decrypted. */
  readonly error?: Error;
}

/** How many notification ids {@link NotificationDecoder.seen} remembers by default. */
export const defaultSeenLimit = 10_000;

/**
 * Turns received monitor events into {@link ReceivedNotification}s and remembers which ids it has seen.
 *
 * @example
 * const decoder = new NotificationDecoder(codec);
 * const received = await decoder.decode(line); // null for a stats notification
 * if (received && !decoder.seen(received.id)) show(received);
 */
export class NotificationDecoder {
  readonly #codec: RecordCodec;
  readonly #seenLimit: number;
  readonly #seen = new Set<string>();

  constructor(codec: RecordCodec, options: { readonly seenLimit?: number } = {}) {
    this.#codec = codec;
    this.#seenLimit = options.seenLimit ?? defaultSeenLimit;
  }

  /**
   * Decodes a monitor event: a parsed event, a `notification: {…}` line or its JSON. Answers null for a stats
   * notification (id `-1`). Reserved keys (a `shared_key` notification), unencrypted values and deletes pass
   * through as received; a value that does not decrypt is reported in `error`, never thrown.
   *
   * @throws AtError `AT0011` when the input is not a notification.
   */
  async decode(input: NotificationEvent | string): Promise<ReceivedNotification | null> {
    const event =
      typeof input !== 'string'
        ? input
        : input.startsWith('notification:')
          ? parseNotificationLine(input)
          : notificationFromJson(decodeJson(input));
    if (event.id === '-1') return null;
    const messageType = event.messageType === 'MessageType.text' ? 'text' : 'key';
    const received: ReceivedNotification = {
      id: event.id,
      from: event.from,
      to: event.to,
      key: event.key,
      name: nameOf(event),
      value: event.value,
      operation: event.operation,
      messageType,
      epochMillis: event.epochMillis,
      isEncrypted: event.isEncrypted,
      decrypted: false,
    };
    if (!event.isEncrypted) return received;
    const metadata = {
      ivNonce: event.metadata?.ivNonce ?? undefined,
      sharedKeyEnc:
        (event.metadata && 'sharedKeyEnc' in event.metadata ? event.metadata.sharedKeyEnc : null) ?? undefined,
    };
    const decrypt = (ciphertext: string) => this.#codec.decryptValue(event.from, event.to, ciphertext, metadata);
    try {
      if (messageType === 'text') {
        const text = await decrypt(received.name);
        return { ...received, key: `${event.to}:${text}`, name: text, decrypted: true };
      }
      if (event.value === null || keyType(event.key) === 'reservedKey') return received;
      return { ...received, value: await decrypt(event.value), decrypted: true };
    } catch (error) {
      return { ...received, value: null, error: error instanceof Error ? error : new Error(String(error)) };
    }
  }

  /**
   * Whether `id` was seen before; remembers it either way. Bounded: the oldest ids are forgotten first, so a
   * monitor that resumes from its last `epochMillis` never shows an event twice.
   */
  seen(id: string): boolean {
    if (this.#seen.has(id)) return true;
    this.#seen.add(id);
    if (this.#seen.size > this.#seenLimit) {
      const oldest = this.#seen.values().next();
      if (!oldest.done) this.#seen.delete(oldest.value);
    }
    return false;
  }
}

/** The key without its `@to:` prefix and `@from` suffix, as Dart's NotificationResponseTransformer strips them. */
function nameOf(event: NotificationEvent): string {
  let name = event.key;
  if (event.from !== '' && name.endsWith(event.from)) name = name.slice(0, name.length - event.from.length);
  if (event.to !== '' && name.startsWith(`${event.to}:`)) name = name.slice(event.to.length + 1);
  return name;
}

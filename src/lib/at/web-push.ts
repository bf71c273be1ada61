/**
 * Web push through the atProtocol itself: the keys an app and an atServer share to set up push, and the
 * payload the atServer sends. No new verb and no HTTP API on the atServer; everything is a key in the
 * `__webpush` namespace (a reserved-looking namespace, as `__manage` is for enrollments):
 *
 * - `public:vapid_publickey.__webpush@alice` — written by the atServer when it starts with web push on:
 *   the host's VAPID public key (base64url, 65-byte uncompressed P-256 point), which the app passes to
 *   `pushManager.subscribe({ applicationServerKey })`. Read it with `llookup:public:vapid_publickey.__webpush@alice`
 *   (owner), `lookup:vapid_publickey.__webpush@alice` or `plookup:vapid_publickey.__webpush@alice` (anyone).
 *   The owner cannot delete it (`AT0009`) nor overwrite it (`AT0009`); its absence means the atServer
 *   sends no push.
 * - `<deviceId>.subscription.__webpush@alice` — a self key the owner writes, unencrypted, holding the
 *   browser's `PushSubscription.toJSON()`: `update:<deviceId>.subscription.__webpush@alice {"endpoint":…}`.
 *   `delete:<deviceId>.subscription.__webpush@alice` unregisters. The atServer validates it (shape, size,
 *   endpoint host) and answers `AT0003` when it is refused; it deletes the record itself when the push service
 *   says the subscription is gone (404/410), which reaches the owner's devices through sync as any delete.
 *
 * When a notification from another atSign arrives, the atServer posts a push to every subscription whose
 * payload is a {@link PushPayload}: ids and key names, never a value.
 */
import { AtError } from './errors';

/** The namespace of every web push key. */
export const webPushNamespace = '__webpush';

/** Longest device id (letters, digits, `_` and `-`, lowercase as the keystore stores it). */
export const maxDeviceIdLength = 64;

const deviceIdPattern = new RegExp(`^[a-z0-9][a-z0-9_-]{0,${maxDeviceIdLength - 1}}$`);

/**
 * The key holding the VAPID public key of `atSign`'s atServer.
 *
 * @example vapidPublicKeyKey('@alice') // 'public:vapid_publickey.__webpush@alice'
 */
export function vapidPublicKeyKey(atSign: string): string {
  return `public:vapid_publickey.${webPushNamespace}${atSign}`;
}

/**
 * The key a device registers its push subscription under.
 *
 * @throws AtError `AT0003` when `deviceId` is not 1–64 of `a-z 0-9 _ -` (starting with a letter or digit).
 * @example subscriptionKey('phone-1', '@alice') // 'phone-1.subscription.__webpush@alice'
 */
export function subscriptionKey(deviceId: string, atSign: string): string {
  if (!deviceIdPattern.test(deviceId)) {
    throw new AtError('AT0003', `push device id must be 1-${maxDeviceIdLength} of a-z, 0-9, _ and -: ${deviceId}`);
  }
  return `${deviceId}.subscription.${webPushNamespace}${atSign}`;
}

/**
 * The device id of a subscription key of `atSign` (stored form, lowercase), or undefined for any other key.
 *
 * @example subscriptionDevice('phone-1.subscription.__webpush@alice', '@alice') // 'phone-1'
 */
export function subscriptionDevice(key: string, atSign: string): string | undefined {
  const suffix = `.subscription.${webPushNamespace}${atSign}`;
  if (!key.endsWith(suffix)) return undefined;
  const deviceId = key.slice(0, -suffix.length);
  return deviceIdPattern.test(deviceId) ? deviceId : undefined;
}

/** A browser push subscription as `PushSubscription.toJSON()` gives it (Push API), the fields the atServer keeps. */
export interface PushSubscriptionJson {
  /** The push service URL (https). */
  readonly endpoint: string;
  readonly expirationTime?: number | null;
  readonly keys: {
    /** The browser's P-256 public key, base64url of the 65-byte uncompressed point. */
    readonly p256dh: string;
    /** The 16-byte authentication secret, base64url. */
    readonly auth: string;
  };
}

/** Largest subscription value accepted, in UTF-8 bytes; real ones are about 200–700. */
export const maxSubscriptionBytes = 4096;
const maxEndpointLength = 2048;

/** The bytes of a base64url (or base64) text, or null when it is not one. */
function base64UrlBytes(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/=+$/, '').replaceAll('-', '+').replaceAll('_', '/'));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads and checks a subscription value: JSON of at most {@link maxSubscriptionBytes}, an `https:` endpoint
 * without credentials or fragment, a 65-byte uncompressed P-256 `p256dh` and a 16-byte `auth`. Which endpoint
 * hosts are allowed is the atServer's policy, checked after this.
 *
 * @throws AtError `AT0003` saying what is wrong.
 * @example
 * parseSubscription('{"endpoint":"https://fcm.googleapis.com/fcm/send/x","keys":{"p256dh":"BN…","auth":"k8…"}}')
 * // { endpoint: 'https://fcm.googleapis.com/fcm/send/x', keys: { p256dh: 'BN…', auth: 'k8…' } }
 */
export function parseSubscription(text: string): PushSubscriptionJson {
  const refuse = (why: string): never => {
    throw new AtError('AT0003', `invalid push subscription: ${why}`);
  };
  if (new TextEncoder().encode(text).length > maxSubscriptionBytes) refuse(`longer than ${maxSubscriptionBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse('not JSON');
  }
  if (!isObject(value)) return refuse('not a JSON object');
  const { endpoint, expirationTime, keys } = value;
  if (typeof endpoint !== 'string' || endpoint.length > maxEndpointLength) refuse('endpoint missing or too long');
  let url: URL;
  try {
    url = new URL(endpoint as string);
  } catch {
    return refuse('endpoint is not a URL');
  }
  if (url.protocol !== 'https:') refuse('endpoint must be https');
  if (url.username !== '' || url.password !== '' || url.hash !== '') refuse('endpoint has credentials or a fragment');
  if (expirationTime !== undefined && expirationTime !== null && typeof expirationTime !== 'number') {
    refuse('expirationTime must be a number or null');
  }
  if (!isObject(keys)) return refuse('keys missing');
  const { p256dh, auth } = keys;
  const point = typeof p256dh === 'string' ? base64UrlBytes(p256dh) : null;
  if (point?.length !== 65 || point[0] !== 4) refuse('keys.p256dh must be a 65-byte uncompressed P-256 key');
  const secret = typeof auth === 'string' ? base64UrlBytes(auth) : null;
  if (secret?.length !== 16) refuse('keys.auth must be 16 bytes');
  return {
    endpoint: endpoint as string,
    ...(typeof expirationTime === 'number' || expirationTime === null ? { expirationTime } : {}),
    keys: { p256dh: p256dh as string, auth: auth as string },
  };
}

/**
 * What a push from the atServer holds (JSON, encrypted for the subscription with aes128gcm): who sent what
 * to whom, never a value. `key` is the notification key (`@alice:phone.wavi@bob`); a text message has none,
 * since its key would be the text itself.
 */
export interface PushPayload {
  readonly type: 'notification';
  /** The notification id (as in `notify:list` and monitor events). */
  readonly id: string;
  /** The sender, `@bob`. */
  readonly from: string;
  /** The atSign it was sent to, `@alice` (an app may hold several). */
  readonly to: string;
  readonly messageType: 'key' | 'text';
  readonly operation: 'update' | 'delete';
  /** The notification key; absent for text messages. */
  readonly key?: string;
  /** When the atServer received it, epoch ms. */
  readonly epochMillis: number;
}

/**
 * Reads a push payload; null for anything else (a service worker may get pushes it does not know).
 *
 * @example parsePushPayload('{"type":"notification","id":"1","from":"@bob",…}')?.from // '@bob'
 */
export function parsePushPayload(text: string): PushPayload | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value) || value.type !== 'notification') return null;
  const { id, from, to, messageType, operation, key, epochMillis } = value;
  if (typeof id !== 'string' || typeof from !== 'string' || typeof to !== 'string') return null;
  if (messageType !== 'key' && messageType !== 'text') return null;
  if (operation !== 'update' && operation !== 'delete') return null;
  if (key !== undefined && typeof key !== 'string') return null;
  if (typeof epochMillis !== 'number') return null;
  return {
    type: 'notification',
    id,
    from,
    to,
    messageType,
    operation,
    ...(key === undefined ? {} : { key }),
    epochMillis,
  };
}

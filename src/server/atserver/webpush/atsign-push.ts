/**
 * Web push for one atSign (keys and payload: `$lib/at/web-push`). At start it publishes the host's VAPID
 * public key as `public:vapid_publickey.__webpush@alice` and learns which subscriptions are registered;
 * `update` asks it to check a subscription before it is stored; each notification received from another
 * atSign is pushed to every registered subscription, in the background: a push never delays or fails the
 * notification's delivery. A subscription the push service reports gone (404/410) is deleted, with a commit,
 * so the owner's devices see it go.
 */
import { AtError } from '$lib/at/errors';
import {
  parseSubscription,
  subscriptionDevice,
  vapidPublicKeyKey,
  type PushPayload,
  type PushSubscriptionJson,
} from '$lib/at/web-push';
import type { AtSignContext } from '../context';
import { freshMetadata, rewrittenMetadata } from '../records';
import type { StoredNotification } from '../store/notification-log';
import type { WebPushHost } from './setup';

/**
 * The push for a received notification: ids and names only. A text message's key is its text, so it is
 * left out; values and metadata never go.
 *
 * @example
 * pushPayload(record);
 * // { type: 'notification', id: '3c0f…', from: '@bob', to: '@alice', messageType: 'key',
 * //   operation: 'update', key: '@alice:phone.wavi@bob', epochMillis: 1764072000000 }
 */
export function pushPayload(record: StoredNotification): PushPayload {
  return {
    type: 'notification',
    id: record.id,
    from: record.fromAtSign,
    to: record.toAtSign,
    messageType: record.messageType,
    operation: record.opType,
    ...(record.messageType === 'key' ? { key: record.key } : {}),
    epochMillis: record.dateTime,
  };
}

const protectedKey = (key: string) => new AtError('AT0009', `Cannot update protected key: '${key}'`);

/**
 * The check `update` makes before it stores `key` (stored form). On an atServer without web push the VAPID
 * key stays protected and a subscription is refused, so an app learns at once that no push will come.
 *
 * @throws AtError as {@link AtSignPush.checkUpdate}; `AT0003` `web push is not enabled on this atServer`.
 * @example checkWebPushUpdate(ctx.server, record.key, record.value)
 */
export function checkWebPushUpdate(
  server: Pick<AtSignContext, 'atSign' | 'webPush'>,
  key: string,
  value: string | null,
): void {
  if (server.webPush) return server.webPush.checkUpdate(key, value);
  if (key === vapidPublicKeyKey(server.atSign)) throw protectedKey(key);
  if (subscriptionDevice(key, server.atSign) !== undefined) {
    throw new AtError('AT0003', 'web push is not enabled on this atServer');
  }
}

type PushServer = Pick<AtSignContext, 'atSign' | 'store' | 'clock' | 'log' | 'changed'>;

export class AtSignPush {
  readonly #server: PushServer;
  readonly #host: WebPushHost;
  /** Subscription keys registered (learnt at start, added by `update`); a key found gone is dropped. */
  readonly #subscriptions = new Set<string>();
  #closed = false;

  constructor(server: PushServer, host: WebPushHost) {
    this.#server = server;
    this.#host = host;
  }

  /** Publishes the VAPID public key (a commit only when it is new or changed) and finds the subscriptions. */
  async start(): Promise<void> {
    const { atSign, store, clock } = this.#server;
    const key = vapidPublicKeyKey(atSign);
    const existing = store.keys.get(key);
    const publicKey = this.#host.vapid.publicKey;
    if (existing?.value !== publicKey) {
      const now = clock.now();
      const metadata = existing
        ? rewrittenMetadata(existing.metadata, atSign, now, undefined)
        : freshMetadata(atSign, now);
      const commitId = await store.keys.put({ key, value: publicKey, metadata }, existing ? '*' : '+');
      this.#server.changed('update', commitId);
    }
    for (const stored of store.keys.activeKeys(clock.now())) {
      if (subscriptionDevice(stored, atSign) !== undefined) this.#subscriptions.add(stored);
    }
  }

  /**
   * Checks an `update` of `key` (stored form) to `value` before it is written: the VAPID key is the
   * atServer's; a subscription must parse, name an allowed push service and fit the per-atSign limit.
   *
   * @throws AtError `AT0009` for the VAPID key; `AT0003` for a refused subscription.
   * @example push.checkUpdate('phone.subscription.__webpush@alice', '{"endpoint":"https://evil.example/x",…}') // AT0003
   */
  checkUpdate(key: string, value: string | null): void {
    const { atSign } = this.#server;
    if (key === vapidPublicKeyKey(atSign)) throw protectedKey(key);
    if (subscriptionDevice(key, atSign) === undefined) return;
    const subscription = parseSubscription(value ?? '');
    this.#host.policy.check(subscription.endpoint);
    const { maxSubscriptionsPerAtSign } = this.#host.config;
    if (!this.#subscriptions.has(key) && this.#registered() >= maxSubscriptionsPerAtSign) {
      throw new AtError('AT0003', `an atSign may register at most ${maxSubscriptionsPerAtSign} push subscriptions`);
    }
    this.#subscriptions.add(key);
  }

  /** Pushes a notification received from another atSign to every subscription, in the background. */
  received(record: StoredNotification): void {
    if (this.#closed || this.#subscriptions.size === 0) return;
    const payload = JSON.stringify(pushPayload(record));
    for (const key of this.#subscriptions) {
      this.#pushTo(key, record.id, payload).catch((error: unknown) =>
        this.#server.log.error('push failed', { notificationId: record.id, error: String(error) }),
      );
    }
  }

  /** Stops touching the store; pushes in flight end with the host's sender. */
  close(): void {
    this.#closed = true;
  }

  /** Registered subscriptions still in the store (drops keys deleted since). */
  #registered(): number {
    for (const key of this.#subscriptions) if (!this.#server.store.keys.get(key)) this.#subscriptions.delete(key);
    return this.#subscriptions.size;
  }

  async #pushTo(key: string, notificationId: string, payload: string) {
    const { atSign, store, clock, log } = this.#server;
    const record = store.keys.get(key);
    if (!record) return void this.#subscriptions.delete(key);
    const now = clock.now();
    const { expiresAt, availableAt } = record.metadata;
    if ((expiresAt !== undefined && expiresAt < now) || (availableAt !== undefined && availableAt > now)) return;
    const deviceId = subscriptionDevice(key, atSign);
    let subscription: PushSubscriptionJson;
    try {
      subscription = parseSubscription(record.value ?? '');
    } catch {
      return log.warn('push subscription unreadable', { deviceId });
    }
    const outcome = await this.#host.sender.send({
      subscription,
      payload,
      urgency: this.#host.config.urgency,
      logFields: { atSign, deviceId, notificationId },
    });
    if (outcome === 'gone') await this.#unregister(key, record.value, deviceId);
  }

  /** Deletes a subscription the push service no longer knows, unless the device registered anew meanwhile. */
  async #unregister(key: string, value: string | null, deviceId: string | undefined): Promise<void> {
    const { store, log } = this.#server;
    if (this.#closed || store.keys.get(key)?.value !== value) return;
    this.#subscriptions.delete(key);
    const commitId = await store.keys.remove(key);
    this.#server.changed('delete', commitId);
    log.info('push subscription removed: gone at the push service', { deviceId });
  }
}

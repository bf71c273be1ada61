/**
 * Registering this browser's push subscription with an atSign's atServer, and registering it again when the
 * browser replaces it (the service worker posts `{ type: 'pushsubscriptionchange' }` to the pages).
 */
import type { ClientApi } from '$lib/client/api';
import { subscribePush } from '../browser/push';

/**
 * Subscribes and registers with `atSign`'s atServer. Returns false when that atServer sends no push.
 *
 * @throws DOMException `NotAllowedError` when notifications are not allowed.
 */
export async function enablePush(client: ClientApi, atSign: string): Promise<boolean> {
  const vapidPublicKey = await client.vapidPublicKey(atSign);
  if (!vapidPublicKey) return false;
  await client.registerPush(atSign, await subscribePush(vapidPublicKey));
  return true;
}

/** Registers the current subscription again with each of `atSigns`; failures are logged, not thrown. */
export async function reRegisterPush(client: ClientApi, atSigns: readonly string[]): Promise<void> {
  for (const atSign of atSigns) {
    await enablePush(client, atSign).catch((error: unknown) => console.warn('push re-registration failed', error));
  }
}

/** Whether a service worker message asks the pages to register a replaced subscription. */
export function isSubscriptionChange(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'pushsubscriptionchange';
}

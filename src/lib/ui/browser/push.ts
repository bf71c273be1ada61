/**
 * This browser's Web Push subscription (Push API): created through the service worker's registration with
 * the atServer's VAPID public key; its `toJSON()` form is what the atServer keeps (`$lib/at/web-push`).
 */

/** Whether this browser can receive pushes at all. */
export function pushSupported(): boolean {
  return typeof navigator !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window;
}

/** The bytes of a base64url text (a VAPID public key). */
export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

function sameBytes(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.length) return false;
  const bytes = new Uint8Array(a);
  return bytes.every((byte, i) => byte === b[i]);
}

/** The service worker's registration; rejects when none becomes active (e.g. a development server without one). */
async function registration(): Promise<ServiceWorkerRegistration> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new DOMException('no service worker', 'InvalidStateError')), 10_000),
  );
  return Promise.race([navigator.serviceWorker.ready, timeout]);
}

/**
 * Asks for permission (no prompt when already granted) and returns the subscription for `vapidPublicKey`,
 * reusing the current one when it was made for the same key.
 *
 * @throws DOMException `NotAllowedError` when notifications are not allowed.
 */
export async function subscribePush(vapidPublicKey: string): Promise<PushSubscriptionJSON> {
  if ((await Notification.requestPermission()) !== 'granted') {
    throw new DOMException('notifications are not allowed', 'NotAllowedError');
  }
  const { pushManager } = await registration();
  const key = base64UrlToBytes(vapidPublicKey);
  const existing = await pushManager.getSubscription();
  if (existing && sameBytes(existing.options.applicationServerKey, key)) return existing.toJSON();
  await existing?.unsubscribe();
  const created = await pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  return created.toJSON();
}

/** The endpoint of this browser's subscription, if it has one (what the atServer knows it by). */
export async function currentPushEndpoint(): Promise<string | undefined> {
  return (await (await registration()).pushManager.getSubscription())?.endpoint;
}

/** Ends this browser's subscription, if any. */
export async function unsubscribePush(): Promise<void> {
  const subscription = await (await registration()).pushManager.getSubscription();
  await subscription?.unsubscribe();
}

/** Whether notifications were refused for this site (then only the browser's settings can change it). */
export function pushDenied(): boolean {
  return typeof Notification !== 'undefined' && Notification.permission === 'denied';
}

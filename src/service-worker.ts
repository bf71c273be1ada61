/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/**
 * The service worker (SvelteKit builds it to `/service-worker.js` and registers it): Workbox precaches the
 * app shell and every built file, so the app opens and reads with no network; navigations fall back to the
 * shell (client-side routing). It shows the atServer's web pushes (`$lib/at/web-push`: ids and key names,
 * never a value) as notifications, and a click opens the inbox.
 */
import { base, build, files, version } from '$service-worker';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { parsePushPayload, type PushPayload } from '$lib/at/web-push';

const sw = self as unknown as ServiceWorkerGlobalScope;

/** The page every navigation gets offline: the static adapter's fallback, which boots the client-side app. */
const shell = `${base}/index.html`;
/** Where a notification click goes: the inbox of received notifications. */
const inboxUrl = `${base}/#/inbox`;

// Every file of this build, keyed by the build's version: a new deployment replaces them all at once.
precacheAndRoute([...build, ...files, shell].map((url) => ({ url, revision: version })));
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL(shell), { denylist: [/^\/ws\//] }));

// A new version takes over at once; the page reloads on its next navigation (SvelteKit checks the version).
sw.addEventListener('install', () => void sw.skipWaiting());
sw.addEventListener('activate', (event) => event.waitUntil(sw.clients.claim()));

/** Texts of push notifications (kept together for translation). */
const texts = {
  fallbackTitle: 'atstack',
  fallbackBody: 'You have a new notification',
  shared: (name: string) => `shared ${name} with you`,
  removed: (name: string) => `stopped sharing ${name}`,
  message: 'sent you a message',
};

/** The key's name as the recipient knows it: `@alice:phone.wavi@bob` → `phone.wavi`. */
function keyName(payload: PushPayload): string {
  const key = payload.key ?? '';
  return (
    key
      .replace(/^(public|cached):/, '')
      .replace(/^@[^:]+:/, '')
      .replace(/@[^@]*$/, '') || key
  );
}

/** The notification a push shows: who, what (key names only) and where a click goes. */
function notificationOf(payload: PushPayload | null): { title: string; options: NotificationOptions } {
  const icon = `${base}/icons/icon-192.png`;
  if (!payload)
    return { title: texts.fallbackTitle, options: { body: texts.fallbackBody, icon, data: { url: inboxUrl } } };
  const body =
    payload.messageType === 'text'
      ? texts.message
      : payload.operation === 'delete'
        ? texts.removed(keyName(payload))
        : texts.shared(keyName(payload));
  return {
    title: payload.from,
    options: {
      body,
      icon,
      tag: payload.id,
      data: { url: inboxUrl, id: payload.id, from: payload.from, to: payload.to },
    },
  };
}

sw.addEventListener('push', (event) => {
  const { title, options } = notificationOf(parsePushPayload(event.data?.text() ?? ''));
  event.waitUntil(sw.registration.showNotification(title, options));
});

sw.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = new URL((event.notification.data as { url?: string } | null)?.url ?? inboxUrl, sw.location.origin);
  event.waitUntil(
    (async () => {
      const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).origin === target.origin);
      if (!open) return void (await sw.clients.openWindow(target.href));
      await open.focus();
      await open.navigate(target.href).catch(() => undefined);
    })(),
  );
});

// The browser replaced the subscription: the pages register the new one with the atServer (they hold the keys).
sw.addEventListener('pushsubscriptionchange', () => {
  void sw.clients.matchAll({ type: 'window' }).then((windows) => {
    for (const client of windows) client.postMessage({ type: 'pushsubscriptionchange' });
  });
});

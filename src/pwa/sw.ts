/**
 * Syncboard's service worker: the app shell precached at build time (Workbox), pages and assets
 * answered from the network first and from the cache when offline (the data itself is kept by the app
 * in IndexedDB, src/lib/offline.ts), an update waiting until the user accepts it (the prompt), and
 * Web Push: a notification per alert that concerns its owner, whose click opens the pull request, and
 * the app badge with their unread count.
 */
/// <reference lib="webworker" />
import { precacheAndRoute } from "workbox-precaching";
import { registerRoute } from "workbox-routing";
import { NetworkFirst } from "workbox-strategies";

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

precacheAndRoute(self.__WB_MANIFEST);
// The first install takes the open pages at once (an update waits for the prompt: SKIP_WAITING below).
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
// Pages and the app's own assets: fresh when online, the last copy offline. Convex's API is not cached.
registerRoute(
  ({ request, url }) =>
    request.method === "GET" && url.origin === self.location.origin && !url.pathname.startsWith("/convex/"),
  new NetworkFirst({ cacheName: "syncboard-shell", networkTimeoutSeconds: 5 }),
);

self.addEventListener("message", (event) => {
  if ((event.data as { type?: string } | null)?.type === "SKIP_WAITING") void self.skipWaiting();
});

type Push = { title: string; body: string; url?: string; unread?: number; tag?: string };

self.addEventListener("push", (event) => {
  const push = (event.data?.json() ?? null) as Push | null;
  if (!push) return;
  event.waitUntil(
    (async () => {
      await self.registration.showNotification(push.title, {
        body: push.body,
        icon: "/icon-192.png",
        badge: "/icon-192.png",
        ...(push.tag && { tag: push.tag }),
        data: { url: push.url ?? "/" },
      });
      const nav = self.navigator as WorkerNavigator & { setAppBadge?: (n: number) => Promise<void> };
      if (push.unread !== undefined && nav.setAppBadge) await nav.setAppBadge(push.unread).catch(() => undefined);
    })(),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data as { url?: string } | undefined)?.url ?? "/";
  event.waitUntil(self.clients.openWindow(url));
});

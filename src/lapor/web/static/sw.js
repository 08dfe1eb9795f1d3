// The service worker (served at /sw.js, so its scope is the whole site): shows the Web Push
// notifications the notifier sends, and opens the report when one is tapped. Nothing else: the
// pages need the network anyway (they are live), so there is no offline cache to go stale.
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function readPush(event) {
  if (!event.data) return {};
  try {
    return event.data.json();
  } catch {
    return { body: event.data.text() };
  }
}

// Only our own pages: a push names a path, never another site.
function sameOriginUrl(path) {
  try {
    const url = new URL(path || "/", self.location.origin);
    return url.origin === self.location.origin ? url.href : self.location.origin + "/";
  } catch {
    return self.location.origin + "/";
  }
}

self.addEventListener("push", (event) => {
  const push = readPush(event);
  const title = typeof push.title === "string" && push.title ? push.title : "Lapor Kampus";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof push.body === "string" ? push.body : "",
      // One notification per report on the screen: a newer status replaces the older one.
      tag: typeof push.tag === "string" ? push.tag : undefined,
      renotify: typeof push.tag === "string",
      icon: "/static/img/icon-192.png",
      badge: "/static/img/badge-96.png",
      data: { url: sameOriginUrl(push.url), report_id: push.report_id, status: push.status },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = sameOriginUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (client.url.split("#")[0] === target && "focus" in client) return client.focus();
      }
      return self.clients.openWindow(target);
    }),
  );
});

// The service worker (served at /sw.js as an ES module, so its scope is the whole site):
//  - shows the Web Push notifications the notifier sends, and opens the report when one is tapped;
//  - keeps the report form's shell (the form page and the static files it needs) so that the form
//    opens without a signal once it has been visited. Nothing else is ever cached: no API answer
//    (reports, tokens, other people's data), no tracking page, no staff page, no photo;
//  - sends the reports that waited for a signal (js/outbox.js) when Background Sync says the
//    network is back; browsers without it send them the next time a page is opened.

import { SYNC_TAG, flush } from "/static/js/outbox.js";

const CACHE = "lapor-shell-v1";
const FORM_PAGE = "/";
// What the form needs to open offline; fetched again (network first) whenever there is a signal.
const SHELL = [
  FORM_PAGE,
  "/static/css/app.css",
  "/static/js/report-form.js",
  "/static/js/my-reports.js",
  "/static/js/my-reports-list.js",
  "/static/js/db.js",
  "/static/js/outbox.js",
  "/static/js/outbox-page.js",
  "/static/js/photo.js",
  "/static/js/supporter.js",
  "/static/img/icon.svg",
  "/static/img/camera.svg",
  "/manifest.webmanifest",
];
const NETWORK_WAIT_MS = 6000; // on "lie-fi" (a signal that carries nothing) the copy beats waiting
const SYNC_JITTER_MS = 3000; // everyone in a lecture hall gets their signal back at the same moment

self.addEventListener("install", (event) => {
  // Where the browser can (Static Routing API), what is not the shell never wakes this worker:
  // forms posted by staff and the API's answers go straight to the network.
  if (event.addRoutes) {
    event.waitUntil(event.addRoutes([{ condition: { requestMethod: "POST" }, source: "network" }]).catch(() => {}));
  }
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .catch(() => {}) // offline at install: the shell is cached on the next visit instead
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

/** The cache key of a request this worker may keep, or null: the form page and static files only. */
function shellKey(request) {
  if (request.method !== "GET") return null;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return null;
  if (url.pathname === FORM_PAGE && request.mode === "navigate") return FORM_PAGE; // any ?location=
  if (url.pathname.startsWith("/static/") || url.pathname === "/manifest.webmanifest") return url.pathname;
  return null;
}

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error("slow")), ms))]);
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  const fetching = fetch(request).then(async (response) => {
    // Only a plain answer of our own (no redirect to a sign-in page, no error page).
    if (response.ok && response.type === "basic" && !response.redirected) await cache.put(key, response.clone());
    return response;
  });
  try {
    return await withTimeout(fetching, NETWORK_WAIT_MS);
  } catch {
    const cached = await cache.match(key);
    if (cached) return cached;
    return fetching; // nothing kept: the network's answer (or its error), however slow
  }
}

self.addEventListener("fetch", (event) => {
  const key = shellKey(event.request);
  if (key) event.respondWith(networkFirst(event.request, key));
  // Anything else goes to the network untouched and is never stored here.
});

// --- Reports that waited for a signal --------------------------------------------------------

async function notifySent(entry, answer) {
  if (self.Notification && self.Notification.permission !== "granted") return;
  const notice = entry.notice || {};
  await self.registration.showNotification(notice.title || "Lapor Kampus", {
    body: notice.body || entry.title || "",
    tag: `sent-${answer.id}`,
    icon: "/static/img/icon-192.png",
    badge: "/static/img/badge-96.png",
    data: { url: `/r/${encodeURIComponent(answer.id)}`, report_id: answer.id },
  });
}

async function sendWaiting(lastChance) {
  await new Promise((resolve) => setTimeout(resolve, Math.random() * SYNC_JITTER_MS));
  // The network is back: what failed for want of it goes now; what the server asked to wait for
  // (429, 503 with Retry-After) still waits its turn.
  const result = await flush({ ignoreNetworkBackoff: true, onSent: notifySent });
  // Still waiting: fail the event, so that the browser fires it again later (it backs off too).
  if (result && result.waiting > 0 && !lastChance) throw new Error("reports still waiting");
}

self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(sendWaiting(event.lastChance));
});

// --- Web Push ------------------------------------------------------------------------------------

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

// Web Push in the browser: register the service worker (/sw.js), subscribe with the server's
// VAPID key, and hand the subscription to the API. Any step may fail (an old browser, a blocked
// permission, no push service reachable): callers then keep the in-page notifications.

const SUBSCRIBE_TIMEOUT_MS = 15000; // a browser that cannot reach its push service may never answer

/** True where the Push API can work at all (secure context, service workers, PushManager). */
export function pushSupported() {
  return window.isSecureContext && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

function keyBytes(base64url) {
  const base64 = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(window.atob(base64), (c) => c.charCodeAt(0));
}

function sameKey(buffer, bytes) {
  if (!buffer) return false;
  const known = new Uint8Array(buffer);
  return known.length === bytes.length && known.every((value, index) => value === bytes[index]);
}

function withTimeout(promise, ms) {
  return Promise.race([
    promise,
    new Promise((_, reject) => window.setTimeout(() => reject(new Error("push subscription timed out")), ms)),
  ]);
}

/** This browser's push subscription for the server's current key (made if needed). */
export async function browserSubscription() {
  // A module worker (it imports js/outbox.js): registered with the same type everywhere.
  const registration = await navigator.serviceWorker.register("/sw.js", { type: "module" });
  await navigator.serviceWorker.ready;
  const answer = await fetch("/api/push/vapid-public-key", { headers: { Accept: "application/json" } });
  if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
  const key = keyBytes((await answer.json()).public_key);
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && !sameKey(subscription.options && subscription.options.applicationServerKey, key)) {
    await subscription.unsubscribe(); // made for another server key: the push service would refuse us
    subscription = null;
  }
  if (!subscription) {
    subscription = await withTimeout(
      registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
      SUBSCRIBE_TIMEOUT_MS,
    );
  }
  return subscription;
}

/** Subscribe and send the subscription to ``url`` with ``body``; throws if anything fails. */
export async function subscribeTo(url, body, headers = {}) {
  const subscription = await browserSubscription();
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
    body: JSON.stringify({ ...body, subscription: subscription.toJSON() }),
  });
  if (response.status !== 202) throw new Error(`HTTP ${response.status}`);
}

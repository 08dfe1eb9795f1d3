// On every page of the site: register the service worker, and send the reports that waited for a
// signal — on opening the page, when the browser says it is online again, and when the next
// retry is due. Background Sync in the service worker does the same with the page closed, where
// the browser has it (Chromium); elsewhere, opening any page of the site is what sends them.

import { SYNC_TAG, flush, nextDue, onOutboxChange } from "./outbox.js";

const MAX_TIMER_MS = 30 * 60_000;
let timer = null;

/** This site's service worker (registered if needed), or null where there is none. */
export async function serviceWorker() {
  if (!("serviceWorker" in navigator)) return null;
  try {
    await navigator.serviceWorker.register("/sw.js", { type: "module" });
    return await navigator.serviceWorker.ready;
  } catch {
    return null; // an old browser, a private window that refuses workers: the page sends instead
  }
}

/** Ask the browser to wake the service worker when the network is back (Background Sync). */
export async function requestSync() {
  const registration = await serviceWorker();
  if (!registration || !registration.sync) return false;
  try {
    await registration.sync.register(SYNC_TAG);
    return true;
  } catch {
    return false;
  }
}

async function schedule() {
  window.clearTimeout(timer);
  const due = await nextDue().catch(() => null);
  if (due === null) return;
  timer = window.setTimeout(() => sendWaiting(), Math.min(MAX_TIMER_MS, Math.max(1000, due - Date.now())));
}

/** Send what is due (everything with ``force``, or only ``keys``); returns {sent, waiting}. */
export async function sendWaiting({ force = false, keys = null, ignoreNetworkBackoff = false } = {}) {
  let result = { sent: 0, waiting: 0 };
  try {
    result = await flush({ force, keys, ignoreNetworkBackoff });
  } catch {
    // No IndexedDB here (some private windows): nothing can have waited.
  }
  if (result.waiting > 0) await requestSync();
  await schedule();
  return result;
}

// Back online: what failed for want of a network goes now (after a moment's jitter: a whole
// lecture hall gets its signal back at once); what the server asked to wait for still waits.
window.addEventListener("online", () =>
  window.setTimeout(() => sendWaiting({ ignoreNetworkBackoff: true }), Math.random() * 3000),
);
onOutboxChange(() => schedule());
serviceWorker();
sendWaiting();

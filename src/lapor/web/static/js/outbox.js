// Reports waiting to be sent, kept in IndexedDB so that nothing a student entered is lost to a
// missing signal. Shared by the pages and the service worker (no window, no document here).
//
// A report goes in the outbox before its first attempt and leaves it when the server has it
// (202), so a page closed mid-request loses nothing either. Each keeps the Idempotency-Key and
// the photo bytes of its first attempt: a resend after an answer lost in transit gets the first
// answer back (docs/api.md) instead of making a second report. Only one sender at a time (a Web
// Lock), and retries back off with jitter: a whole lecture hall may come back online at once.

import { allItems, deleteItem, getItem, putItem } from "./db.js";
import { rememberSent } from "./my-reports.js";

export const SYNC_TAG = "lapor-outbox";
const CHANNEL = "lapor-outbox";
const BASE_DELAY_MS = 10_000;
const MAX_DELAY_MS = 15 * 60_000;
const TIMEOUT_MS = 60_000; // a shrunk photo on a weak signal: slow, yet not forever

/** How long to wait before attempt number ``attempts`` + 1: exponential, with "equal jitter"
 * (half fixed, half random) so that retries spread out yet never come at once; never sooner than
 * the server's Retry-After, to which jitter is added too (everyone got the same Retry-After). */
export function retryDelay(attempts, retryAfterSeconds = 0, random = Math.random) {
  const cap = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  const backoff = cap / 2 + random() * (cap / 2);
  const asked = retryAfterSeconds > 0 ? retryAfterSeconds * 1000 + random() * BASE_DELAY_MS : 0;
  return Math.round(Math.max(backoff, asked));
}

function announce(change) {
  if (typeof BroadcastChannel !== "function") return;
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage(change);
  channel.close();
}

/** Call ``listener(change)`` whenever the outbox changes, in this or another tab or the worker. */
export function onOutboxChange(listener) {
  if (typeof BroadcastChannel !== "function") return;
  new BroadcastChannel(CHANNEL).addEventListener("message", (event) => listener(event.data));
}

/** Keep a report to send: {key, fields: [[name, value]…], photo, photoName, title, notice}. */
export async function keep(report) {
  const entry = {
    state: "waiting",
    attempts: 0,
    nextAt: 0,
    lastFailure: null,
    error: null,
    fieldErrors: null,
    createdAt: new Date().toISOString(),
    ...report,
  };
  await putItem("outbox", entry);
  announce({ type: "kept", key: entry.key });
  return entry;
}

/** Every kept report, oldest first. */
export async function keptReports() {
  const items = await allItems("outbox");
  return items.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export async function forget(key) {
  await deleteItem("outbox", key);
  announce({ type: "forgotten", key });
}

function formBody(entry) {
  const body = new FormData();
  for (const [name, value] of entry.fields) body.append(name, value);
  if (entry.photo) body.append("photo", entry.photo, entry.photoName || "foto.jpg");
  return body;
}

/** One attempt: {outcome: "sent" | "retry" | "refused", …}. Never throws. */
export async function attempt(entry) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let answer;
  try {
    answer = await fetch("/api/reports", {
      method: "POST",
      body: formBody(entry),
      credentials: "same-origin",
      headers: { Accept: "application/json", "Idempotency-Key": entry.key },
      signal: controller.signal,
    });
  } catch {
    return { outcome: "retry", failure: "network" }; // offline, timed out, or the connection dropped
  } finally {
    clearTimeout(timer);
  }
  const payload = await answer.json().catch(() => null);
  if (answer.status === 202 && payload && payload.id) return { outcome: "sent", answer: payload };
  if (answer.status === 408 || answer.status === 429 || answer.status >= 500) {
    const retryAfter = Number.parseInt(answer.headers.get("Retry-After") || "0", 10);
    return { outcome: "retry", failure: "server", retryAfter: Number.isFinite(retryAfter) ? retryAfter : 0 };
  }
  const problem = (payload && payload.error) || {};
  return { outcome: "refused", status: answer.status, message: problem.message || null, fields: problem.fields || null };
}

/** Record an attempt's outcome; returns the entry as now kept (null once sent). */
export async function settle(entry, result) {
  if (result.outcome === "sent") {
    await rememberSent({
      id: result.answer.id,
      token: result.answer.tracking_token,
      title: entry.title,
      at: new Date().toISOString(),
    });
    await deleteItem("outbox", entry.key);
    announce({ type: "sent", key: entry.key, id: result.answer.id });
    return null;
  }
  const attempts = entry.attempts + 1;
  const updated =
    result.outcome === "refused"
      ? { ...entry, attempts, state: "refused", error: result.message, fieldErrors: result.fields }
      : {
          ...entry,
          attempts,
          lastFailure: result.failure,
          nextAt: Date.now() + retryDelay(attempts, result.retryAfter),
        };
  await putItem("outbox", updated);
  announce({ type: updated.state, key: entry.key });
  return updated;
}

async function exclusively(work) {
  const locks = globalThis.navigator && navigator.locks;
  if (!locks) return work();
  // Another tab or the service worker is sending already: it will send these too.
  return locks.request(CHANNEL, { ifAvailable: true }, (lock) => (lock ? work() : { busy: true }));
}

/** Send the waiting reports that are due (all of them with ``force``, or only ``keys``).
 * ``onSent(entry, answer)`` is called for each one the server took. Returns {sent, waiting}. */
export function flush({ force = false, keys = null, ignoreNetworkBackoff = false, onSent = null } = {}) {
  return exclusively(async () => {
    let sent = 0;
    let waiting = 0;
    for (const stored of await keptReports()) {
      if (stored.state !== "waiting") continue;
      if (keys && !keys.includes(stored.key)) continue;
      // Reread: a tab may have sent or deleted it since the list was read.
      const entry = await getItem("outbox", stored.key);
      if (!entry || entry.state !== "waiting") continue;
      const due =
        force || entry.nextAt <= Date.now() || (ignoreNetworkBackoff && entry.lastFailure === "network");
      if (!due) {
        waiting += 1;
        continue;
      }
      const result = await attempt(entry);
      const after = await settle(entry, result);
      if (result.outcome === "sent") {
        sent += 1;
        if (onSent) await onSent(entry, result.answer);
      } else if (after && after.state === "waiting") {
        waiting += 1;
      }
    }
    return { sent, waiting };
  });
}

/** The soonest time (ms since the epoch) a waiting report is due, or null. */
export async function nextDue() {
  const due = (await keptReports()).filter((entry) => entry.state === "waiting").map((entry) => entry.nextAt);
  return due.length ? Math.min(...due) : null;
}

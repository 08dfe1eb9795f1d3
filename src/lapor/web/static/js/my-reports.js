// "My reports": the ids and tracking tokens this browser has sent, kept in IndexedDB (the
// service worker, which sends the reports that waited for a signal, cannot read localStorage).
// Shared by the report form (which lists them), the tracking page (which saves the token) and
// the service worker. A page calls openMine() once; reads are then synchronous.

import { allItems, getItem, putItem } from "./db.js";

const OLD_KEY = "lapor.myReports"; // where they were kept before (localStorage)
const LIMIT = 50;
let cache = [];
let durable = true; // false where IndexedDB is unavailable: localStorage as before

function newestFirst(items) {
  return items.sort((a, b) => String(b.at || "").localeCompare(String(a.at || "")));
}

function fromLocalStorage() {
  try {
    const items = JSON.parse(globalThis.localStorage.getItem(OLD_KEY) || "[]");
    return Array.isArray(items) ? items.filter((item) => item && typeof item.id === "string") : [];
  } catch {
    return [];
  }
}

/** Load the list (moving what localStorage held into IndexedDB, once); newest first. */
export async function openMine() {
  try {
    const old = fromLocalStorage();
    for (const item of old) await putItem("mine", item);
    if (old.length) globalThis.localStorage.removeItem(OLD_KEY);
    cache = newestFirst(await allItems("mine"));
  } catch {
    durable = false; // no IndexedDB (some private windows): this page's memory and localStorage
    cache = fromLocalStorage();
  }
  return cache;
}

/** The remembered reports, newest first (as of openMine and this page's own changes). */
export function loadReports() {
  return cache.slice(0, LIMIT);
}

function merge(known, report) {
  const merged = { ...known };
  for (const [name, value] of Object.entries(report)) {
    if (value !== undefined && value !== null && value !== "") merged[name] = value;
  }
  return merged;
}

/** Add or update one report ({id, token, title, at}) in IndexedDB; fields already known are kept.
 * Usable from the service worker (no page cache there). */
export async function rememberSent(report) {
  const merged = merge((await getItem("mine", report.id)) || {}, report);
  await putItem("mine", merged);
  return merged;
}

/** The page's version: updates the list at once, then stores it. */
export function rememberReport(report) {
  const index = cache.findIndex((item) => item.id === report.id);
  const merged = merge(index >= 0 ? cache.splice(index, 1)[0] : {}, report);
  cache.unshift(merged);
  const stored = durable
    ? rememberSent(merged)
    : Promise.resolve().then(() => globalThis.localStorage.setItem(OLD_KEY, JSON.stringify(cache.slice(0, LIMIT))));
  // Private mode or a full storage: the report is still sent; only the list is not kept.
  stored.catch(() => {});
  return merged;
}

/** The tracking token kept for one report, or null. */
export function tokenFor(id) {
  const item = cache.find((entry) => entry.id === id);
  return item && typeof item.token === "string" ? item.token : null;
}

/** A time in the page's language and the browser's time zone ("25 Nov 2026, 13.44"). */
export function formatTime(iso, lang) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  }).format(date);
}

/** Show every <time datetime> under root in local time (the server writes UTC). */
export function localiseTimes(root, lang) {
  for (const element of root.querySelectorAll("time[datetime]")) {
    element.textContent = formatTime(element.getAttribute("datetime"), lang);
  }
}

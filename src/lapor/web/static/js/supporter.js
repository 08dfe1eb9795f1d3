// This browser's supporter id: base64url of 18 random bytes, made once and kept in localStorage.
// It says "me too" on a report (counted once per report), follows that report with Web Push, and
// goes with this browser's own reports so that its own "me too" never counts. It proves nothing
// but "the same browser as before"; the server keeps only its hash. This module alone owns it.

const ID_KEY = "lapor.supporter";
const SUPPORTED_KEY = "lapor.supported"; // ids of the reports this browser said "me too" on
const ID_FORMAT = /^[A-Za-z0-9_-]{22,86}$/; // 16 to 64 bytes, base64url without padding
const LIMIT = 200;

function storage() {
  try {
    return globalThis.localStorage;
  } catch {
    return null; // storage blocked: an id for this page only
  }
}

let pageOnly = null;

function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The supporter id, made on first use. */
export function supporterId() {
  const store = storage();
  const kept = store ? store.getItem(ID_KEY) : pageOnly;
  if (kept && ID_FORMAT.test(kept)) return kept;
  const made = newId();
  if (store) {
    try {
      store.setItem(ID_KEY, made);
    } catch {
      // full or blocked: used for this page only
    }
  }
  pageOnly = made;
  return made;
}

function supportedList() {
  try {
    const list = JSON.parse(storage()?.getItem(SUPPORTED_KEY) || "[]");
    return Array.isArray(list) ? list.filter((id) => typeof id === "string") : [];
  } catch {
    return [];
  }
}

/** Whether this browser said "me too" on the report (it survives a reload). */
export function hasSupported(reportId) {
  return supportedList().includes(reportId);
}

function markSupported(reportId) {
  const list = [reportId, ...supportedList().filter((id) => id !== reportId)].slice(0, LIMIT);
  try {
    storage()?.setItem(SUPPORTED_KEY, JSON.stringify(list));
  } catch {
    // the count was taken anyway; only the pressed state is not kept
  }
}

/** POST the "me too": {ok, status, body}. A 202 is remembered. */
export async function sayMeToo(reportId) {
  const response = await fetch(`/api/reports/${encodeURIComponent(reportId)}/me-too`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ supporter: supporterId() }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 202) markSupported(reportId);
  return { ok: response.status === 202, status: response.status, body };
}

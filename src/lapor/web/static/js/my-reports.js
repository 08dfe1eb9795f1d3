// "My reports": the ids and tracking tokens this browser has sent, kept in localStorage.
// Shared by the report form (which lists them) and the tracking page (which saves the token).

const KEY = "lapor.myReports";
const LIMIT = 50;

/** The remembered reports, newest first; [] when storage is unavailable or damaged. */
export function loadReports() {
  try {
    const items = JSON.parse(window.localStorage.getItem(KEY) || "[]");
    if (!Array.isArray(items)) return [];
    return items.filter((item) => item && typeof item.id === "string");
  } catch {
    return [];
  }
}

/** Add or update one report ({id, token, title, at}); fields already known are kept. */
export function rememberReport(report) {
  const items = loadReports();
  const index = items.findIndex((item) => item.id === report.id);
  const known = index >= 0 ? items.splice(index, 1)[0] : {};
  const merged = { ...known };
  for (const [name, value] of Object.entries(report)) {
    if (value !== undefined && value !== null && value !== "") merged[name] = value;
  }
  items.unshift(merged);
  try {
    window.localStorage.setItem(KEY, JSON.stringify(items.slice(0, LIMIT)));
  } catch {
    // Private mode or a full storage: the report is still sent; only the list is not kept.
  }
  return merged;
}

/** The tracking token kept for one report, or null. */
export function tokenFor(id) {
  const item = loadReports().find((entry) => entry.id === id);
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

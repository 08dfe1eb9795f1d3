// The room page, live: new reports of this room appear, changed ones update, closed ones go.
// One EventSource on /api/places/{code}/events, from the stream id the page was rendered at.
// Each report has a "me too" button (js/me-too.js); its count follows the ``me_too`` events.
import { enhance, setCount } from "./me-too.js";

const page = document.querySelector(".room-page");
const list = page.querySelector(".room-reports");
const empty = page.querySelector(".room-page__empty");
const statuses = JSON.parse(page.dataset.statuses);
const categories = JSON.parse(page.dataset.categories);
const OPEN = new Set(["pending", "in_progress"]);

function item(report) {
  const li = document.createElement("li");
  li.className = "room-report";
  li.dataset.id = report.id;
  li.dataset.meToo = String(report.me_too || 0);
  const link = document.createElement("a");
  link.href = `/r/${report.id}`;
  const title = document.createElement("span");
  title.className = "room-report__title";
  title.textContent = report.title;
  link.append(title);
  const meta = document.createElement("span");
  meta.className = "room-report__meta";
  const status = document.createElement("span");
  status.className = "room-report__status";
  status.textContent = statuses[report.status] || report.status;
  meta.append(`${categories[report.category] || report.category} · `, status, ` · ${page.dataset.justNow}`);
  li.append(link, " ", meta);
  return li;
}

function apply(event) {
  const data = JSON.parse(event.data);
  const shown = list.querySelector(`[data-id="${CSS.escape(data.id)}"]`);
  // Hidden by staff, or merged into another report (status duplicate): off this page.
  if (event.type === "hidden" || !OPEN.has(data.status)) {
    shown?.remove();
  } else if (shown) {
    shown.querySelector(".room-report__status").textContent = statuses[data.status] || data.status;
    // A merge into this report brings its new count (the duplicate's reporter and supporters).
    if (typeof data.me_too === "number") setCount(shown, data.me_too);
  } else if (data.report) {
    const added = item(data.report);
    list.prepend(added);
    enhance(added);
  }
  empty.hidden = list.children.length > 0;
}

function count(event) {
  const data = JSON.parse(event.data);
  const shown = list.querySelector(`[data-id="${CSS.escape(data.id)}"]`);
  if (shown && typeof data.me_too === "number") setCount(shown, data.me_too);
}

for (const report of list.querySelectorAll(".room-report")) enhance(report);

const url = `/api/places/${encodeURIComponent(page.dataset.room)}/events?last_event_id=${encodeURIComponent(page.dataset.lastEventId)}`;
const source = new EventSource(url);
source.addEventListener("status", apply);
source.addEventListener("me_too", count);
for (const type of ["merged", "hidden", "shown"]) source.addEventListener(type, apply);

// The room page, live: new reports of this room appear, changed ones update, closed ones go.
// One EventSource on /api/places/{code}/events, from the stream id the page was rendered at.
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
  } else if (data.report) {
    list.prepend(item(data.report));
  }
  empty.hidden = list.children.length > 0;
}

const url = `/api/places/${encodeURIComponent(page.dataset.room)}/events?last_event_id=${encodeURIComponent(page.dataset.lastEventId)}`;
const source = new EventSource(url);
source.addEventListener("status", apply);
for (const type of ["merged", "hidden", "shown"]) source.addEventListener(type, apply);

// The "my reports" box of the report form: the reports waiting on this phone (their age, "send
// now", "delete", and "edit" for one the server refused), then the reports this browser has sent,
// each with its current status. Items are built with textContent only.

import { formatTime, loadReports, openMine } from "./my-reports.js";
import { forget, keptReports } from "./outbox.js";
import { sendWaiting } from "./outbox-page.js";

let texts = null;
let onEdit = null;

function statusBadge(status) {
  const badge = document.createElement("span");
  badge.className = `status-badge status-badge--small status-badge--${status}`;
  badge.textContent = texts.status[status] || status;
  return badge;
}

const minutes = (ms) => Math.round(ms / 60_000);

/** "5 minutes ago", in the page's language. */
function age(iso) {
  const elapsed = Date.now() - Date.parse(iso);
  const format = new Intl.RelativeTimeFormat(texts.lang === "en" ? "en" : "id", { numeric: "auto" });
  if (elapsed < 3_600_000) return format.format(-minutes(elapsed), "minute");
  if (elapsed < 86_400_000) return format.format(-Math.round(elapsed / 3_600_000), "hour");
  return format.format(-Math.round(elapsed / 86_400_000), "day");
}

function smallButton(label, action) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button button--secondary button--small";
  button.textContent = label;
  button.addEventListener("click", action);
  return button;
}


function keptItem(entry) {
  const item = document.createElement("li");
  item.className = `my-reports__item my-reports__item--${entry.state}`;
  item.dataset.key = entry.key;
  const title = document.createElement("span");
  title.className = "my-reports__title";
  title.textContent = entry.title || texts.untitled;
  const meta = document.createElement("span");
  meta.className = "my-reports__meta";
  const badge = document.createElement("span");
  badge.className = `status-badge status-badge--small status-badge--${entry.state === "refused" ? "rejected" : "queued"}`;
  badge.textContent = entry.state === "refused" ? texts.kept.refused : texts.kept.waiting;
  const when = document.createElement("time");
  when.dateTime = entry.createdAt;
  const fresh = Date.now() - Date.parse(entry.createdAt) < 60_000;
  when.textContent = fresh ? texts.kept.saved_just_now : texts.kept.saved.replace("{age}", age(entry.createdAt));
  meta.append(badge, " ", when);
  const actions = document.createElement("span");
  actions.className = "my-reports__actions";
  if (entry.state === "refused") {
    const why = document.createElement("span");
    why.className = "my-reports__why";
    why.textContent = entry.error || texts.refused;
    meta.append(" ", why);
    actions.append(smallButton(texts.kept.edit, () => onEdit(entry)));
  } else {
    actions.append(
      smallButton(texts.kept.send_now, async (event) => {
        event.target.disabled = true;
        await sendWaiting({ force: true, keys: [entry.key] });
        await listMyReports();
      }),
    );
  }
  actions.append(
    smallButton(texts.kept.delete, async () => {
      if (!window.confirm(texts.kept.delete_confirm)) return;
      await forget(entry.key);
      await listMyReports();
    }),
  );
  item.append(title, meta, actions);
  return item;
}

function sentItem(report) {
  const item = document.createElement("li");
  item.className = "my-reports__item";
  const link = document.createElement("a");
  link.className = "my-reports__link";
  link.href = `/r/${encodeURIComponent(report.id)}`;
  link.textContent = report.title || texts.untitled;
  const meta = document.createElement("span");
  meta.className = "my-reports__meta";
  if (report.followed && !report.token) {
    // Said "me too" on it: followed here, its public progress on its page.
    const followed = document.createElement("span");
    followed.className = "my-reports__followed";
    followed.textContent = texts.followed;
    meta.append(followed, " ");
  }
  if (report.at) {
    const time = document.createElement("time");
    time.dateTime = report.at;
    time.textContent = formatTime(report.at, texts.lang);
    meta.append(time);
  }
  item.append(link, meta);
  fetch(`/api/reports/${encodeURIComponent(report.id)}`, { headers: { Accept: "application/json" } })
    .then((answer) => (answer.ok ? answer.json() : null))
    .then((view) => {
      if (view && view.status) meta.prepend(statusBadge(view.status));
    })
    .catch(() => {});
  return item;
}

/** List the reports waiting on this phone (with their age, send now, delete), then the reports
 * this browser has sent, each with its current status. */
export async function listMyReports() {
  const kept = await keptReports().catch(() => []);
  await openMine();
  const reports = loadReports();
  const total = kept.length + reports.length;
  const waitingList = document.getElementById("my-reports-waiting");
  waitingList.replaceChildren(...kept.map(keptItem));
  waitingList.hidden = kept.length === 0;
  document.getElementById("my-reports-waiting-title").hidden = kept.length === 0;
  const list = document.getElementById("my-reports-list");
  list.replaceChildren(...reports.slice(0, 20).map(sentItem));
  if (total === 0) return;
  document.getElementById("my-reports").hidden = false;
  document.getElementById("mine-count").textContent = `(${total})`;
  document.getElementById("mine-jump").hidden = false;
}

/** Fill the box now, and again whenever ``listMyReports`` is called; ``edit(entry)`` puts a
 * refused report back in the form. */
export function setUpMyReports(pageTexts, edit) {
  texts = pageTexts;
  onEdit = edit;
  return listMyReports();
}

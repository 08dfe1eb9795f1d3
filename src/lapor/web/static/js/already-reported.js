// The report form's "Sudah dilaporkan? / Already reported?": once a room (by its code) and a
// category are chosen, that room's open reports in that category, each with a "me too" button
// (js/me-too.js). The cheapest duplicate is the one never sent. Without this script, or when the
// list cannot be fetched, the form simply goes on.

import { enhance } from "./me-too.js";

const form = document.getElementById("report-form");
const section = document.getElementById("already");
const list = document.getElementById("already-list");
const texts = JSON.parse(document.getElementById("form-texts").textContent);
const justNow = JSON.parse(document.getElementById("me-too-texts").textContent).just_now;
const CODE = /^[A-Z0-9][A-Z0-9.-]{0,19}$/;
let timer;
let asked = "";

function value(name) {
  const field = form.elements.namedItem(name);
  return field && typeof field.value === "string" ? field.value.trim() : "";
}

function categoryName(slug) {
  const option = [...form.elements.namedItem("category").options].find((o) => o.value === slug);
  return option ? option.textContent : slug;
}

/** "3 hours ago", in the page's language. */
function age(iso) {
  const elapsed = Date.now() - Date.parse(iso);
  if (elapsed < 60_000) return justNow;
  const format = new Intl.RelativeTimeFormat(texts.lang === "en" ? "en" : "id", { numeric: "auto" });
  if (elapsed < 3_600_000) return format.format(-Math.round(elapsed / 60_000), "minute");
  if (elapsed < 86_400_000) return format.format(-Math.round(elapsed / 3_600_000), "hour");
  return format.format(-Math.round(elapsed / 86_400_000), "day");
}

function item(report) {
  const li = document.createElement("li");
  li.className = "room-report";
  li.dataset.id = report.id;
  li.dataset.meToo = String(report.me_too || 0);
  li.dataset.title = report.title;
  const link = document.createElement("a");
  link.href = `/r/${encodeURIComponent(report.id)}`;
  const title = document.createElement("span");
  title.className = "room-report__title";
  title.textContent = report.title;
  link.append(title);
  const meta = document.createElement("span");
  meta.className = "room-report__meta";
  const status = document.createElement("span");
  status.className = "room-report__status";
  status.textContent = texts.status[report.status] || report.status;
  const when = document.createElement("time");
  when.dateTime = report.created_at;
  when.textContent = age(report.created_at);
  meta.append(`${categoryName(report.category)} · `, status, " · ", when);
  li.append(link, " ", meta);
  return li;
}

async function look() {
  const room = value("room").toUpperCase();
  const category = value("category");
  const wanted = CODE.test(room) && category ? `${room}|${category}` : "";
  if (wanted === asked) return;
  asked = wanted;
  if (!wanted) {
    section.hidden = true;
    return;
  }
  try {
    const query = new URLSearchParams({ category, sort: "me_too", limit: "5" });
    const response = await fetch(`/api/places/${encodeURIComponent(room)}/reports?${query}`, {
      headers: { Accept: "application/json" },
    });
    if (asked !== wanted) return; // the student chose again meanwhile
    const items = response.ok ? (await response.json()).items : [];
    list.replaceChildren(...items.map(item));
    for (const shown of list.children) enhance(shown);
    section.hidden = items.length === 0;
  } catch {
    section.hidden = true; // offline: the form goes on
  }
}

function soon() {
  clearTimeout(timer);
  timer = setTimeout(look, 250);
}

form.elements.namedItem("room").addEventListener("input", soon);
form.elements.namedItem("room").addEventListener("change", soon);
form.elements.namedItem("category").addEventListener("change", soon);
look();

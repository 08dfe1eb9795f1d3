// The "Saya juga / Me too" button on a report of the room page and of the form's "already
// reported?" list: it counts this browser once (js/supporter.js), shows the new count, remembers
// the report as followed in "my reports", and offers Web Push for that report's public changes.
// Texts come from the page (<script id="me-too-texts">, templates/_me_too.html); items are built
// with textContent only.

import { rememberReport } from "./my-reports.js";
import { pushSupported, subscribeTo } from "./push.js";
import { hasSupported, sayMeToo, supporterId } from "./supporter.js";

const PUSH_KEY = "lapor.pushReports"; // shared with the tracking page: reports this browser gets pushes for
const texts = JSON.parse(document.getElementById("me-too-texts").textContent);

function pushReports() {
  try {
    const ids = JSON.parse(window.localStorage.getItem(PUSH_KEY) || "[]");
    return Array.isArray(ids) ? ids : [];
  } catch {
    return [];
  }
}

function rememberPush(id) {
  try {
    window.localStorage.setItem(PUSH_KEY, JSON.stringify([id, ...pushReports().filter((x) => x !== id)].slice(0, 50)));
  } catch {
    // the subscription works; the page only forgets that it has one
  }
}

function countText(n) {
  if (!n) return texts.none;
  return (n === 1 ? texts.one : texts.many).replace("{n}", String(n));
}

function button(className, label) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = `button button--secondary button--small ${className}`;
  element.textContent = label;
  return element;
}

/** Show ``n`` as the item's count (a live ``me_too`` event, or after a press). */
export function setCount(item, n) {
  item.dataset.meToo = String(n);
  const count = item.querySelector(".me-too__count");
  if (count) count.textContent = countText(n);
}

function showPressed(parts) {
  parts.press.disabled = true;
  parts.press.setAttribute("aria-pressed", "true");
  parts.press.textContent = texts.pressed;
}

function offerPush(item, parts) {
  const id = item.dataset.id;
  if (!pushSupported() || !("Notification" in window) || Notification.permission === "denied") return;
  if (pushReports().includes(id)) {
    parts.status.textContent = texts.push_on;
    return;
  }
  parts.notify.hidden = false;
}

async function turnOnPush(item, parts) {
  const id = item.dataset.id;
  parts.notify.disabled = true;
  try {
    if (Notification.permission === "default") await Notification.requestPermission();
    if (Notification.permission !== "granted") throw new Error("not allowed");
    await subscribeTo(`/api/reports/${encodeURIComponent(id)}/push-subscriptions`, { supporter: supporterId() });
    rememberPush(id);
    parts.notify.hidden = true;
    parts.status.textContent = texts.push_on;
  } catch {
    parts.status.textContent = Notification.permission === "denied" ? texts.push_denied : texts.push_failed;
    parts.notify.disabled = false;
  }
}

async function press(item, parts) {
  const id = item.dataset.id;
  parts.press.disabled = true;
  parts.status.textContent = texts.sending;
  let answer;
  try {
    answer = await sayMeToo(id);
  } catch {
    parts.status.textContent = texts.failed;
    parts.press.disabled = false;
    return;
  }
  if (!answer.ok) {
    const error = answer.body && answer.body.error;
    parts.status.textContent = (error && error.message) || texts.failed;
    if (error && error.duplicate_of) {
      const link = document.createElement("a");
      link.href = `/r/${encodeURIComponent(error.duplicate_of)}`;
      link.textContent = texts.see_kept;
      parts.status.append(" ", link);
    }
    // Closed or gone: pressing again cannot help. Anything else (a flood limit, a hiccup) can.
    parts.press.disabled = answer.status === 404 || answer.status === 409;
    return;
  }
  // The answer's count is the one before this "me too" is applied; the room page's live ``me_too``
  // event may have brought the new one already (it can arrive before this answer is read).
  const shown = Number(item.dataset.meToo || "0");
  setCount(item, Math.max(shown, Number(answer.body.me_too || 0) + 1));
  showPressed(parts);
  parts.status.textContent = texts.counted;
  const title = item.dataset.title || item.querySelector(".room-report__title")?.textContent || "";
  rememberReport({ id, title, at: new Date().toISOString(), followed: true });
  offerPush(item, parts);
}

/** Add the button, the count and the notification offer to one report item (data-id, data-me-too). */
export function enhance(item) {
  if (item.querySelector(".me-too")) return;
  const box = document.createElement("div");
  box.className = "me-too";
  const parts = {
    press: button("me-too__button", texts.button),
    count: document.createElement("span"),
    status: document.createElement("p"),
    notify: button("me-too__notify", texts.notify),
  };
  parts.press.setAttribute("aria-pressed", "false");
  parts.count.className = "me-too__count";
  parts.count.id = `me-too-count-${item.dataset.id}`;
  parts.press.setAttribute("aria-describedby", parts.count.id);
  parts.status.className = "hint me-too__status";
  parts.status.setAttribute("role", "status");
  parts.notify.hidden = true;
  const bell = document.createElement("img");
  bell.src = "/static/img/bell.svg";
  bell.alt = "";
  bell.width = 20;
  bell.height = 20;
  parts.notify.prepend(bell);
  box.append(parts.press, " ", parts.count, parts.status, parts.notify);
  item.append(box);
  setCount(item, Number(item.dataset.meToo || "0"));
  if (hasSupported(item.dataset.id)) {
    showPressed(parts);
    offerPush(item, parts);
  }
  parts.press.addEventListener("click", () => press(item, parts));
  parts.notify.addEventListener("click", () => turnOnPush(item, parts));
}

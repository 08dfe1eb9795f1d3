// The tracking page, live: the report's events over SSE (EventSource reconnects and resumes by
// itself with Last-Event-ID), the progress line and the timeline updated in place, a connection
// indicator, and notifications: Web Push, or from the page when the report is resolved. Data is put in the page with
// textContent only: whatever a report says is never parsed as HTML.

import { localiseTimes, openMine, rememberReport, tokenFor } from "./my-reports.js";
import { pushSupported, subscribeTo } from "./push.js";
import { hasSupported, supporterId } from "./supporter.js";
import { followKept } from "./track-merged.js";

const data = JSON.parse(document.getElementById("track-data").textContent);
const texts = data.texts;
const STEPS = ["queued", "pending", "in_progress", "resolved"];
const EVENT_TYPES = ["status", "comment", "priority", "assignment", "refused", "photo", "merged"];

const state = {
  status: data.status,
  updatedAt: data.updated_at,
  photoShown: Boolean(data.photo_url),
  photoStatus: data.photo_status || "none", // none, pending, ready, unusable
  seen: new Set(),
  lastEventId: null,
  source: null,
  retryTimer: null,
  keptStatus: null, // merged into another report: that report's status (track-merged.js)
  following: false,
};

const $ = (id) => document.getElementById(id);

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
}

function millis(iso) {
  const value = Date.parse(iso);
  return Number.isNaN(value) ? iso : String(value);
}

// --- The tracking token: kept in this browser, then taken out of the address bar -------------

function keepToken() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get("token");
  if (token) {
    rememberReport({ id: data.id, token, title: data.title, at: data.created_at });
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
}

// --- Status, progress line, banners ----------------------------------------------------------

function setStatus(status, { live = false, note = null } = {}) {
  const before = state.status;
  state.status = status;
  const badge = $("status-badge");
  badge.textContent = texts.status[status] || status;
  badge.className = `status-badge status-badge--${status}`;
  $("status-card").className = `card status-card status-card--${status}`;

  const rejected = status === "rejected";
  $("progress").hidden = rejected || status === "duplicate";
  $("rejected").hidden = !rejected;
  $("status-hint").hidden = rejected;
  $("status-hint").textContent = texts.status_hint[status] || "";
  if (rejected && live) {
    $("rejected-reason").textContent = note ? fill(texts.rejected_reason, { reason: note }) : texts.rejected_no_reason;
  }

  const reached = STEPS.indexOf(status);
  for (const step of $("progress").querySelectorAll(".progress__step")) {
    const index = STEPS.indexOf(step.dataset.status);
    const done = reached >= 0 && index <= reached;
    const current = index === reached;
    step.classList.toggle("is-done", done);
    step.classList.toggle("is-current", current);
    if (current) step.setAttribute("aria-current", "step");
    else step.removeAttribute("aria-current");
    step.querySelector(".progress__state").textContent = current
      ? `(${texts.step_current})`
      : done
        ? `(${texts.step_done})`
        : "";
  }

  const banner = $("resolved-banner");
  banner.hidden = status !== "resolved";
  if (status === "resolved" && before !== "resolved" && live) announceResolved();
  updateReopen();
}

function announceResolved() {
  const banner = $("resolved-banner");
  banner.setAttribute("role", "alert");
  banner.hidden = false;
  // With Web Push on, the service worker shows it (also when this page is closed): not twice.
  if ("Notification" in window && Notification.permission === "granted" && !pushOn()) {
    try {
      const notification = new Notification(texts.notification_title, {
        body: data.title,
        tag: `lapor-${data.id}`,
        icon: "/static/img/icon.svg",
        lang: data.lang,
      });
      notification.addEventListener("click", () => window.focus());
    } catch {
      // Some mobile browsers only show notifications from a service worker: the banner remains.
    }
  }
}

function setPriority(priority) {
  const holder = $("priority-value");
  const badge = document.createElement("span");
  badge.className = `urgency urgency--${priority}`;
  const dot = document.createElement("span");
  dot.className = `urgency-dot urgency-dot--${priority}`;
  dot.setAttribute("aria-hidden", "true");
  badge.append(dot, texts.priority[priority] || priority);
  holder.replaceChildren(badge);
}

function setAssignee(name) {
  $("assignee-row").hidden = !name;
  $("assignee-value").textContent = name || "";
}

// --- Photo --------------------------------------------------------------------------------

function showPhoto(photoUrl, thumbnailUrl) {
  if (!photoUrl || state.photoShown) return;
  state.photoShown = true;
  state.photoStatus = "ready";
  const link = document.createElement("a");
  link.className = "photo__link";
  link.href = photoUrl;
  const image = document.createElement("img");
  image.className = "photo__image";
  image.src = thumbnailUrl || photoUrl;
  image.alt = texts.photo_alt;
  const caption = document.createElement("span");
  caption.className = "photo__open";
  caption.textContent = texts.photo_open;
  link.append(image, caption);
  $("photo-body").replaceChildren(link);
  $("photo-card").hidden = false;
}

/** The photo's state changed (a `photo` event, or a fresh read): rendered, or unusable and why. */
function setPhotoStatus(photoStatus, reason) {
  if (!photoStatus || photoStatus === state.photoStatus || state.photoShown) return;
  state.photoStatus = photoStatus;
  if (photoStatus === "ready") {
    resync(); // the event does not carry the photo's address; the report does
    return;
  }
  if (photoStatus !== "unusable") return;
  const message = document.createElement("p");
  message.className = "photo__unusable";
  message.id = "photo-unusable";
  message.textContent = reason ? fill(texts.photo_unusable, { reason }) : texts.photo_unusable_plain;
  $("photo-body").replaceChildren(message);
  $("photo-card").hidden = false;
}

// --- Timeline -------------------------------------------------------------------------------

function entryKey(kind, at) {
  return `${kind}|${millis(at)}`;
}

function entryText(entry) {
  const t = texts.timeline;
  switch (entry.kind) {
    case "queued":
      return t.queued;
    case "created":
      return t.created;
    case "status":
      if (entry.from_status === "resolved" && entry.status === "pending" && !entry.by) return t.reopened;
      return fill(t.status, { status: texts.status[entry.status] || entry.status });
    case "priority": {
      const parts = (entry.note || "").split(" → ");
      const change =
        parts.length === 2
          ? `${texts.priority[parts[0]] || parts[0]} → ${texts.priority[parts[1]] || parts[1]}`
          : entry.note || "";
      return fill(t.priority, { change });
    }
    case "assignment":
      return entry.note ? fill(t.assignment, { name: entry.note }) : t.unassigned;
    case "comment":
      return t.comment;
    case "photo":
      return t.photo;
    case "merged":
    case "hidden":
    case "shown":
      return t[entry.kind];
    default:
      return entry.kind;
  }
}

/** One timeline item, built the same way as the server renders it in track.html. */
function timelineItem(entry) {
  const item = document.createElement("li");
  item.className = `timeline__item timeline__item--${entry.kind}`;
  if (entry.status) item.classList.add(`timeline__item--${entry.status}`);
  item.dataset.kind = entry.kind;
  item.dataset.at = entry.at;
  const what = document.createElement("p");
  what.className = "timeline__what";
  what.textContent = entryText(entry);
  item.append(what);
  if (entry.note && (entry.kind === "comment" || entry.kind === "status" || entry.kind === "photo")) {
    const note = document.createElement("p");
    note.className = "timeline__note";
    note.textContent = entry.note;
    item.append(note);
  }
  const meta = document.createElement("p");
  meta.className = "timeline__meta";
  const time = document.createElement("time");
  time.dateTime = entry.at;
  meta.append(time);
  if (entry.by) meta.append(` · ${fill(texts.timeline.by, { name: entry.by })}`);
  else if (entry.kind === "status") meta.append(` · ${texts.timeline.by_reporter}`);
  item.append(meta);
  localiseTimes(item, data.lang);
  return item;
}

function knownEntries() {
  const keys = new Set();
  for (const item of $("timeline").children) keys.add(entryKey(item.dataset.kind, item.dataset.at));
  return keys;
}

function appendEntry(entry) {
  if (entry.kind === "refused") return; // a staff mistake the system refused: nothing happened
  if (knownEntries().has(entryKey(entry.kind, entry.at))) return;
  const item = timelineItem(entry);
  item.classList.add("timeline__item--new");
  $("timeline").append(item);
}

/** An SSE event as a timeline entry (the shape GET /api/reports/{id} uses). */
function entryOfEvent(event) {
  let kind = event.type;
  if (kind === "status" && event.previous_status === "queued") kind = "created";
  return {
    at: event.at,
    kind,
    status: event.type === "status" ? event.status : null,
    from_status: event.previous_status,
    note: event.note,
    by: event.by,
  };
}

// --- Catching up from the API (after the page was rendered, before the stream was opened) -----
// The server renders the public view (it never sees the token, which lives in the fragment and
// in this browser): with the token, the reporter's view adds the description, photo, timeline.

function trackingHeaders() {
  const token = tokenFor(data.id);
  return token ? { "X-Tracking-Token": token } : {};
}

function showDescription(text) {
  if (typeof text !== "string") return;
  $("description").textContent = text;
  $("description-block").hidden = false;
}

async function resync() {
  let view;
  try {
    const answer = await fetch(data.links.self, {
      headers: { Accept: "application/json", ...trackingHeaders() },
      referrerPolicy: "no-referrer",
    });
    if (!answer.ok) return;
    view = await answer.json();
  } catch {
    return;
  }
  for (const entry of view.timeline || []) appendEntry(entry);
  if (data.private) {
    // A hidden report's page: nothing of it was rendered; its reporter's view fills it in.
    if (view.title) $("report-title").textContent = view.title;
    $("location-value").textContent = view.location || "";
    $("category-value").textContent = view.category || "";
    for (const part of document.querySelectorAll("[data-private]")) part.hidden = false;
  }
  if (view.duplicate_of) follow();
  const rejection = [...(view.timeline || [])]
    .reverse()
    .find((entry) => entry.kind === "status" && entry.status === "rejected");
  setStatus(view.status, { live: true, note: rejection ? rejection.note : null });
  state.updatedAt = view.updated_at;
  setPriority(view.priority);
  setAssignee(view.assignee);
  showDescription(view.description);
  showPhoto(view.photo_url, view.thumbnail_url);
  if (view.photo_status === "unusable") {
    const why = [...(view.timeline || [])].reverse().find((entry) => entry.kind === "photo");
    setPhotoStatus("unusable", why ? why.note : null);
  }
}

// --- The event stream -----------------------------------------------------------------------

function setConnection(name) {
  const live = $("live");
  live.hidden = false;
  live.dataset.state = name;
  $("live-text").textContent = texts.live[name];
}

function onEvent(message) {
  let event;
  try {
    event = JSON.parse(message.data);
  } catch {
    return;
  }
  if (message.lastEventId) state.lastEventId = message.lastEventId;
  if (!event.event_id) {
    // The snapshot that starts a stream: catch up if anything changed since the page was made.
    const photoChanged = event.photo_status && event.photo_status !== state.photoStatus;
    if (event.status !== state.status || millis(event.at) !== millis(state.updatedAt) || photoChanged) resync();
    return;
  }
  if (state.seen.has(event.event_id)) return; // a redelivered command: already shown
  state.seen.add(event.event_id);
  if (event.type === "refused") return;
  if (event.at) state.updatedAt = event.at;
  // A rendered photo is shown, not told; an unusable one gets a timeline entry saying why.
  if (event.type !== "photo" || event.photo_status === "unusable") appendEntry(entryOfEvent(event));
  if (event.type === "status" && event.status) {
    setStatus(event.status, { live: true, note: event.note });
  }
  if (event.type === "priority" && event.priority) setPriority(event.priority);
  if (event.type === "assignment") setAssignee(event.note);
  if (event.type === "photo") setPhotoStatus(event.photo_status, event.note);
  // This report merged into another (not another merged into this one): follow that one.
  if (event.type === "merged" && event.duplicate_of && event.duplicate_of !== data.id) {
    setStatus(event.status, { live: true });
    follow();
  }
}

function follow() {
  if (state.following) return;
  state.following = true;
  followKept(data, {
    headers: trackingHeaders,
    onKeptStatus(status) {
      state.keptStatus = status;
      updateReopen();
    },
  });
}

function connect() {
  if (!("EventSource" in window)) return;
  window.clearTimeout(state.retryTimer);
  // EventSource cannot send headers: the token goes in the query (never logged by the server).
  const query = new URLSearchParams();
  const token = tokenFor(data.id);
  if (token) query.set("token", token);
  if (state.lastEventId) query.set("last_event_id", state.lastEventId);
  const search = query.toString();
  const url = search ? `${data.links.events}?${search}` : data.links.events;
  const source = new EventSource(url);
  state.source = source;
  setConnection("connecting");
  source.addEventListener("open", () => setConnection("open"));
  source.addEventListener("error", () => {
    setConnection("lost");
    if (source.readyState === EventSource.CLOSED) {
      // An HTTP error ends an EventSource for good; start a new one, resuming where we were.
      state.retryTimer = window.setTimeout(connect, 5000);
    }
  });
  for (const type of EVENT_TYPES) source.addEventListener(type, onEvent);
}

// --- Notifications --------------------------------------------------------------------------
// Web Push where the browser can (the notification comes with the page closed); otherwise, or
// until then, a notification from this page when its event stream says the report is resolved.

const PUSH_KEY = "lapor.pushReports"; // ids of reports this browser gets Web Push for

function pushReports() {
  try {
    const ids = JSON.parse(window.localStorage.getItem(PUSH_KEY) || "[]");
    return Array.isArray(ids) ? ids : [];
  } catch {
    return [];
  }
}

function pushOn() {
  return pushReports().includes(data.id);
}

function rememberPush() {
  try {
    window.localStorage.setItem(PUSH_KEY, JSON.stringify([data.id, ...pushReports()].slice(0, 50)));
  } catch {
    // Storage unavailable: the subscription still works; the page only forgets it has one.
  }
}

function updateNotify() {
  const box = $("notify");
  const button = $("notify-button");
  const status = $("notify-status");
  box.hidden = state.status === "resolved" || state.status === "rejected";
  if (!("Notification" in window)) {
    button.hidden = true;
    status.textContent = texts.notify.unsupported;
    return;
  }
  const permission = Notification.permission;
  button.hidden = permission !== "default";
  if (permission === "denied") status.textContent = texts.notify.denied;
  else if (pushOn()) status.textContent = texts.notify.push_on;
  else if (permission === "granted") status.textContent = texts.notify.on;
  else status.textContent = canPush() ? texts.notify.push_hint : texts.notify.hint;
}

function canPush() {
  // The reporter (tracking token), or this browser said "me too" on it: a follower's pushes.
  return pushSupported() && (Boolean(tokenFor(data.id)) || hasSupported(data.id));
}

function pushCredential() {
  const token = tokenFor(data.id);
  return token ? { tracking_token: token } : { supporter: supporterId() };
}

async function startPush() {
  if (pushOn() || !canPush() || Notification.permission !== "granted") return;
  try {
    await subscribeTo(
      `/api/reports/${encodeURIComponent(data.id)}/push-subscriptions`,
      pushCredential(),
      { "X-CSRF-Token": data.csrf_token },
    );
    rememberPush();
  } catch {
    // No push service reachable, or the server said no: this page still notifies while open.
  }
  updateNotify();
}

function setUpNotify() {
  $("notify-button").addEventListener("click", async () => {
    try {
      await Notification.requestPermission();
    } catch {
      // Very old browsers take a callback instead; they get the in-page banner.
    }
    updateNotify();
    startPush();
  });
  updateNotify();
  // Allowed before (for another report, say): this one gets Web Push too, without asking again.
  if (state.status !== "resolved" && state.status !== "rejected") startPush();
}

// --- Reopen ("not fixed"), for the browser that holds the tracking token -----------------------

function updateReopen() {
  // A merged duplicate's token says "not fixed" of the report it follows (the API sends it there).
  const resolved = state.status === "resolved" || (state.status === "duplicate" && state.keptStatus === "resolved");
  $("reopen").hidden = !(resolved && tokenFor(data.id));
  updateNotify();
}

function setUpReopen() {
  const form = $("reopen-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    const status = $("reopen-status");
    button.disabled = true;
    try {
      const answer = await fetch(`${data.links.self}/reopen`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": data.csrf_token },
        body: JSON.stringify({ tracking_token: tokenFor(data.id), note: $("reopen-note").value.trim() || null }),
      });
      if (answer.status === 202) {
        status.textContent = texts.reopen_sent;
        form.reset();
        return;
      }
      const payload = await answer.json().catch(() => null);
      status.textContent = (payload && payload.error && payload.error.message) || texts.reopen_failed;
    } catch {
      status.textContent = texts.reopen_failed;
    }
    button.disabled = false;
  });
}

// --- The private link: this report's address with its tracking token, for another device ------
// The token left the address bar (keepToken), so the page's own address cannot act on the report;
// this link can, which is why the page says what it allows and to keep it private.

function setUpPrivateLink() {
  const token = tokenFor(data.id);
  if (!token) return; // opened without the token: this browser has no private link to give
  $("private-link").hidden = false;
  const link = `${window.location.origin}/r/${encodeURIComponent(data.id)}#token=${encodeURIComponent(token)}`;
  $("private-link-copy").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(link);
      $("private-link-status").textContent = texts.private_link_copied;
    } catch {
      // No clipboard here (a page not served over HTTPS, or permission refused): copy by hand.
      const field = $("private-link-value");
      field.value = link;
      $("private-link-manual").hidden = false;
      field.focus();
      field.select();
    }
  });
}

await openMine(); // the tokens this browser holds (IndexedDB): read once, then synchronously
keepToken();
$("public-only").hidden = Boolean(tokenFor(data.id));
if (tokenFor(data.id)) resync(); // the reporter's view: what the public page leaves out
setUpPrivateLink();
localiseTimes(document, data.lang);
setUpNotify();
setUpReopen();
updateReopen();
connect();
if (data.duplicate_of) follow();

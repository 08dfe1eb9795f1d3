// The report form: checks that mirror the server's, a photo preview, a submit over fetch that can
// never create two reports (one Idempotency-Key per rendered form), and "my reports".
// Without this script the form still works: it posts to "/" and the server answers.

import { formatTime, loadReports, rememberReport } from "./my-reports.js";

const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"];
const PHOTO_SUFFIXES = /\.(jpe?g|png|webp|heic|heif)$/i;

const form = document.getElementById("report-form");
const texts = JSON.parse(document.getElementById("form-texts").textContent);
const summary = document.getElementById("error-summary");
const summaryList = document.getElementById("error-summary-list");
const submitButton = document.getElementById("submit-button");
const photoInput = document.getElementById("photo");
const preview = document.getElementById("photo-preview");
const previewImage = document.getElementById("photo-preview-image");
const previewName = document.getElementById("photo-preview-name");
const photoButton = document.getElementById("photo-button");
const photoButtonText = document.getElementById("photo-button-text");
const description = document.getElementById("description");
const counter = document.getElementById("description-count");

let previewUrl = null;
let sending = false;
let sent = false;

/** The length the server will count: code points, with each line break sent as CR LF. */
function serverLength(value) {
  return [...value.trim().replace(/\r?\n/g, "\r\n")].length;
}

function value(name) {
  const field = form.elements.namedItem(name);
  return field && typeof field.value === "string" ? field.value.trim() : "";
}

function photoProblem(file) {
  if (!file) return null;
  const typeOk = file.type ? PHOTO_TYPES.includes(file.type.toLowerCase()) : PHOTO_SUFFIXES.test(file.name);
  if (!typeOk) return texts.photo_type;
  if (file.size > texts.max_photo_bytes) return texts.photo_size;
  return null;
}

/** The same rules as the API (src/lapor/services/intake.py): {field: message}. */
function validate() {
  const errors = {};
  const name = value("reporter_name");
  if (!name) errors.reporter_name = texts.required.reporter_name;
  else if ([...name].length > 120) errors.reporter_name = texts.too_long.reporter_name;
  if ([...value("reporter_contact")].length > 200) errors.reporter_contact = texts.too_long.reporter_contact;
  if (!value("category")) errors.category = texts.required.category;
  const location = value("location");
  if (!location) errors.location = texts.required.location;
  else if ([...location].length > 200) errors.location = texts.too_long.location;
  const text = value("description");
  if (!text) errors.description = texts.required.description;
  else if (serverLength(text) < 10) errors.description = texts.too_short.description;
  else if (serverLength(text) > 4000) errors.description = texts.too_long.description;
  const photo = photoProblem(photoInput.files && photoInput.files[0]);
  if (photo) errors.photo = photo;
  return errors;
}

function fieldGroup(name) {
  return form.querySelector(`[data-field="${name}"]`);
}

function controlsOf(name) {
  return [...form.querySelectorAll(`[name="${name}"]`)];
}

function setFieldError(name, message) {
  const group = fieldGroup(name);
  if (!group) return;
  const error = document.getElementById(`${name}-error`);
  const control = name === "priority" ? group.querySelector("fieldset") : controlsOf(name)[0];
  group.classList.toggle("field--error", Boolean(message));
  if (error) {
    error.querySelector(".field-error__text").textContent = message || "";
    error.hidden = !message;
  }
  if (!control) return;
  const described = (control.getAttribute("aria-describedby") || "")
    .split(" ")
    .filter((id) => id && id !== `${name}-error`);
  if (message) described.push(`${name}-error`);
  if (described.length) control.setAttribute("aria-describedby", described.join(" "));
  else control.removeAttribute("aria-describedby");
  if (name !== "priority") {
    if (message) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  }
}

/** Show errors next to their fields and in the summary at the top, then move focus there. */
function showErrors(errors) {
  for (const name of texts.order) {
    if (name !== "form") setFieldError(name, errors[name]);
  }
  summaryList.replaceChildren();
  const names = [
    ...texts.order.filter((name) => errors[name]),
    ...Object.keys(errors).filter((name) => !texts.order.includes(name)),
  ];
  for (const name of names) {
    const item = document.createElement("li");
    const anchor = texts.anchors[name];
    if (anchor) {
      const link = document.createElement("a");
      link.href = `#${anchor}`;
      link.textContent = errors[name];
      item.append(link);
    } else {
      item.textContent = errors[name];
    }
    summaryList.append(item);
  }
  const any = names.length > 0;
  summary.hidden = !any;
  document.title = `${any ? texts.title_error : texts.title} · ${texts.site_name}`;
  if (any) {
    summary.focus();
    summary.scrollIntoView({ block: "start" });
  }
}

/** Take one field's line out of the summary; with none left, the summary and the title go too. */
function summaryLinks(name) {
  const anchor = texts.anchors[name];
  return [...summaryList.querySelectorAll("a")].filter((link) => anchor && link.getAttribute("href") === `#${anchor}`);
}

function dropFromSummary(name) {
  for (const link of summaryLinks(name)) link.closest("li").remove();
  if (summaryList.children.length === 0) {
    summary.hidden = true;
    document.title = `${texts.title} · ${texts.site_name}`;
  }
}

// A field marked wrong is checked again as it changes, and its error goes once it is corrected.
// A problem the field did not have waits for the next submit: nobody is told off mid-word.
function recheck(event) {
  const name = event.target && event.target.name;
  const group = name ? fieldGroup(name) : null;
  if (!group || !(group.classList.contains("field--error") || summaryLinks(name).length > 0)) return;
  const message = validate()[name];
  if (message) {
    // Still wrong, perhaps differently ("required" → "too short"): say what is wrong now.
    setFieldError(name, message);
    for (const link of summaryLinks(name)) link.textContent = message;
    return;
  }
  setFieldError(name, null);
  dropFromSummary(name);
}

// A link in the summary puts the cursor in its field, with the field's label in view.
summary.addEventListener("click", (event) => {
  const link = event.target.closest("a[href^='#']");
  if (!link) return;
  const target = document.getElementById(link.getAttribute("href").slice(1));
  if (!target) return;
  event.preventDefault();
  const legendOrLabel =
    target.closest("fieldset")?.querySelector("legend") || form.querySelector(`label[for="${target.id}"]`);
  (legendOrLabel || target).scrollIntoView({ block: "start" });
  target.focus({ preventScroll: true });
});

function updateCounter() {
  const count = serverLength(description.value);
  counter.textContent = texts.count.replace("{count}", String(count)).replace("{max}", "4000");
  counter.classList.toggle("counter--over", count > 4000);
}

function clearPreview() {
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = null;
  previewImage.removeAttribute("src");
  previewImage.hidden = false;
  previewName.textContent = "";
  preview.hidden = true;
  photoButtonText.textContent = texts.photo_choose;
}

function showPreview() {
  clearPreview();
  const file = photoInput.files && photoInput.files[0];
  if (!file) {
    setFieldError("photo", null);
    return;
  }
  const problem = photoProblem(file);
  setFieldError("photo", problem);
  previewName.textContent = file.name;
  preview.hidden = false;
  if (problem) {
    previewImage.hidden = true; // name and "remove" only: it cannot be sent as it is
    return;
  }
  previewUrl = URL.createObjectURL(file);
  previewImage.src = previewUrl;
  photoButtonText.textContent = texts.photo_change;
}

// Some photos (HEIC on most browsers) cannot be shown, yet are fine to send: keep the name only.
previewImage.addEventListener("error", () => {
  if (previewImage.getAttribute("src")) previewImage.hidden = true;
});

document.getElementById("photo-remove").addEventListener("click", () => {
  photoInput.value = "";
  clearPreview();
  setFieldError("photo", null);
  dropFromSummary("photo");
  photoInput.focus();
});

function setSending(on) {
  sending = on;
  submitButton.disabled = on;
  submitButton.textContent = on ? texts.sending : texts.submit;
  form.setAttribute("aria-busy", on ? "true" : "false");
}

async function submit(event) {
  event.preventDefault();
  if (sending) return;
  const errors = validate();
  if (Object.keys(errors).length > 0) {
    showErrors(errors);
    return;
  }
  const body = new FormData(form);
  const key = body.get("idempotency_key");
  const csrf = body.get("csrf_token");
  body.delete("idempotency_key");
  body.delete("csrf_token");
  const photo = body.get("photo");
  if (!(photo instanceof File) || photo.size === 0) body.delete("photo");
  setSending(true);
  let answer;
  try {
    answer = await fetch("/api/reports", {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "Idempotency-Key": key, "X-CSRF-Token": csrf },
    });
  } catch {
    setSending(false);
    showErrors({ form: texts.network_error });
    return;
  }
  let payload = null;
  try {
    payload = await answer.json();
  } catch {
    payload = null;
  }
  if (answer.status === 202 && payload && payload.id) {
    sent = true;
    rememberReport({
      id: payload.id,
      token: payload.tracking_token,
      title: value("description").split("\n")[0].slice(0, 80),
      at: new Date().toISOString(),
    });
    window.location.assign(`/r/${encodeURIComponent(payload.id)}#token=${encodeURIComponent(payload.tracking_token)}`);
    return;
  }
  setSending(false);
  const problem = payload && payload.error;
  if (problem && problem.fields && Object.keys(problem.fields).length > 0) {
    const shown = {};
    for (const [name, message] of Object.entries(problem.fields)) {
      shown[texts.order.includes(name) ? name : "form"] = message;
    }
    showErrors(shown);
  } else if (answer.status === 413) {
    showErrors({ photo: (problem && problem.message) || texts.photo_size });
  } else {
    showErrors({ form: (problem && problem.message) || texts.network_error });
  }
}

function statusBadge(status) {
  const badge = document.createElement("span");
  badge.className = `status-badge status-badge--small status-badge--${status}`;
  badge.textContent = texts.status[status] || status;
  return badge;
}

/** List the reports this browser has sent, each with its current status. */
function listMyReports() {
  const reports = loadReports();
  if (reports.length === 0) return;
  const list = document.getElementById("my-reports-list");
  list.replaceChildren();
  for (const report of reports.slice(0, 20)) {
    const item = document.createElement("li");
    item.className = "my-reports__item";
    const link = document.createElement("a");
    link.className = "my-reports__link";
    link.href = `/r/${encodeURIComponent(report.id)}`;
    link.textContent = report.title || texts.untitled;
    const meta = document.createElement("span");
    meta.className = "my-reports__meta";
    if (report.at) {
      const time = document.createElement("time");
      time.dateTime = report.at;
      time.textContent = formatTime(report.at, texts.lang);
      meta.append(time);
    }
    item.append(link, meta);
    list.append(item);
    fetch(`/api/reports/${encodeURIComponent(report.id)}`, { headers: { Accept: "application/json" } })
      .then((answer) => (answer.ok ? answer.json() : null))
      .then((view) => {
        if (view && view.status) meta.prepend(statusBadge(view.status));
      })
      .catch(() => {});
  }
  document.getElementById("my-reports").hidden = false;
  document.getElementById("mine-count").textContent = `(${reports.length})`;
  document.getElementById("mine-jump").hidden = false;
}

/** A fresh key for a new report (crypto.randomUUID needs HTTPS; this works over plain HTTP too). */
function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
}

// Back from the tracking page (restored from the back/forward cache): a blank form for a new
// report, with a new key, so that it is not answered with the report just sent.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted || !sent) return;
  sent = false;
  form.reset();
  form.elements.namedItem("idempotency_key").value = newKey();
  clearPreview();
  setSending(false);
  updateCounter();
  listMyReports();
});

form.addEventListener("submit", submit);
photoInput.addEventListener("change", showPreview);
form.addEventListener("input", recheck);
form.addEventListener("change", recheck);
// The native file control speaks the browser's language; this button speaks the page's.
photoInput.classList.add("file-input--enhanced");
photoButton.hidden = false;
description.addEventListener("input", updateCounter);
counter.hidden = false;
updateCounter();
listMyReports();
// After a server-side check failed, start where the problems are listed.
if (!summary.hidden) summary.focus();

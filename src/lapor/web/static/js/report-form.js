// The report form: checks that mirror the server's, a photo preview, a submit over fetch that can
// never create two reports (one Idempotency-Key per form), and "my reports". The photo is shrunk
// in the browser first (js/photo.js). A report that cannot reach the server (no signal, a timeout,
// a 5xx, a 429/503) is kept on this phone and sent by itself later (js/outbox.js).
// Without this script the form still works: it posts to "/" and the server answers.

import { rememberReport } from "./my-reports.js";
import { listMyReports, setUpMyReports } from "./my-reports-list.js";
import { attempt, forget, keep, onOutboxChange, settle } from "./outbox.js";
import { requestSync } from "./outbox-page.js";
import { shrinkPhoto } from "./photo.js";
import { supporterId } from "./supporter.js";

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
let editing = null; // the key of a refused report being corrected here: forgotten once resent

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
  // The size is judged after shrinking (at submit): a 15 MB camera photo becomes well under 1 MB.
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

/** What the form holds, as the outbox keeps it: fields, and the photo shrunk once. */
async function prepared() {
  const body = new FormData(form);
  const fields = [];
  for (const [name, field] of body.entries()) {
    if (typeof field === "string" && name !== "idempotency_key" && name !== "csrf_token") fields.push([name, field]);
  }
  const file = photoInput.files && photoInput.files[0];
  const photo = file && file.size > 0 ? await shrinkPhoto(file) : null;
  const title = value("description").split("\n")[0].slice(0, 80);
  return {
    key: body.get("idempotency_key"),
    fields,
    photo: photo ? photo.blob : null,
    photoName: photo ? photo.name : null,
    title,
    notice: { title: texts.sent_title, body: texts.sent_body.replace("{title}", title) },
  };
}

/** Keep the report on this phone before the first attempt; null where the browser cannot. */
async function keepFirst(report) {
  let entry;
  try {
    entry = await keep(report);
  } catch {
    return null; // no IndexedDB (an old private window): sent as before, but not kept
  }
  // Ask the browser not to evict what waits here when space runs short (it may still say no).
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  return entry;
}

function newForm() {
  form.reset();
  form.elements.namedItem("idempotency_key").value = newKey();
  form.elements.namedItem("supporter").value = supporterId();
  editing = null;
  clearPreview();
  updateCounter();
}

async function submit(event) {
  event.preventDefault();
  if (sending) return;
  const errors = validate();
  if (Object.keys(errors).length > 0) {
    showErrors(errors);
    return;
  }
  setSending(true);
  const report = await prepared();
  if (report.photo && report.photo.size > texts.max_photo_bytes) {
    setSending(false);
    showErrors({ photo: texts.photo_size });
    return;
  }
  const kept = await keepFirst(report);
  if (kept && editing) await forget(editing).catch(() => {});
  editing = null;
  const result = await attempt(report);
  if (result.outcome === "sent") {
    sent = true;
    if (kept) await settle(kept, result).catch(() => {});
    rememberReport({ id: result.answer.id, token: result.answer.tracking_token, title: report.title, at: new Date().toISOString() });
    const { id, tracking_token: token } = result.answer;
    window.location.assign(`/r/${encodeURIComponent(id)}#token=${encodeURIComponent(token)}`);
    return;
  }
  setSending(false);
  if (result.outcome === "retry" && kept) {
    await settle(kept, result);
    await requestSync();
    newForm();
    showSaved(report.title);
    await listMyReports();
    return;
  }
  // Refused while the student is here to correct it: shown on the form, not kept.
  if (kept) await forget(report.key).catch(() => {});
  showRefusal(result);
}

function showRefusal(result) {
  const fields = result.fields || {};
  if (Object.keys(fields).length > 0) {
    const shown = {};
    for (const [name, message] of Object.entries(fields)) {
      shown[texts.order.includes(name) ? name : "form"] = message;
    }
    showErrors(shown);
  } else if (result.status === 413) {
    showErrors({ photo: result.message || texts.photo_size });
  } else {
    showErrors({ form: result.message || texts.network_error });
  }
}

/** "Saved on this phone; it will be sent by itself": said plainly, where the form was sent. */
function showSaved(title) {
  const saved = document.getElementById("saved-offline");
  document.getElementById("saved-offline-title").textContent = title;
  saved.hidden = false;
  summary.hidden = true;
  saved.focus();
  saved.scrollIntoView({ block: "start" });
}

/** Put a refused report back in the form, its problems marked; it leaves the outbox once resent. */
function edit(entry) {
  newForm();
  for (const [name, field] of entry.fields) {
    const control = form.elements.namedItem(name); // a radio group's value picks its radio
    if (control) control.value = field;
  }
  if (entry.photo && typeof DataTransfer === "function") {
    const files = new DataTransfer();
    files.items.add(new File([entry.photo], entry.photoName || "foto.jpg", { type: entry.photo.type }));
    photoInput.files = files.files;
    showPreview();
  }
  editing = entry.key;
  updateCounter();
  document.getElementById("saved-offline").hidden = true;
  const errors = {};
  for (const [name, message] of Object.entries(entry.fieldErrors || {})) {
    errors[texts.order.includes(name) ? name : "form"] = message;
  }
  if (Object.keys(errors).length === 0) errors.form = entry.error || texts.refused;
  showErrors(errors);
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
  newForm();
  setSending(false);
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
// The page may come from the service worker's copy (opened offline): its key was made for
// another form. A key of our own, unless the server just checked this very form (errors shown).
if (summary.hidden) form.elements.namedItem("idempotency_key").value = newKey();
// This browser's supporter id goes with its report: its own "me too" on it never counts.
form.elements.namedItem("supporter").value = supporterId();
// A location from the QR code's address, where the copy was made without it.
const where = new URLSearchParams(window.location.search).get("location");
if (where && !value("location")) form.elements.namedItem("location").value = where;
setUpMyReports(texts, edit);
onOutboxChange(() => listMyReports());
// Ages ("saved 5 minutes ago") move on while the page stays open.
window.setInterval(() => {
  if (!document.getElementById("my-reports-waiting").hidden) listMyReports();
}, 60_000);
// After a server-side check failed, start where the problems are listed.
if (!summary.hidden) summary.focus();

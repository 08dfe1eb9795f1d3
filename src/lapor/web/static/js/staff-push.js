// The dashboard's "turn on notifications": Web Push for new emergencies and for the reports
// assigned to this staff member. The request is cookie-authenticated, so it carries the CSRF token.

import { pushSupported, subscribeTo } from "./push.js";

const box = document.getElementById("staff-push");
const button = document.getElementById("staff-push-button");
const status = document.getElementById("staff-push-status");
const config = JSON.parse(document.getElementById("staff-push-config").textContent);
const DONE_KEY = "lapor.staffPush";

function done() {
  try {
    return window.localStorage.getItem(DONE_KEY) === "on";
  } catch {
    return false;
  }
}

async function turnOn() {
  button.disabled = true;
  status.textContent = config.texts.working;
  try {
    if ((await Notification.requestPermission()) !== "granted") {
      status.textContent = config.texts.denied;
      return;
    }
    await subscribeTo(
      "/api/staff/push-subscriptions",
      { emergencies: true, assigned: true },
      { "X-CSRF-Token": config.csrf_token },
    );
    try {
      window.localStorage.setItem(DONE_KEY, "on");
    } catch {
      // Storage unavailable: the subscription still works.
    }
    button.hidden = true;
    status.textContent = config.texts.on;
  } catch {
    status.textContent = config.texts.failed;
  } finally {
    button.disabled = false;
  }
}

if (pushSupported()) {
  box.hidden = false;
  if (Notification.permission === "denied") {
    button.hidden = true;
    status.textContent = config.texts.denied;
  } else if (done() && Notification.permission === "granted") {
    button.hidden = true;
    status.textContent = config.texts.on;
  }
  button.addEventListener("click", turnOn);
}

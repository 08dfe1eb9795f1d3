// A merged duplicate's tracking page follows the report that was kept: its public view and the
// steps of its status (the `kept` of GET /api/reports/{duplicate}), live from the kept report's
// public event stream. Its reporter is not the kept report's reporter: nothing more is asked for.
// Data is put in the page with textContent only.

import { localiseTimes } from "./my-reports.js";

const $ = (id) => document.getElementById(id);

/**
 * Show the kept report and keep it live. `headers()` gives the tracking token's header (a hidden
 * duplicate answers its reporter only); `onKeptStatus` hears the kept report's status.
 */
export function followKept(data, { headers, onKeptStatus }) {
  const texts = data.texts;
  let source = null;
  let keptId = null;

  function step(entry) {
    const item = document.createElement("li");
    const time = document.createElement("time");
    time.dateTime = entry.at;
    const what = entry.kind === "merged" ? texts.timeline.merged : texts.status[entry.status] || entry.status;
    item.append(time, ` · ${what}`);
    return item;
  }

  function render(kept) {
    $("merged").hidden = false;
    $("kept-private").hidden = Boolean(kept);
    $("kept").hidden = !kept;
    if (!kept) return;
    const link = $("kept-link");
    link.href = `/r/${encodeURIComponent(kept.id)}`;
    link.textContent = kept.title;
    const badge = $("kept-status");
    badge.textContent = texts.status[kept.status] || kept.status;
    badge.className = `status-badge status-badge--small status-badge--${kept.status}`;
    $("kept-fixed").hidden = kept.status !== "resolved";
    const steps = $("kept-steps");
    steps.replaceChildren(...(kept.timeline || []).map(step));
    localiseTimes(steps, data.lang);
    onKeptStatus(kept.status);
    listen(kept.id);
  }

  async function refresh() {
    let view;
    try {
      const answer = await fetch(data.links.self, {
        headers: { Accept: "application/json", ...headers() },
        referrerPolicy: "no-referrer",
      });
      if (!answer.ok) return;
      view = await answer.json();
    } catch {
      return;
    }
    if (view.duplicate_of) render(view.kept || null);
  }

  function listen(id) {
    if (!("EventSource" in window) || keptId === id) return;
    if (source) source.close();
    keptId = id;
    // The kept report's public events (EventSource resumes by itself after a drop).
    source = new EventSource(`/api/reports/${encodeURIComponent(id)}/events`);
    for (const type of ["status", "merged"]) source.addEventListener(type, refresh);
  }

  $("merged").hidden = false;
  refresh();
}

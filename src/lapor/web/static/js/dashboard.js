// The staff dashboard, live: every change the worker commits arrives over SSE, and the table
// body and the counts are fetched again with the page's own filters (the server renders them,
// so there is one template for a row). Rows that are new or changed are highlighted.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("dashboard-config").textContent);
  var live = document.getElementById("live");
  var REFRESH_EVERY_MS = 60000; // ages and overdue flags move with the clock, not with events
  var COALESCE_MS = 250; // a burst of events (a batch of commands) costs one fetch

  var timer = null;
  var inFlight = false;
  var again = false;

  function setLive(state) {
    live.dataset.state = state;
    live.querySelector(".s-live-text").textContent = config.texts[state];
  }

  function stamps() {
    var seen = {};
    document.querySelectorAll("#report-rows tr[data-id]").forEach(function (row) {
      seen[row.dataset.id] = row.dataset.stamp;
    });
    return seen;
  }

  function refresh() {
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    var before = stamps();
    fetch("/staff/partials/rows" + window.location.search, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    })
      .then(function (response) {
        if (response.status === 401) {
          setLive("offline");
          throw new Error("signed out");
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ["report-rows", "status-counts"].forEach(function (id) {
          var next = fresh.getElementById(id);
          var current = document.getElementById(id);
          if (next && current) current.replaceWith(document.adoptNode(next));
        });
        document.querySelectorAll("#report-rows tr[data-id]").forEach(function (row) {
          if (before[row.dataset.id] !== row.dataset.stamp) row.classList.add("is-changed");
        });
      })
      .catch(function () {
        /* the next event or the periodic refresh tries again */
      })
      .finally(function () {
        inFlight = false;
        if (again) {
          again = false;
          schedule();
        }
      });
  }

  function schedule() {
    if (timer !== null) return;
    timer = window.setTimeout(function () {
      timer = null;
      refresh();
    }, COALESCE_MS);
  }

  if (!window.EventSource) {
    setLive("offline");
    window.setInterval(refresh, 5000);
    return;
  }

  // Resume from the event the page was rendered at: nothing committed since is missed.
  var url = "/api/events";
  if (config.cursor) url += "?last_event_id=" + encodeURIComponent(config.cursor);
  var source = new EventSource(url, { withCredentials: true });
  ["status", "refused", "comment", "priority", "assignment", "me_too", "merged", "hidden", "shown"].forEach(function (type) {
    source.addEventListener(type, schedule);
  });
  var everOpen = false;
  source.addEventListener("open", function () {
    setLive("live");
    // After a reconnect the browser resumes with Last-Event-ID; refetch anyway in case the
    // stream had been trimmed past it.
    if (everOpen) schedule();
    everOpen = true;
  });
  source.addEventListener("error", function () {
    setLive(source.readyState === EventSource.CLOSED ? "offline" : "reconnecting");
  });
  window.setInterval(refresh, REFRESH_EVERY_MS);
})();

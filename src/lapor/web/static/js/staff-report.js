// A report's staff page, live: when the worker commits a change to this report (ours or a
// colleague's), the page is fetched again and its live parts (summary, details, actions,
// timeline) are swapped in place, keeping whatever the technician is typing. After a form was
// sent, the same fetch tells what became of it (the server knows: applied, or refused and why).
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("report-config").textContent);
  var notice = document.getElementById("sent-notice");
  var FALLBACK_MS = 3000; // while a sent change is unresolved, ask again even without an event
  var timer = null;
  var tries = 0;

  // Times arrive as UTC ISO strings; show them in the technician's own clock and language.
  var format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    dateStyle: "medium",
    timeStyle: "short",
  });
  function localTimes(root) {
    root.querySelectorAll("time[data-local]").forEach(function (node) {
      var at = new Date(node.getAttribute("datetime"));
      if (!isNaN(at.getTime())) node.textContent = format.format(at);
    });
  }

  // A reload should not say "sent" again.
  if (window.location.search.indexOf("sent=") !== -1 && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname);
  }

  function keepTyping(current, next) {
    current.querySelectorAll("textarea[id], input[id]:not([type=hidden])").forEach(function (field) {
      var twin = next.querySelector("#" + CSS.escape(field.id));
      if (twin && field.value) twin.value = field.value;
    });
    // A choice made in a list but not sent yet (a priority, an assignee) survives too.
    current.querySelectorAll("select[id]").forEach(function (field) {
      var twin = next.querySelector("#" + CSS.escape(field.id));
      var chosen = field.options[field.selectedIndex];
      if (twin && chosen && !chosen.defaultSelected) twin.value = field.value;
    });
    current.querySelectorAll("details[open]").forEach(function (open, index) {
      var twin = next.querySelectorAll("details")[index];
      if (twin) twin.open = true;
    });
  }

  function settle(fresh) {
    var answer = fresh.getElementById("sent-notice");
    if (!notice || !config.sent || !answer || answer.dataset.state === "sent") return;
    notice.textContent = answer.textContent;
    notice.dataset.state = answer.dataset.state;
    config.sent = null;
  }

  function refresh() {
    var url = window.location.pathname;
    if (config.sent) url += "?sent=" + encodeURIComponent(config.sent);
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live][id]").forEach(function (current) {
          var next = fresh.getElementById(current.id);
          if (!next) return;
          var focused = document.activeElement && current.contains(document.activeElement);
          if (focused && document.activeElement.tagName !== "BUTTON") return; // mid-typing: next time
          keepTyping(current, next);
          localTimes(next);
          current.replaceWith(document.adoptNode(next));
        });
        settle(fresh);
      })
      .catch(function () {
        /* the next event, or the fallback below, tries again */
      })
      .finally(function () {
        if (config.sent && tries < 20) {
          tries += 1;
          soon(FALLBACK_MS);
        }
      });
  }

  function soon(delay) {
    if (timer !== null) window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      timer = null;
      refresh();
    }, delay);
  }

  function onEvent(event) {
    try {
      if (JSON.parse(event.data).id === config.id) soon(150);
    } catch (e) {
      /* not ours to read */
    }
  }

  localTimes(document);
  if (config.sent) soon(FALLBACK_MS);
  if (!window.EventSource) return;
  // Resume from the event the page was rendered at: a change committed since is not missed.
  var url = "/api/events";
  if (config.cursor) url += "?last_event_id=" + encodeURIComponent(config.cursor);
  var source = new EventSource(url, { withCredentials: true });
  ["status", "refused", "comment", "priority", "assignment", "photo", "merged", "hidden", "shown", "me_too"].forEach(function (type) {
    source.addEventListener(type, onEvent);
  });
  source.addEventListener("error", function () {
    if (source.readyState === EventSource.CLOSED && notice) {
      notice.textContent = config.texts.offline;
      notice.dataset.state = "offline";
    }
  });
})();

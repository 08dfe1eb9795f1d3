// The system page, live: the broker's figures from /api/admin/status every two seconds.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("system-config").textContent);
  var live = document.getElementById("live");
  var text = live.querySelector(".s-live-text");
  var clock = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { timeStyle: "medium" });
  var stopped = false;

  function setStat(name, value) {
    var node = document.querySelector('[data-stat="' + name + '"]');
    if (node) node.textContent = String(value);
  }

  function cell(content, className) {
    var td = document.createElement("td");
    if (className) td.className = className;
    if (typeof content === "string") td.textContent = content;
    else td.appendChild(content);
    return td;
  }

  function badge(alive) {
    var span = document.createElement("span");
    span.className = "s-badge " + (alive ? "s-badge-ok" : "s-badge-overdue");
    span.textContent = alive ? config.texts.alive : config.texts.gone;
    return span;
  }

  function renderConsumers(status) {
    var body = document.getElementById("consumer-rows");
    var names = status.live_workers.slice();
    Object.keys(status.pending_per_consumer).forEach(function (name) {
      if (names.indexOf(name) === -1) names.push(name);
    });
    names.sort();
    var rows = names.map(function (name) {
      var tr = document.createElement("tr");
      tr.dataset.consumer = name;
      tr.appendChild(cell(name, "s-mono"));
      tr.appendChild(cell(badge(status.live_workers.indexOf(name) !== -1)));
      tr.appendChild(cell(String(status.pending_per_consumer[name] || 0), "s-num"));
      return tr;
    });
    if (!rows.length) {
      var empty = document.createElement("tr");
      empty.className = "s-empty";
      var td = cell(config.texts.none);
      td.colSpan = 3;
      empty.appendChild(td);
      rows.push(empty);
    }
    body.replaceChildren.apply(body, rows);
  }

  function show(status) {
    setStat("waiting", status.waiting);
    setStat("pending", status.pending);
    setStat("dead_letters", status.dead_letters);
    setStat("live_workers", status.live_workers.length);
    document.querySelector('[data-alert="dead_letters"]').classList.toggle("s-stat-alert", status.dead_letters > 0);
    document.querySelector('[data-alert="no_workers"]').classList.toggle("s-stat-alert", !status.live_workers.length);
    showPhotos(status.photos);
    renderConsumers(status);
    live.dataset.state = "live";
    text.textContent = config.texts.updated.replace("{time}", clock.format(new Date()));
  }

  function showPhotos(photos) {
    setStat("photos_pending", photos.pending);
    setStat("photo_failures", photos.failures);
    document.querySelector('[data-alert="photo_error"]').classList.toggle("s-stat-alert", Boolean(photos.error));
    var notice = document.getElementById("photo-error");
    notice.hidden = !photos.error;
    notice.textContent = photos.error
      ? config.texts.photo_error.replace("{at}", photos.error_at || "").replace("{error}", photos.error)
      : "";
  }

  function failure(message) {
    var error = new Error(message);
    error.known = true;
    return error;
  }

  function poll() {
    if (stopped) return;
    fetch("/api/admin/status", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          stopped = true;
          throw failure(config.texts.signed_out);
        }
        if (!response.ok) throw failure(config.texts.failed);
        return response.json();
      })
      .then(show)
      .catch(function (error) {
        live.dataset.state = stopped ? "offline" : "reconnecting";
        text.textContent = error.known ? error.message : config.texts.failed;
      })
      .finally(function () {
        if (!stopped) window.setTimeout(poll, document.hidden ? config.interval * 5 : config.interval);
      });
  }

  window.setTimeout(poll, config.interval);
})();

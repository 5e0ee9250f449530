/* W4R Live: keeps a page in step with the session.
 *
 * htmx's SSE extension swaps each pushed part into its `sse-swap` element.
 * This file gives the extension a sturdier event source: it reconnects by
 * itself (after the server's jittered `retry`, or at once when a sleeping
 * phone wakes up with a stale stream), keeps its listeners across
 * reconnects, and when the stream stays silent it polls a cheap version URL
 * until the stream is back. It also skips a pushed part identical to the one
 * shown (a reconnect's snapshot), runs the step timers, announces changes
 * to screen readers and reloads a page whose parts now come in another
 * language. */
(function () {
  "use strict";

  var SILENT_MS = 35000; // two keep-alives missed
  var POLL_MS = 5000;
  var live = document.querySelector("[data-live-poll]");
  var lastMessageAt = Date.now();
  var version = live ? live.getAttribute("data-live-version") : null;
  var sources = [];

  function LiveSource(url) {
    this.url = url;
    this.listeners = {};
    this.readyState = 0;
    this.onopen = null;
    this.onerror = null;
    this.closed = false;
    this.failures = 0;
    sources.push(this);
    this.connect();
  }

  LiveSource.prototype.connect = function () {
    var self = this;
    var es = new EventSource(this.url, { withCredentials: true });
    this.es = es;
    Object.keys(this.listeners).forEach(function (type) {
      self.listeners[type].forEach(function (fn) { es.addEventListener(type, fn); });
    });
    es.addEventListener("ping", markAlive);
    es.addEventListener("degraded", markDegraded);
    es.onopen = function (event) {
      self.readyState = 1;
      self.failures = 0;
      markAlive(event);
      if (self.onopen) self.onopen(event);
    };
    es.onerror = function (event) {
      self.readyState = 0;
      if (self.onerror) self.onerror(event);
      if (es.readyState === 2 && !self.closed) {
        // The browser gave up (the server answered with an error): retry
        // ourselves, later each time, spread out at random.
        self.failures = Math.min(self.failures + 1, 6);
        var delay = (1000 + Math.random() * 4000) * Math.pow(2, self.failures - 1);
        setTimeout(function () { if (!self.closed && self.es === es) self.connect(); }, delay);
      }
    };
  };

  LiveSource.prototype.reconnect = function () {
    if (this.closed) return;
    this.es.close();
    this.connect();
  };

  LiveSource.prototype.addEventListener = function (type, fn) {
    (this.listeners[type] = this.listeners[type] || []).push(fn);
    this.es.addEventListener(type, fn);
  };

  LiveSource.prototype.removeEventListener = function (type, fn) {
    var list = this.listeners[type] || [];
    var index = list.indexOf(fn);
    if (index >= 0) list.splice(index, 1);
    this.es.removeEventListener(type, fn);
  };

  LiveSource.prototype.close = function () {
    this.closed = true;
    this.readyState = 2;
    this.es.close();
  };

  function markAlive(event) {
    lastMessageAt = Date.now();
    if (event && event.lastEventId) version = event.lastEventId;
  }

  // The server's process cannot hear the other processes (Redis is down):
  // the stream is alive but may miss changes, so poll beside it.
  var degradedAt = 0;
  function markDegraded(event) {
    markAlive(event);
    degradedAt = Date.now();
  }

  if (window.htmx) {
    htmx.createEventSource = function (url) { return new LiveSource(url); };
  }

  var lastPushed = new WeakMap();
  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    var message = event.detail;
    markAlive(message);
    var target = event.target;
    if (lastPushed.get(target) === message.data) {
      event.preventDefault(); // the same content again: keep what is on screen
      return;
    }
    lastPushed.set(target, message.data);
  });

  document.addEventListener("htmx:sseMessage", function (event) {
    if (event.detail && event.detail.type === "bye") {
      // Removed from the session: stop following it.
      sources.forEach(function (source) { source.close(); });
      live = null;
      ["live-stage", "live-group"].forEach(function (id) {
        var region = document.getElementById(id);
        if (region) region.remove();
      });
    }
    followLanguage(event.target);
    startTimers(event.target);
    announce(event.target);
  });

  // -- Language -------------------------------------------------------------
  // A part rendered in another language than the page (the facilitator set
  // the projector's language): reload, so the whole page follows.
  function followLanguage(root) {
    var marker = root.querySelector ? root.querySelector("[data-part-language]") : null;
    if (marker && marker.getAttribute("data-part-language") !== document.documentElement.lang) {
      window.location.reload();
    }
  }

  // -- Polling fallback ---------------------------------------------------
  var polling = false;

  function poll() {
    if (!live) return;
    var url = live.getAttribute("data-live-poll") + "?v=" + encodeURIComponent(version || "");
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        if (response.status === 200) {
          version = response.headers.get("X-W4R-Version") || version;
          return response.text().then(function (html) {
            htmx.swap(document.body, html, { swapStyle: "none" });
            followLanguage(document);
            startTimers(document);
          });
        }
        if (response.status === 403 || response.status === 404) {
          window.location.reload(); // removed, or the session is gone
        }
      })
      .catch(function () { /* offline: try again at the next tick */ });
  }

  setInterval(function () {
    var silent = Date.now() - lastMessageAt > SILENT_MS;
    if (silent && !polling) {
      polling = true;
      sources.forEach(function (source) { source.reconnect(); });
    }
    if (!silent) polling = false;
    if (polling || Date.now() - degradedAt < SILENT_MS) poll();
  }, POLL_MS);

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") return;
    if (Date.now() - lastMessageAt > 20000) {
      // A phone that slept: its stream may be dead without knowing it.
      sources.forEach(function (source) { source.reconnect(); });
      poll();
    }
  });
  window.addEventListener("online", function () {
    sources.forEach(function (source) { source.reconnect(); });
  });

  // -- Timers -----------------------------------------------------------
  function format(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function startTimers(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("[data-timer-seconds]")
      .forEach(function (el) {
        var seconds = parseInt(el.getAttribute("data-timer-seconds"), 10);
        el.w4rDeadline = Date.now() + seconds * 1000;
        el.w4rPaused = el.hasAttribute("data-timer-paused");
        tick(el);
      });
  }

  function tick(el) {
    if (!el.w4rDeadline) return;
    var left = el.w4rPaused
      ? parseInt(el.getAttribute("data-timer-seconds"), 10)
      : Math.max(0, Math.round((el.w4rDeadline - Date.now()) / 1000));
    var text = el.querySelector(".timer-value") || el;
    text.textContent = format(left);
    el.classList.toggle("timer-done", left === 0);
  }

  setInterval(function () {
    document.querySelectorAll("[data-timer-seconds]").forEach(tick);
  }, 1000);
  startTimers(document);

  // -- Screen readers -------------------------------------------------------
  var announcer = document.getElementById("announcer");

  function announce(target) {
    if (!announcer) return;
    var heading = target.querySelector("[data-announce]");
    if (heading) announcer.textContent = heading.getAttribute("data-announce");
  }
})();

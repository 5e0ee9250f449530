/* W4R Live: keeps a page in step with the session.
 *
 * htmx's SSE extension swaps each pushed part into its `sse-swap` element.
 * This file gives the extension a sturdier event source: it reconnects by
 * itself (after the server's jittered `retry`, or at once when a sleeping
 * phone wakes up with a stale stream), keeps its listeners across
 * reconnects, and when the stream stays silent it polls a cheap version URL
 * until the stream is back. It also skips a pushed part identical to the one
 * shown (a reconnect's snapshot), runs the step timers, announces changes
 * to screen readers, keeps the keyboard focus where the person was when
 * a part is swapped, and reloads a page whose parts now come in another
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
  var pushFocus = null; // where the focus was in a part being swapped
  var pushTyped = null; // what was typed in its fields
  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    var message = event.detail;
    markAlive(message);
    var target = event.target;
    if (lastPushed.get(target) === message.data) {
      event.preventDefault(); // the same content again: keep what is on screen
      return;
    }
    lastPushed.set(target, message.data);
    pushFocus = rememberFocus(target);
    pushTyped = typedIn(target);
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
    announceIn(event.target);
    if (pushTyped) {
      putBackTyped(pushTyped);
      pushTyped = null;
    }
    if (pushFocus) {
      restoreFocus(pushFocus, event.target);
      pushFocus = null;
    }
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
            var main = document.querySelector("main") || document.body;
            var focus = rememberFocus(main);
            var typed = typedIn(main);
            htmx.swap(document.body, html, { swapStyle: "none" });
            followLanguage(document);
            startTimers(document);
            announceIn(document);
            putBackTyped(typed);
            if (focus) restoreFocus(focus, focus.scope);
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
  /* One polite live region (#announcer) says what changed, in a sentence,
   * never a whole panel:
   * - `data-announce` on a part's top element ("Now: <step>"): said when it
   *   differs from what that part said before (a pushed timer or a note
   *   typed by someone else re-renders the same step: nothing is said);
   * - `data-announce-more="<selector>"` with `data-announce-message` on an
   *   element with an id: said when that element comes back holding more
   *   elements matching the selector than before (a new idea in the group, a
   *   pair made by a group mate, one's own idea crossed out). Where the
   *   markup cannot tell this phone's changes from the others' (a group's
   *   board), `data-announce-others` keeps it quiet while this phone's own
   *   change comes back (its own action has its own message).
   * A page's first rendering only records what it shows. */
  var announcer = document.getElementById("announcer");
  var saidFor = {};      // part id -> the data-announce text it showed last
  var counted = {};      // watched element id -> how many it held last
  var ownActionAt = 0;   // when this page last sent a change (an htmx POST) or heard back
  var OWN_ACTION_MS = 1500;

  function say(messages) {
    if (!announcer || !messages.length) return;
    announcer.textContent = messages.join(" ");
  }

  function partOf(el) {
    var part = el.parentElement && el.parentElement.closest("[id]");
    return part ? part.id : "";
  }

  function scan(root, speak) {
    var scope = root.querySelectorAll ? root : document;
    var messages = [];
    var steps = Array.prototype.slice.call(scope.querySelectorAll("[data-announce]"));
    if (root.matches && root.matches("[data-announce]")) steps.unshift(root);
    steps.forEach(function (el) {
      var key = partOf(el);
      var text = el.getAttribute("data-announce");
      if (saidFor[key] !== undefined && saidFor[key] !== text && speak) messages.push(text);
      saidFor[key] = text;
    });
    var watched = Array.prototype.slice.call(scope.querySelectorAll("[data-announce-more][id]"));
    if (root.matches && root.matches("[data-announce-more][id]")) watched.unshift(root);
    var justActed = Date.now() - ownActionAt < OWN_ACTION_MS;
    watched.forEach(function (el) {
      var count = el.querySelectorAll(el.getAttribute("data-announce-more")).length;
      var before = counted[el.id];
      counted[el.id] = count;
      var quiet = justActed && el.hasAttribute("data-announce-others");
      if (speak && !quiet && before !== undefined && count > before) {
        messages.push(el.getAttribute("data-announce-message"));
      }
    });
    return messages;
  }

  function announceIn(root) {
    say(scan(root, true));
  }

  scan(document, false);
  document.addEventListener("htmx:load", function (event) {
    // A part fetched by the phone itself (its own ideas, its panel) after a push.
    if (event.detail.elt && event.detail.elt !== document.body) announceIn(event.detail.elt);
  });
  function ownAction(event) {
    var verb = event.detail.requestConfig && event.detail.requestConfig.verb;
    if (verb && verb !== "get") ownActionAt = Date.now();
  }
  // From the moment it is sent until a little after its answer: the push
  // of this phone's own change comes in between.
  document.addEventListener("htmx:beforeRequest", ownAction);
  document.addEventListener("htmx:afterRequest", ownAction);

  // -- Focus ------------------------------------------------------------------
  /* A swapped part is new markup: the element that had the focus is gone and
   * the focus would fall back to the top of the page, so a keyboard or
   * screen reader user would lose their place at every push. Before a swap
   * the focused element is remembered by what identifies it (its id; else
   * its form's action with its own text; else its place among the part's
   * controls, if the control there is of the same kind); afterwards the
   * same element in the new markup gets the focus back, with the text and
   * the caret of a field being typed in. When a new
   * step replaced the part, the focus goes to its heading instead. Nothing
   * is moved if the person has put the focus somewhere else meanwhile. */
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), "
    + "select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";

  function shown(el) {
    // Not hidden, and not inside a closed <details> (whose content keeps its
    // boxes in Chromium but cannot take the focus).
    if (typeof el.checkVisibility === "function") return el.checkVisibility();
    return el.getClientRects().length > 0;
  }

  function controlsIn(scope) {
    return Array.prototype.slice.call(scope.querySelectorAll(FOCUSABLE)).filter(shown);
  }

  function formKey(el) {
    var form = el.form || (el.closest && el.closest("form"));
    if (!form) return null;
    return (form.getAttribute("action") || "") + "|" + el.tagName + "|" + (el.name || "")
      + "|" + (el.tagName === "BUTTON" ? el.textContent.trim() : "");
  }

  function rememberFocus(scope) {
    var el = document.activeElement;
    if (!el || el === document.body || !scope.contains(el)) return null;
    var step = scope.querySelector("[data-announce]");
    var state = {
      scope: scope,
      node: el,
      id: el.id || null,
      form: formKey(el),
      index: controlsIn(scope).indexOf(el),
      step: step ? step.getAttribute("data-announce") : null,
    };
    if (typeof el.value === "string" && (el.tagName === "TEXTAREA" || el.tagName === "INPUT")) {
      state.value = el.value;
      try {
        state.selection = [el.selectionStart, el.selectionEnd];
      } catch (e) { /* a number field has no caret */ }
    }
    return state;
  }

  function findAgain(state, scope, byPlace) {
    if (state.id) {
      var byId = document.getElementById(state.id);
      if (byId && scope.contains(byId)) return byId;
    }
    var controls = controlsIn(scope);
    if (state.form) {
      var same = controls.filter(function (el) { return formKey(el) === state.form; });
      if (same.length === 1) return same[0];
    }
    if (byPlace && state.index >= 0 && controls.length) {
      // Only a control of the same kind: a tapped button must not hand the
      // focus to a text field (a phone would open its keyboard).
      var there = controls[Math.min(state.index, controls.length - 1)];
      if (there.tagName === state.node.tagName && there.type === state.node.type) return there;
    }
    return null;
  }

  function headingOf(scope) {
    var heading = Array.prototype.slice.call(scope.querySelectorAll("h1, h2, h3")).filter(shown)[0];
    if (heading && !heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
    return heading;
  }

  /* `swapped`: the element a request's answer replaced; when the focused
   * control has no counterpart, its first heading gets the focus. Without
   * it (a push), the control at the same place does. */
  function restoreFocus(state, scope, swapped) {
    // The focus has left the page (Shift+Tab past its first control, into
    // the browser's own controls): it is where the person put it.
    if (!document.hasFocus()) return;
    var active = document.activeElement;
    if (active && active !== document.body && active !== state.node && document.contains(active)) {
      return; // the person moved on
    }
    if (document.contains(state.node) && active === state.node) return; // kept (hx-preserve)
    var step = scope.querySelector("[data-announce]");
    var newStep = state.step !== null && step && step.getAttribute("data-announce") !== state.step;
    var candidates = newStep ? [headingOf(scope)] : [findAgain(state, scope, !swapped)];
    if (swapped && document.contains(swapped)) {
      candidates.push(headingOf(swapped), controlsIn(swapped)[0]);
    }
    var target = null;
    for (var i = 0; i < candidates.length && !target; i++) {
      if (!candidates[i]) continue;
      candidates[i].focus({ preventScroll: true });
      if (document.activeElement === candidates[i]) target = candidates[i];
    }
    if (!target) return;
    if (state.value !== undefined && target.tagName === state.node.tagName
        && (target.id === state.id || formKey(target) === state.form) && target.value !== state.value) {
      target.value = state.value;
    }
    if (state.selection && target.setSelectionRange && target.value === state.value) {
      try {
        target.setSelectionRange(state.selection[0], state.selection[1]);
      } catch (e) { /* not a text field */ }
    }
  }

  /* A field someone typed in and left (a group number, a reason) keeps what
   * was typed when its part is pushed again, unless the server's own value
   * for it changed meanwhile. */
  function typedIn(scope) {
    var typed = [];
    scope.querySelectorAll("input[id], textarea[id]").forEach(function (field) {
      if (field.type === "hidden" || field.type === "checkbox" || field.type === "radio") return;
      if (field.value !== field.defaultValue) {
        typed.push({ id: field.id, value: field.value, original: field.defaultValue });
      }
    });
    return typed;
  }

  function putBackTyped(typed) {
    typed.forEach(function (item) {
      var field = document.getElementById(item.id);
      if (field && field.defaultValue === item.original && field.value === item.original) {
        field.value = item.value;
      }
    });
  }

  /* A button disabled while its request runs (hx-disabled-elt) loses the
   * focus; it gets it back when the request is done, or its counterpart in
   * what the request (or a push meanwhile) swapped in. */
  function stableScope(elt) {
    return (elt.closest && elt.closest("[sse-swap]")) || document.querySelector("main") || document.body;
  }

  var focusOfRequest = new WeakMap(); // xhr -> where the focus was
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.closest || !event.detail.xhr) return;
    var state = rememberFocus(stableScope(elt));
    if (state) focusOfRequest.set(event.detail.xhr, state);
  });
  // (When the request's own element was swapped away, htmx tells an element
  // still in the page; the xhr is the same.)
  document.addEventListener("htmx:afterRequest", function (event) {
    var state = event.detail.xhr && focusOfRequest.get(event.detail.xhr);
    if (!state) return;
    focusOfRequest.delete(event.detail.xhr);
    var active = document.activeElement;
    if (!document.hasFocus()) return;
    if (document.contains(state.node)) {
      if (!state.node.disabled && (!active || active === document.body)) {
        state.node.focus({ preventScroll: true });
      }
    } else if (document.contains(state.scope)) {
      restoreFocus(state, state.scope, event.detail.target);
    }
  });

  // Pages can tell whether this file runs: without it (no JavaScript, or the
  // files did not arrive) they show how to follow the session by hand.
  document.documentElement.classList.add("w4r-live");
})();

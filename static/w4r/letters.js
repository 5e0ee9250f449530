/* W4R Live: letters that survive a reload, a locked phone and a lost network.
 *
 * htmx saves the editor as it is typed (hx-trigger "input changed delay:800ms,
 * blur"). This file gives every edit a revision number the server keeps in
 * order (an older save never overwrites a newer one), keeps a copy of unsaved
 * text in localStorage until the server has it, and sends it again when the
 * phone is back online or the page is reloaded. It also counts words, shows
 * when the text was saved, copies social texts and opens the print dialog.
 * Without it, the forms still post and the text is still saved. Messages come
 * from Django's JavaScript catalog (w4r/jsi18n.py); numbers and times follow
 * the page's language. */
(function () {
  "use strict";
  if (window.w4rLetters) return;
  window.w4rLetters = true;

  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (singular, plural, count) {
    return count === 1 ? singular : plural;
  };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  };
  // Times in the page's language, in Western digits like every number the
  // server writes (docs/languages.md).
  var LOCALE = (document.documentElement.lang || "en") + "-u-nu-latn";

  /* A count grouped as the server groups it (the `number` template filter):
   * with the language's separator and grouping from Django's formats, which
   * the catalog carries. */
  function number(value) {
    var format = window.get_format;
    var grouping = format ? format("NUMBER_GROUPING") : 0;
    var separator = format ? format("THOUSAND_SEPARATOR") : ",";
    var digits = String(value);
    if (!grouping || typeof grouping !== "number") return digits;
    var groups = [];
    while (digits.length > grouping) {
      groups.unshift(digits.slice(-grouping));
      digits = digits.slice(0, -grouping);
    }
    groups.unshift(digits);
    return groups.join(separator);
  }

  function unsaved() { return gettext("Not saved yet"); }
  function offline() {
    return gettext("Not saved yet — offline. Your text is kept on this phone and saved when you are back online.");
  }

  var PREFIX = "w4r:letter:";
  var RETRY_MS = 10000;

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function field(form, name) {
    return form.querySelector("[name='" + name + "']");
  }

  function value(form, name) {
    var el = field(form, name);
    return el ? el.value : "";
  }

  function storeKey(room, key) {
    return PREFIX + room + ":" + key;
  }

  function formKey(form) {
    return storeKey(form.getAttribute("data-room"), value(form, "client_key"));
  }

  function savedRevision(form) {
    return parseInt(form.getAttribute("data-saved-revision") || "0", 10);
  }

  function readEntry(key) {
    var store = storage();
    if (!store) return null;
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }

  function writeEntry(form) {
    var store = storage();
    if (!store) return;
    var entry = {
      room: form.getAttribute("data-room"),
      kind: value(form, "kind"),
      client_key: value(form, "client_key"),
      letter: value(form, "letter"),
      revision: parseInt(value(form, "revision"), 10),
      text: value(form, "text"),
      language: value(form, "language"),
      signoff_name: value(form, "signoff_name"),
      signoff_town: value(form, "signoff_town"),
    };
    try { store.setItem(formKey(form), JSON.stringify(entry)); } catch (e) { /* full: the server copy will do */ }
  }

  function dropEntry(key, upToRevision) {
    var store = storage();
    var entry = readEntry(key);
    if (store && entry && entry.revision <= upToRevision) store.removeItem(key);
  }

  function pendingEntries(room) {
    var store = storage();
    var found = [];
    if (!store) return found;
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX + room + ":") === 0) {
        var entry = readEntry(key);
        if (entry) found.push({ key: key, entry: entry });
      }
    }
    return found;
  }

  // -- Counting and status ----------------------------------------------------

  function updateCount(form) {
    var text = value(form, "text");
    var count = form.querySelector("[data-count]");
    if (!count) return;
    var words = text.trim() ? text.trim().split(/\s+/).length : 0;
    count.querySelector("[data-words]").textContent = number(words);
    count.querySelector("[data-chars]").textContent = number(text.length);
    var max = parseInt(count.getAttribute("data-max"), 10);
    var limit = count.querySelector("[data-limit]");
    var full = text.length >= max;
    limit.textContent = full
      ? interpolate(ngettext("You have reached the limit of %(max)s character.",
          "You have reached the limit of %(max)s characters.", max), { max: number(max) }, true)
      : "";
    count.classList.toggle("is-full", full);
  }

  function setStatus(form, message, isError) {
    var status = form.querySelector(".save-status");
    if (!status) return;
    status.textContent = message;
    status.classList.toggle("is-error", !!isError);
    if (isError) status.setAttribute("role", "alert");
    else status.removeAttribute("role");
  }

  function localTimes(root) {
    (root.querySelectorAll ? root : document).querySelectorAll(".save-status time[datetime]")
      .forEach(function (el) {
        var when = new Date(el.getAttribute("datetime"));
        if (!isNaN(when)) {
          try {
            el.textContent = when.toLocaleTimeString(LOCALE, { hour: "numeric", minute: "2-digit" });
          } catch (e) { /* keep the server's */ }
        }
      });
  }

  // -- Typing ------------------------------------------------------------------

  function bump(form) {
    var input = field(form, "revision");
    var next = Math.max(parseInt(input.value, 10) || 0, savedRevision(form)) + 1;
    input.value = String(next);
    writeEntry(form);
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("[data-letter-form]");
    if (!form || !event.target.name) return;
    bump(form);
    updateCount(form);
    setStatus(form, navigator.onLine === false ? offline() : unsaved());
  });

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("[data-letter-form]");
    if (form && event.target.tagName === "SELECT") bump(form);
  });

  // -- Saving ------------------------------------------------------------------

  function formOf(elt) {
    return elt && elt.closest ? elt.closest("[data-letter-form]") : null;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    // A refused save answers 4xx with the reason: show it where it belongs.
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    var status = event.detail.xhr.status;
    if (elt && elt.closest && elt.closest("[data-letters]") && status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = formOf(event.detail.elt);
    if (!form) return;
    var xhr = event.detail.xhr;
    if (xhr && xhr.status >= 200 && xhr.status < 300) {
      var saved = parseInt(xhr.getResponseHeader("X-W4R-Revision") || "0", 10);
      if (saved) {
        form.setAttribute("data-saved-revision", String(Math.max(saved, savedRevision(form))));
        form.removeAttribute("data-new");
        dropEntry(formKey(form), saved);
      }
      localTimes(form);
    } else if (!xhr || xhr.status === 0 || xhr.status >= 500) {
      setStatus(form, navigator.onLine === false
        ? offline() : gettext("Not saved yet — trying again…"), true);
    } else if (xhr.status === 403 || xhr.status === 409) {
      dropEntry(formKey(form), Infinity); // refused for good: do not send it again
    } else {
      form.w4rRefused = parseInt(value(form, "revision"), 10); // e.g. too long: wait for an edit
    }
  });

  function resend(form) {
    var text = field(form, "text");
    if (text) htmx.trigger(text, "w4r:resend");
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) { return ""; }
  }

  function sendInBackground(url, item) {
    var body = new FormData();
    Object.keys(item.entry).forEach(function (name) {
      if (name !== "room" && item.entry[name] !== undefined && item.entry[name] !== null) {
        body.append(name, item.entry[name]);
      }
    });
    if (!item.entry.letter) body.delete("letter");
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
    }).then(function (response) {
      if (response.ok) {
        dropEntry(item.key, item.entry.revision);
      } else if (response.status >= 400 && response.status < 500) {
        dropEntry(item.key, Infinity); // refused: it would be refused again
      }
    }).catch(function () { /* still offline: next time */ });
  }

  function restore(form, entry) {
    ["text", "language", "signoff_name", "signoff_town"].forEach(function (name) {
      var el = field(form, name);
      if (el && entry[name] !== undefined) el.value = entry[name];
    });
    field(form, "revision").value = String(entry.revision);
    updateCount(form);
    setStatus(form, unsaved());
  }

  /* After a reload (or when the editor arrives): text this phone has and the
   * server has not yet goes back into the editor it belongs to and is sent. */
  function recover(root) {
    var forms = Array.prototype.slice.call(
      (root.querySelectorAll ? root : document).querySelectorAll("[data-letter-form]"));
    if (!forms.length) return;
    var room = forms[0].getAttribute("data-room");
    var url = forms[0].getAttribute("data-save-url");
    forms = forms.filter(function (form) { return !form.w4rRecovered; });
    if (!forms.length) return;
    forms.forEach(function (form) { form.w4rRecovered = true; });
    var byKey = {};
    forms.forEach(function (form) { byKey[formKey(form)] = form; });
    pendingEntries(room).forEach(function (item) {
      var form = byKey[item.key];
      if (!form) {
        // An unsaved new letter whose editor now shows a fresh, empty one: adopt it.
        form = forms.filter(function (candidate) {
          return candidate.hasAttribute("data-new") && !candidate.w4rAdopted
            && value(candidate, "kind") === item.entry.kind && !value(candidate, "text");
        })[0];
        if (form) {
          form.w4rAdopted = true;
          field(form, "client_key").value = item.entry.client_key;
        }
      }
      if (form) {
        if (item.entry.revision > savedRevision(form)) {
          restore(form, item.entry);
          resend(form);
        } else {
          dropEntry(item.key, savedRevision(form));
        }
      } else {
        sendInBackground(url, item);
      }
    });
  }

  function resendAll() {
    document.querySelectorAll("[data-letter-form]").forEach(function (form) {
      var entry = readEntry(formKey(form));
      if (entry && entry.revision > savedRevision(form) && entry.revision !== form.w4rRefused) {
        resend(form);
      }
    });
  }

  window.addEventListener("online", resendAll);
  setInterval(function () { if (navigator.onLine !== false) resendAll(); }, RETRY_MS);

  // -- Copy buttons and printing ---------------------------------------------------

  function copy(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var done = function () {
      var announcer = document.getElementById("announcer");
      var label = gettext("Copied");
      if (announcer) announcer.textContent = label;
      button.classList.add("is-copied");
      setTimeout(function () { button.classList.remove("is-copied"); }, 2000);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(source.value).then(done, function () {
        source.select();
      });
    } else {
      source.select();
      try { if (document.execCommand("copy")) done(); } catch (e) { /* selected: copy by hand */ }
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-copy], [data-print]") : null;
    if (!target) return;
    if (target.hasAttribute("data-copy")) copy(target);
    else window.print();
  });

  function enhance(root) {
    var scope = root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-copy], [data-print]").forEach(function (button) {
      button.hidden = false;
    });
    scope.querySelectorAll("[data-letter-form]").forEach(updateCount);
    localTimes(scope);
    recover(scope);
  }

  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
})();

/* W4R Live: the step kinds' forms on phones.
 *
 * - A request the server refuses (422) carries its reason as text: it is
 *   shown where the form shows its status, instead of being dropped.
 * - A form marked `data-reset-on-success` is emptied once what it sent is in.
 * - A form marked `data-offline-notice` says so when what it sends cannot
 *   reach the server.
 * - A form marked `data-autosave` (a note, an answer) saves as people type;
 *   when a save cannot reach the server it says so and tries again, so what
 *   was typed is never silently left unsaved.
 * Messages come from Django's JavaScript catalog (w4r/jsi18n.py). */
(function () {
  "use strict";

  var gettext = window.gettext || function (text) { return text; };

  var RETRY_MS = 5000;

  function statusOf(form) {
    return form.querySelector(".save-status");
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    var xhr = event.detail.xhr;
    // A 422 is swapped as a message (above), which htmx then calls a success.
    if (!form || !form.matches || !xhr || xhr.status < 200 || xhr.status >= 300) return;
    if (form.matches("form[data-reset-on-success]")) {
      form.querySelectorAll("textarea, input[type=text], input[type=file]").forEach(function (field) {
        field.value = "";
      });
    }
  });

  function notSent(event) {
    var form = event.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-offline-notice]")) return;
    var status = statusOf(form);
    var autosave = form.matches("[data-autosave]");
    if (status) {
      status.textContent = autosave
        ? gettext("Not saved yet: no connection. Trying again…")
        : gettext("Not sent: no connection. Try again in a moment.");
    }
    if (autosave) {
      clearTimeout(form.w4rRetry);
      form.w4rRetry = setTimeout(function () {
        if (document.body.contains(form)) htmx.trigger(form, "w4r-retry");
      }, RETRY_MS);
    }
  }

  document.addEventListener("htmx:sendError", notSent);
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 0 || status >= 500) notSent(event);
  });
})();

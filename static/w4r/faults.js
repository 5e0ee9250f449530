/* W4R Live: tells the person when an htmx action did not go through.
 *
 * htmx leaves the page as it is when a request fails; without this the
 * click would seem to do nothing. A refused action answers a short
 * text/plain message (a 409 from a service rule, a 429 "too many tries", a
 * 503 while the database is briefly away) and that message is shown; any
 * other failure gets a general line. Nothing here evaluates what the server
 * sent: the message is set as text. Its own lines come from Django's
 * JavaScript catalog (w4r/jsi18n.py), in English if it did not load. */
(function () {
  "use strict";

  var gettext = window.gettext || function (text) { return text; };

  var box = document.getElementById("fault");
  if (!box) return;
  var text = box.querySelector(".fault-text");
  var hideTimer = null;

  function show(message) {
    text.textContent = message;
    box.hidden = false;
    clearTimeout(hideTimer);
    hideTimer = setTimeout(function () { box.hidden = true; }, 12000);
  }

  function messageOf(xhr) {
    var type = (xhr && xhr.getResponseHeader("Content-Type")) || "";
    var body = (xhr && xhr.responseText) || "";
    if (type.indexOf("text/plain") === 0 && body && body.length <= 500) return body;
    return gettext("That did not work. Try again.");
  }

  // A poll the page makes by itself (data-background) fails quietly: the
  // person did nothing to try again, and it tries again by itself.
  function byItself(event) {
    return event.detail.elt && event.detail.elt.closest("[data-background]");
  }

  document.addEventListener("htmx:responseError", function (event) {
    if (!byItself(event)) show(messageOf(event.detail.xhr));
  });
  document.addEventListener("htmx:sendError", function (event) {
    if (!byItself(event)) show(gettext("No connection to the server. Check the Wi-Fi and try again."));
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful && event.detail.requestConfig
        && event.detail.requestConfig.verb !== "get") {
      box.hidden = true; // an action went through: an old warning is stale
    }
  });
  box.querySelector("button").addEventListener("click", function () { box.hidden = true; });
})();

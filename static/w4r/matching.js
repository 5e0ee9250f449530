/* W4R Live: the matching board on a phone (step kind "matching").
 *
 * The board works without this file: every experience card is a <details>
 * holding a form, every right a submit button. This file keeps what is
 * personal to the phone when the group's board is pushed again after any
 * member's change: which card is open, where the page was scrolled, which
 * control had the focus. It keeps one card open at a time, and shows the
 * reason when the server refuses a change. */
(function () {
  "use strict";
  if (window.w4rMatching) return;
  window.w4rMatching = true;

  var openCard = null;   // id of the open card's <details>
  var lastFocus = null;  // id of the control last focused on the board
  var savedScroll = null;

  var initial = document.querySelector("[data-match-card][open]");
  if (initial) openCard = initial.id;

  // One card open at a time, remembered across pushes. (toggle does not
  // bubble: listen in the capture phase.)
  document.addEventListener("toggle", function (event) {
    var card = event.target;
    if (!card.matches || !card.matches("[data-match-card]")) return;
    if (card.open) {
      openCard = card.id;
      document.querySelectorAll("[data-match-card][open]").forEach(function (other) {
        if (other !== card) other.open = false;
      });
    } else if (openCard === card.id) {
      openCard = null;
    }
  }, true);

  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target.id && target.closest && target.closest("[data-matching]")) lastFocus = target.id;
  });

  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    if (event.defaultPrevented) return; // live.js skips a part identical to the one shown
    if (event.target.querySelector && event.target.querySelector("[data-matching]")) {
      savedScroll = window.scrollY;
    }
  });

  function restore() {
    if (openCard) {
      var card = document.getElementById(openCard);
      if (card && !card.open) card.open = true;
    }
    if (savedScroll !== null) {
      window.scrollTo(window.scrollX, savedScroll);
      savedScroll = null;
    }
    var active = document.activeElement;
    if (lastFocus && (!active || active === document.body)) {
      var control = document.getElementById(lastFocus);
      if (control && !control.disabled) control.focus({ preventScroll: true });
    }
  }

  document.addEventListener("htmx:sseMessage", restore);
  document.addEventListener("htmx:oobAfterSwap", restore);
  document.addEventListener("htmx:afterSettle", restore);

  // A refused change (the exercise was closed, the phone moved to another
  // group...): say why on the board, where the person is looking. The
  // closing question's form comes back with its error inside: show it.
  // The element that made the request (detail.elt is the swap's target here).
  function scopeOf(detail) {
    var elt = (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
    return elt && elt.closest ? elt.closest("[data-matching]") : null;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var scope = scopeOf(event.detail);
    if (!scope || status < 400 || status >= 500) return;
    var line = scope.querySelector("[data-match-status]");
    if (line) {
      line.textContent = event.detail.xhr.responseText;
      event.detail.shouldSwap = false;
    } else {
      event.detail.shouldSwap = true;
    }
    event.detail.isError = false;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var scope = scopeOf(event.detail);
    if (!scope || !event.detail.xhr || event.detail.xhr.status >= 400) return;
    var line = scope.querySelector("[data-match-status]");
    if (line) line.textContent = "";
  });
})();

/* W4R Live: the matching board on a phone (step kind "matching").
 *
 * The board works without this file: every experience card is a <details>
 * holding a form, every right a submit button. This file keeps what is
 * personal to the phone when the group's board is pushed again after any
 * member's change: which card is open, where the page was scrolled, which
 * control had the focus. It keeps one card open at a time. A refused change
 * answers a short text that faults.js shows; the closing question's form
 * comes back with its reason inside, and is shown. */
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
    if (target.id && target.closest && target.closest("[data-matching-board]")) lastFocus = target.id;
  });

  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    if (event.defaultPrevented) return; // live.js skips a part identical to the one shown
    if (event.target.querySelector && event.target.querySelector("[data-matching-board]")) {
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

  // The closing question's form answers a refusal with the form again, its
  // reason and the typed text inside: swap it in rather than drop it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig;
    var elt = (config && config.elt) || event.detail.elt;
    var status = event.detail.xhr.status;
    if (!elt || !elt.closest || !elt.closest("[data-matching-answer]")) return;
    if (status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();

/* W4R Live: the finger-drawing canvas of the protest-ideas step.
 *
 * A `[data-draw]` box holds a canvas, colour buttons, Undo and Clear. Strokes
 * are kept as points relative to the canvas, so the drawing survives a
 * resize or a turned phone. On submit, the drawing form sends the canvas as a
 * PNG (or the picture chosen in its file field) with fetch; without
 * JavaScript the box stays hidden and the form uploads the chosen picture.
 * Keyboard users write their ideas in the text form instead. Messages come
 * from Django's JavaScript catalog (w4r/jsi18n.py). */
(function () {
  "use strict";

  var gettext = window.gettext || function (text) { return text; };

  var RATIO = 3 / 4; // height / width
  var MAX_CSS_WIDTH = 640;
  // The drawing's own pixels: sharp on a projector, whatever the phone.
  var MIN_PIXELS = 900;
  var MAX_PIXELS = 1200;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function init(box) {
    if (box.w4rDraw) return;
    var canvas = box.querySelector("canvas");
    if (!canvas || !canvas.getContext || !canvas.toBlob) return;
    var ctx = canvas.getContext("2d");
    var state = { strokes: [], current: null, colour: "#111111" };
    box.w4rDraw = state;
    box.hidden = false;

    function lineWidth() {
      return Math.max(3, canvas.width / 90);
    }

    function paint(stroke) {
      var points = stroke.points;
      ctx.strokeStyle = stroke.colour;
      ctx.fillStyle = stroke.colour;
      ctx.lineWidth = lineWidth();
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      if (points.length === 1) {
        ctx.beginPath();
        ctx.arc(points[0][0] * canvas.width, points[0][1] * canvas.height, lineWidth() / 2, 0, 2 * Math.PI);
        ctx.fill();
        return;
      }
      ctx.beginPath();
      points.forEach(function (p, i) {
        if (i === 0) ctx.moveTo(p[0] * canvas.width, p[1] * canvas.height);
        else ctx.lineTo(p[0] * canvas.width, p[1] * canvas.height);
      });
      ctx.stroke();
    }

    function redraw() {
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      state.strokes.forEach(paint);
      if (state.current) paint(state.current);
    }

    function resize() {
      var width = Math.min(canvas.clientWidth || 0, MAX_CSS_WIDTH);
      if (!width) return; // closed <details>: sized when opened
      var pixels = Math.round(width * (window.devicePixelRatio || 1));
      pixels = Math.min(MAX_PIXELS, Math.max(MIN_PIXELS, pixels));
      if (canvas.width === pixels) return;
      canvas.width = pixels;
      canvas.height = Math.round(pixels * RATIO);
      redraw();
    }

    function at(event) {
      var box = canvas.getBoundingClientRect();
      return [
        Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)),
        Math.min(1, Math.max(0, (event.clientY - box.top) / box.height)),
      ];
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      resize();
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      state.current = { colour: state.colour, points: [at(event)] };
      redraw();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!state.current) return;
      var points = state.current.points;
      var last = points[points.length - 1];
      var next = at(event);
      points.push(next);
      ctx.strokeStyle = state.current.colour;
      ctx.lineWidth = lineWidth();
      ctx.lineCap = "round";
      ctx.beginPath();
      ctx.moveTo(last[0] * canvas.width, last[1] * canvas.height);
      ctx.lineTo(next[0] * canvas.width, next[1] * canvas.height);
      ctx.stroke();
    });
    function end() {
      if (!state.current) return;
      state.strokes.push(state.current);
      state.current = null;
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);

    var swatches = box.querySelectorAll("[data-colour]");
    swatches.forEach(function (button) {
      button.addEventListener("click", function () {
        state.colour = button.getAttribute("data-colour");
        swatches.forEach(function (other) {
          other.setAttribute("aria-pressed", other === button ? "true" : "false");
        });
      });
    });
    box.querySelector("[data-draw-undo]").addEventListener("click", function () {
      state.strokes.pop();
      redraw();
    });
    box.querySelector("[data-draw-clear]").addEventListener("click", function () {
      state.strokes = [];
      redraw();
    });

    state.clear = function () {
      state.strokes = [];
      state.current = null;
      redraw();
    };
    state.toBlob = function (callback) {
      canvas.toBlob(callback, "image/png");
    };

    var details = box.closest("details");
    if (details) details.addEventListener("toggle", resize);
    window.addEventListener("resize", resize);
    resize();
    redraw();
  }

  function setup(root) {
    (root && root.querySelectorAll ? root : document).querySelectorAll("[data-draw]").forEach(init);
  }

  document.addEventListener("htmx:load", function (event) {
    setup(event.detail.elt);
  });
  setup(document);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-draw-form]")) return;
    var box = form.querySelector("[data-draw]");
    var state = box && box.w4rDraw;
    if (!state || !window.fetch || !window.FormData) return; // a plain upload
    event.preventDefault();
    var status = form.querySelector("[data-draw-status]");
    var file = form.querySelector("input[type=file]");
    var hasFile = file && file.files && file.files.length > 0;
    if (!hasFile && !state.strokes.length) {
      status.textContent = gettext("Draw something first, or choose a picture.");
      return;
    }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;

    function send(blob) {
      var data = new FormData(form);
      if (blob) data.set("drawing", blob, "drawing.png");
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      })
        .then(function (response) {
          return response.text().then(function (text) {
            // The server's message, escaped by it: text, never markup.
            status.textContent = new DOMParser().parseFromString(text, "text/html").body.textContent;
            if (response.ok) {
              state.clear();
              form.querySelectorAll("input[type=text], input[type=file]").forEach(function (field) {
                field.value = "";
              });
            }
          });
        })
        .catch(function () {
          status.textContent = gettext("Not sent: no connection. Try again in a moment.");
        })
        .then(function () {
          button.disabled = false;
        });
    }

    if (hasFile) send(null);
    else state.toBlob(send);
  });
})();

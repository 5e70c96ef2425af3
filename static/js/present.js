/* Projector mode: one section at a time, driven by a keyboard or a clicker.
 *
 * ← → and PageUp/PageDown (what clickers send) move between sections, each with a countdown
 * from its time box; W spins the wheel (wheel.js animates it), N opens the section's notes,
 * A adds an action item, ? lists the keys, Esc closes a box or leaves. Every key has a button.
 * The server renders every section; without this file the Previous/Next links still work.
 */
(function () {
  "use strict";

  var TICK_MS = 1000;
  var root = null;
  var slides = [];
  var remaining = {};
  var timer = null;

  function storageKey() {
    return "opsreview.meeting." + root.getAttribute("data-meeting") + ".remaining";
  }

  function loadRemaining() {
    try {
      remaining = JSON.parse(window.sessionStorage.getItem(storageKey()) || "{}") || {};
    } catch (error) {
      remaining = {};
    }
  }

  function saveRemaining() {
    try {
      window.sessionStorage.setItem(storageKey(), JSON.stringify(remaining));
    } catch (error) {
      // Storage switched off: the countdown restarts on a reload, nothing else changes.
    }
  }

  function currentIndex() {
    for (var i = 0; i < slides.length; i++) if (!slides[i].hidden) return i;
    return 0;
  }

  function current() {
    return slides[currentIndex()];
  }

  function format(seconds) {
    var over = seconds < 0;
    var left = Math.abs(seconds);
    var text = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    return over ? "+" + text + " over" : text;
  }

  function showTime() {
    var slide = current();
    var key = slide.getAttribute("data-key");
    if (!(key in remaining)) remaining[key] = parseInt(slide.getAttribute("data-seconds"), 10) || 0;
    var value = document.querySelector("[data-timer-value]");
    var box = document.querySelector("[data-timer]");
    if (value) value.textContent = format(remaining[key]);
    if (box) box.classList.toggle("is-over", remaining[key] < 0);
  }

  function tick() {
    var key = current().getAttribute("data-key");
    if (key in remaining) remaining[key] -= 1;
    saveRemaining();
    showTime();
  }

  function link(direction, key) {
    var anchor = document.querySelector('[data-go="' + direction + '"]');
    if (!anchor) return;
    anchor.setAttribute("href", "?section=" + key);
    anchor.setAttribute("aria-disabled", key === current().getAttribute("data-key") ? "true" : "false");
  }

  function show(index, focus) {
    if (index < 0 || index >= slides.length) return;
    slides.forEach(function (slide, n) {
      slide.hidden = n !== index;
    });
    var slide = slides[index];
    var key = slide.getAttribute("data-key");
    var position = document.querySelector("[data-position]");
    if (position) position.textContent = slide.getAttribute("data-number");
    link("previous", slide.getAttribute("data-previous") || key);
    link("next", slide.getAttribute("data-next") || key);
    document.querySelectorAll("[data-current-section]").forEach(function (input) {
      input.value = key;
    });
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", "?section=" + key);
    }
    showTime();
    if (focus) {
      var heading = slide.querySelector("h1");
      if (heading) heading.focus({ preventScroll: true });
    }
  }

  function step(by) {
    show(currentIndex() + by, true);
  }

  function goTo(key) {
    for (var i = 0; i < slides.length; i++) {
      if (slides[i].getAttribute("data-key") === key) show(i, false);
    }
  }

  function openDialog(dialog, focusSelector) {
    if (!dialog || dialog.open) return;
    document.querySelectorAll("dialog[open]").forEach(function (other) {
      other.close();
    });
    dialog.showModal();
    var field = focusSelector && dialog.querySelector(focusSelector);
    if (field) field.focus();
  }

  function openNotes() {
    var dialog = current().querySelector("[data-notes-dialog]");
    openDialog(dialog, "textarea");
  }

  function openItem() {
    openDialog(document.getElementById("item-dialog"), "input:not([type=hidden])");
  }

  function openMetrics() {
    goTo("metrics");
    openDialog(document.querySelector("[data-metrics-dialog]"), "[data-close]");
  }

  function openKeys() {
    openDialog(document.getElementById("keys-dialog"), "[data-close]");
  }

  function spin() {
    goTo("metrics");
    var wheel = document.querySelector("[data-wheel]");
    var form = wheel && wheel.querySelector("form[data-wheel-spin]");
    if (!form || wheel.classList.contains("is-spinning")) return;
    form.requestSubmit();
  }

  function leave() {
    window.location.assign(root.getAttribute("data-leave-url"));
  }

  // Typing in a box; not a field left focused inside a box that has just closed.
  function typing(element) {
    return Boolean(
      element &&
        element.closest &&
        element.closest("input, textarea, select, [contenteditable]") &&
        !element.closest("dialog:not([open])")
    );
  }

  // A box closed (Esc or Close): the keys go back to the section on screen, at once, rather
  // than wherever the browser puts focus once it notices the field it held is gone.
  document.addEventListener(
    "close",
    function (event) {
      if (!root || !event.target.matches || !event.target.matches("dialog")) return;
      var active = document.activeElement;
      if (active && active !== document.body && !event.target.contains(active)) return;
      var heading = current().querySelector("h1");
      if (heading) heading.focus({ preventScroll: true });
    },
    true
  );

  document.addEventListener("keydown", function (event) {
    if (!root || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    // An open box keeps the keys: Esc closes it (the browser does that), nothing else moves.
    if (document.querySelector("dialog[open]")) return;
    if (typing(event.target)) return;
    var key = event.key;
    var handled = true;
    if (key === "ArrowRight" || key === "PageDown") step(1);
    else if (key === "ArrowLeft" || key === "PageUp") step(-1);
    else if (key === "Escape") leave();
    else if (key === "?") openKeys();
    else if (key === "w" || key === "W") {
      if (!event.repeat && document.querySelector('[data-action="spin"]')) spin();
    } else if ((key === "n" || key === "N") && document.querySelector('[data-action="notes"]')) openNotes();
    else if ((key === "a" || key === "A") && document.querySelector('[data-action="item"]')) openItem();
    else if ((key === "m" || key === "M") && document.querySelector("[data-metrics-dialog]")) openMetrics();
    else handled = false;
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!root || !target.closest) return;
    var go = target.closest("[data-go]");
    if (go) {
      event.preventDefault();
      step(go.getAttribute("data-go") === "next" ? 1 : -1);
      return;
    }
    var close = target.closest("[data-close]");
    if (close) {
      var dialog = close.closest("dialog");
      if (dialog) dialog.close();
      return;
    }
    var action = target.closest("[data-action]");
    if (!action) return;
    var name = action.getAttribute("data-action");
    if (name === "metrics") event.preventDefault(); // a link to the charts' own page without JavaScript
    if (name === "spin") spin();
    else if (name === "notes") openNotes();
    else if (name === "item") openItem();
    else if (name === "keys") openKeys();
    else if (name === "metrics") openMetrics();
  });

  // A box's form came back (saved, added, or refused): keep the keyboard in it, on the field
  // that needs attention, or the first one for the next note or item.
  document.addEventListener("htmx:load", function (event) {
    var form = event.target;
    if (!form || !form.matches || !form.matches("dialog[open] form")) return;
    var wrong = form.querySelector(".present-field-error");
    var field = wrong && wrong.parentElement.querySelector("input:not([type=hidden]), select, textarea");
    field = field || form.querySelector("textarea, input:not([type=hidden]):not([type=radio])");
    if (field) field.focus();
  });

  document.addEventListener("DOMContentLoaded", function () {
    root = document.querySelector("[data-present]");
    if (!root) return;
    slides = Array.prototype.slice.call(document.querySelectorAll("[data-slide]"));
    if (!slides.length) return;
    loadRemaining();
    show(currentIndex(), false);
    timer = window.setInterval(tick, TICK_MS);
  });
})();

/* The wheel page: the spin animation, Space to spin, a tick sound with a remembered mute.
 *
 * The server decides every result (the spin form posts through htmx). This file only shows it:
 * it turns the disc several times with an ease-out so the result's slice stops under the
 * pointer, then writes down which slice is under the pointer, read back from the geometry
 * (data-landed), and reveals the result. Choosing opens the participant's page in a new tab.
 */
(function () {
  "use strict";

  var MUTE_KEY = "opsreview.wheel.muted";
  var SPIN_MS = 4800;
  var TURNS = 5;
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  var audio = null;

  function wheelRoot() {
    return document.querySelector("[data-wheel]");
  }

  function slicesOf(wheel) {
    return Array.prototype.slice.call(wheel.querySelectorAll("[data-slice]"));
  }

  function rotationOf(wheel) {
    return parseFloat(wheel.getAttribute("data-rotation") || "0");
  }

  function setRotation(wheel, degrees) {
    var disc = wheel.querySelector("[data-wheel-disc]");
    wheel.setAttribute("data-rotation", String(degrees));
    if (disc) disc.setAttribute("transform", "rotate(" + degrees.toFixed(3) + ")");
  }

  function setState(wheel, state) {
    wheel.setAttribute("data-state", state);
    wheel.classList.toggle("is-spinning", state === "requesting" || state === "spinning");
  }

  // The slice under the pointer (at the top) once the disc is turned clockwise by `degrees`.
  function sliceUnderPointer(wheel, degrees) {
    var angle = ((-degrees % 360) + 360) % 360;
    var slices = slicesOf(wheel);
    for (var i = 0; i < slices.length; i++) {
      var start = parseFloat(slices[i].getAttribute("data-start"));
      var end = parseFloat(slices[i].getAttribute("data-end"));
      if (angle >= start && angle < end) return slices[i];
    }
    return null;
  }

  function markLanded(wheel) {
    var slice = sliceUnderPointer(wheel, rotationOf(wheel));
    wheel.setAttribute("data-landed", slice ? slice.getAttribute("data-name") : "");
    wheel.setAttribute("data-landed-participant", slice ? slice.getAttribute("data-participant") : "");
    setState(wheel, "landed");
  }

  // A rotation, `turns` whole turns on from now, that stops a point inside the slice at the top.
  function rotationLandingOn(wheel, participant, turns, randomPoint) {
    var slice = wheel.querySelector('[data-slice][data-participant="' + participant + '"]');
    if (!slice) return null;
    var start = parseFloat(slice.getAttribute("data-start"));
    var end = parseFloat(slice.getAttribute("data-end"));
    var margin = (end - start) * 0.15;
    var point = randomPoint ? start + margin + Math.random() * (end - start - 2 * margin) : (start + end) / 2;
    var current = rotationOf(wheel);
    var delta = (((-point - current) % 360) + 360) % 360;
    return current + turns * 360 + delta;
  }

  function easeOut(t) {
    return 1 - Math.pow(1 - t, 4);
  }

  function muted() {
    try {
      return window.localStorage.getItem(MUTE_KEY) === "1";
    } catch (error) {
      return false;
    }
  }

  function setMuted(value) {
    try {
      window.localStorage.setItem(MUTE_KEY, value ? "1" : "0");
    } catch (error) {
      // Storage switched off: the toggle still works for this page.
    }
    showMuteState(value);
  }

  function showMuteState(value) {
    document.querySelectorAll("[data-wheel-mute]").forEach(function (button) {
      button.hidden = false;
      button.setAttribute("aria-pressed", value ? "true" : "false");
    });
  }

  // Browsers only let sound start from a key press or click, so open the audio then.
  function unlockAudio() {
    if (muted()) return;
    try {
      var AudioContext = window.AudioContext || window.webkitAudioContext;
      audio = audio || new AudioContext();
      if (audio.state === "suspended") audio.resume();
    } catch (error) {
      audio = null;
    }
  }

  function tick() {
    if (!audio || muted()) return;
    try {
      var now = audio.currentTime;
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.type = "square";
      oscillator.frequency.value = 1500;
      gain.gain.setValueAtTime(0.06, now);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.03);
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start(now);
      oscillator.stop(now + 0.04);
    } catch (error) {
      // No sound device: spin in silence.
    }
  }

  function animate(wheel, target, done) {
    var from = rotationOf(wheel);
    var began = null;
    var lastSlice = sliceUnderPointer(wheel, from);
    function frame(now) {
      if (began === null) began = now;
      var t = Math.min(1, (now - began) / SPIN_MS);
      setRotation(wheel, t < 1 ? from + (target - from) * easeOut(t) : target);
      var slice = sliceUnderPointer(wheel, rotationOf(wheel));
      if (slice !== lastSlice) {
        tick();
        lastSlice = slice;
      }
      if (t < 1) window.requestAnimationFrame(frame);
      else done();
    }
    window.requestAnimationFrame(frame);
  }

  function land(wheel, participant, animated) {
    var target = rotationLandingOn(wheel, participant, animated ? TURNS : 0, animated);
    if (target === null) {
      setState(wheel, "idle");
      return;
    }
    var finish = function () {
      setRotation(wheel, ((target % 360) + 360) % 360);
      markLanded(wheel);
    };
    if (!animated || reducedMotion.matches) {
      setRotation(wheel, target);
      finish();
      return;
    }
    setState(wheel, "spinning");
    animate(wheel, target, finish);
  }

  function spin(wheel) {
    if (wheel.classList.contains("is-spinning")) return;
    var form = wheel.querySelector("form[data-wheel-spin]");
    if (!form) return;
    unlockAudio();
    form.requestSubmit();
  }

  // A fresh wheel (page load, or re-drawn after a choice): show the result it carries, if any.
  function initialise(wheel) {
    if (wheel.hasAttribute("data-ready")) return;
    wheel.setAttribute("data-ready", "");
    showMuteState(muted());
    var outcome = wheel.querySelector("#wheel-outcome");
    var participant = outcome && outcome.getAttribute("data-participant");
    if (participant) land(wheel, participant, false);
    else setState(wheel, "idle");
  }

  function outcomeArrived(wheel, outcome) {
    var participant = outcome.getAttribute("data-participant");
    if (wheel.getAttribute("data-state") === "requesting" && participant) {
      land(wheel, participant, outcome.hasAttribute("data-just-spun"));
    } else if (participant && wheel.getAttribute("data-state") !== "spinning") {
      land(wheel, participant, false);
    } else if (wheel.getAttribute("data-state") !== "spinning") {
      setState(wheel, "idle");
    }
  }

  function isInteractive(element) {
    return Boolean(
      element &&
        element.closest &&
        element.closest("input, textarea, select, button, a, summary, [contenteditable]")
    );
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    var wheel = wheelRoot();
    if (!wheel || isInteractive(event.target)) return;
    if (event.key === " " || event.code === "Space") {
      event.preventDefault();
      if (!event.repeat) spin(wheel);
    } else if (event.key === "Enter" && wheel.getAttribute("data-state") === "landed") {
      var choose = wheel.querySelector("[data-wheel-choose]");
      if (choose) {
        event.preventDefault();
        choose.click();
      }
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) return;
    var opener = target.closest("[data-open-url]");
    if (opener) {
      var url = opener.getAttribute("data-open-url");
      // Opened now, inside the click, so popup blockers allow it; noopener keeps us unreachable.
      if (/^https?:\/\//i.test(url)) window.open(url, "_blank", "noopener");
    }
    var mute = target.closest("[data-wheel-mute]");
    if (mute) {
      setMuted(!muted());
      // After a mouse click, give Space back to the wheel rather than to this button.
      if (event.detail > 0) mute.blur();
    }
    if (target.closest("form[data-wheel-spin] [type=submit]")) unlockAudio();
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var wheel = wheelRoot();
    var form = event.target.closest && event.target.closest("form[data-wheel-spin]");
    if (!wheel || !form) return;
    if (wheel.classList.contains("is-spinning")) {
      event.preventDefault();
      return;
    }
    wheel.removeAttribute("data-landed");
    wheel.removeAttribute("data-landed-participant");
    setState(wheel, "requesting");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var wheel = wheelRoot();
    var form = event.target.closest && event.target.closest("form[data-wheel-spin]");
    var swapped = event.detail.successful || (event.detail.xhr && event.detail.xhr.status === 422);
    if (wheel && form && !swapped && wheel.getAttribute("data-state") === "requesting") {
      setState(wheel, "idle");
    }
  });

  document.addEventListener("htmx:load", function (event) {
    var wheel = wheelRoot();
    var element = event.target;
    if (!wheel || !element) return;
    if (element.id === "wheel-outcome") outcomeArrived(wheel, element);
    else if (element.contains && element.contains(wheel)) initialise(wheel);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var wheel = wheelRoot();
    if (wheel) initialise(wheel);
  });
})();

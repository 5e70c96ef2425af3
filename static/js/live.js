// Live parts of a page (an open incident, the banner of major incidents, the incident list)
// poll with htmx and carry data-live. When a poll is refused, the page says why in the words
// the server sent (a deleted incident, a session that ended) and stops asking; when the server
// cannot be reached, it says so and keeps asking, and clears the notice once it answers again.
(function () {
  "use strict";
  const UNREACHABLE = "Can't reach opsreview: what you see may be out of date. Trying again.";

  function notice() {
    return document.getElementById("live-notice");
  }

  function say(text) {
    const box = notice();
    if (box) {
      box.textContent = text;
      box.hidden = false;
    }
  }

  function live(event) {
    const elt = event.detail && event.detail.elt;
    return elt && elt.hasAttribute && elt.hasAttribute("data-live") ? elt : null;
  }

  document.addEventListener("htmx:responseError", function (event) {
    const elt = live(event);
    if (!elt) {
      return;
    }
    const xhr = event.detail.xhr;
    const type = xhr.getResponseHeader("Content-Type") || "";
    if (xhr.status >= 500) {
      say(UNREACHABLE);
      return;
    }
    say(type.startsWith("text/plain") && xhr.responseText
      ? xhr.responseText
      : "This page can no longer show changes: reload it.");
    elt.remove(); // an element no longer in the page polls no more
  });

  document.addEventListener("htmx:sendError", function (event) {
    if (live(event)) {
      say(UNREACHABLE);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const box = notice();
    if (live(event) && event.detail.successful && box && box.textContent === UNREACHABLE) {
      box.hidden = true;
      box.textContent = "";
    }
  });
})();

// Offers the browser's time zone to a person who has not chosen one: the header's form (see
// base.html) names it on its "Use" button and is shown when it differs from the zone times are
// shown in. Without this script the profile page chooses the zone.
(function () {
  "use strict";

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function offer() {
    const form = document.querySelector("[data-zone-offer]");
    const zone = browserZone();
    if (!form || !zone || zone === form.dataset.shownZone) return;
    form.querySelectorAll("[data-browser-zone]").forEach(function (name) {
      name.textContent = zone;
    });
    form.querySelector("[data-use-browser-zone]").value = zone;
    form.hidden = false;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", offer);
  } else {
    offer();
  }
})();

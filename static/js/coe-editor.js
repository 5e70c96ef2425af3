// The COE editor never lets a writer believe unsaved text is saved: a save that does not reach
// the server says so next to the section, and leaving the page with unsaved text asks first.
(function () {
  "use strict";
  const unsaved = new Set();

  function textForm(element) {
    return element && element.closest ? element.closest("form.text-form") : null;
  }

  document.addEventListener("input", function (event) {
    const form = textForm(event.target);
    if (form && event.target.matches("textarea")) {
      unsaved.add(form.id);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const form = textForm(event.detail.elt);
    const path = event.detail.requestConfig ? event.detail.requestConfig.path : "";
    if (!form || path.indexOf("/text/") === -1) {
      return; // previews and other requests are not saves
    }
    if (event.detail.successful) {
      unsaved.delete(form.id);
      return;
    }
    const status = document.getElementById("status-" + form.id.replace(/^form-/, ""));
    const code = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status && code !== 409 && code !== 422) {
      status.textContent =
        "Not saved: the server did not answer. Your text is still here and is saved with your next change.";
      status.classList.add("save-failed");
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (unsaved.size) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();

// Meeting notes are saved as they are typed; a save that does not reach the server says so next
// to the section, and leaving the page with unsaved notes asks first (as in the COE editor).
(function () {
  "use strict";
  const unsaved = new Set();

  function notesForm(element) {
    return element && element.closest ? element.closest("form.notes-form") : null;
  }

  document.addEventListener("input", function (event) {
    const form = notesForm(event.target);
    if (form && event.target.matches("textarea")) {
      unsaved.add(form.id);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const form = notesForm(event.detail.elt);
    if (!form) {
      return;
    }
    if (event.detail.successful) {
      unsaved.delete(form.id);
      return;
    }
    const status = document.getElementById("status-" + form.id.replace(/^form-/, ""));
    const code = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status && code !== 409 && code !== 422) {
      status.textContent =
        "Not saved: the server did not answer. Your notes are still here and are saved with your next change.";
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

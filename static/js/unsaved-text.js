// Text that saves as it is typed (COE sections, meeting notes) never lets a writer believe unsaved
// text is saved: a save that does not reach the server says so next to the form, and leaving the
// page with unsaved text asks first. A guarded form carries data-unsaved-guard; its saves are the
// requests to its own action (a preview from the same form is not a save). The form's id is
// form-<key>, its status line status-<key>.
(function () {
  "use strict";
  const unsaved = new Set();

  function guardedForm(element) {
    return element && element.closest ? element.closest("form[data-unsaved-guard]") : null;
  }

  document.addEventListener("input", function (event) {
    const form = guardedForm(event.target);
    if (form && event.target.matches("textarea")) {
      unsaved.add(form.id);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const form = guardedForm(event.detail.elt);
    const path = event.detail.requestConfig ? event.detail.requestConfig.path : "";
    if (!form || path !== form.getAttribute("action")) {
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

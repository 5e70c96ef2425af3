// Answers that grow with their text instead of clipping it: CSS field-sizing where the browser
// has it, else the box is sized to its text as it is typed and when the page (or a part) loads.
(function () {
  "use strict";
  if (window.CSS && CSS.supports && CSS.supports("field-sizing", "content")) return;
  function fit(box) {
    box.style.height = "auto";
    box.style.height = box.scrollHeight + 2 + "px";
  }
  function fitAll(root) {
    root.querySelectorAll("textarea.grows").forEach(fit);
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea.grows")) fit(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () { fitAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { fitAll(event.target); });
})();

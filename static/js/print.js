// "Print or save as PDF" on a COE: the browser's print dialog, where static/css/print.css makes
// the page a clean document. The button stays hidden without JavaScript, which it needs.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();

// Selecting words in a COE section fills in the passage a new comment is about, and opens
// that section's comment form. Without JavaScript the passage can be typed in.
(function () {
  "use strict";
  function sectionOf(node) {
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    var part = element && element.closest("[id^='part-']");
    return part ? part.id.slice("part-".length) : "";
  }
  function quoteSelection() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed) return;
    var key = sectionOf(selection.anchorNode);
    if (!key || key !== sectionOf(selection.focusNode)) return;
    if (selection.anchorNode.nodeType === 1 && selection.anchorNode.closest("textarea, input")) return;
    var text = selection.toString().trim().slice(0, 1000);
    var box = document.querySelector("textarea[data-quote-for='" + key + "']");
    if (!text || !box) return;
    box.value = text;
    var details = box.closest("details");
    if (details) details.open = true;
  }
  document.addEventListener("mouseup", quoteSelection);
  document.addEventListener("keyup", function (event) {
    if (event.shiftKey) quoteSelection();
  });
})();

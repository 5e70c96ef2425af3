// A picker's box (people, teams, services) is a WAI-ARIA combobox: htmx fills its listbox with
// suggestions as it is typed into; Down/Up move through them, Enter or a click takes one,
// Escape closes the list. Without this script the box is a plain text field the server reads.
(function () {
  "use strict";

  function listFor(input) {
    return document.getElementById(input.getAttribute("aria-controls"));
  }

  function options(list) {
    return Array.from(list.querySelectorAll("[role=option]"));
  }

  function close(input) {
    const list = listFor(input);
    if (list) {
      list.hidden = true;
      options(list).forEach(function (option) { option.setAttribute("aria-selected", "false"); });
    }
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function open(input) {
    const list = listFor(input);
    if (!list || options(list).length === 0) {
      close(input);
      return false;
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    return true;
  }

  function activate(input, step) {
    const list = listFor(input);
    if (!list || (list.hidden && !open(input))) {
      return;
    }
    const all = options(list);
    const current = all.findIndex(function (option) { return option.id === input.getAttribute("aria-activedescendant"); });
    const next = current === -1 ? (step > 0 ? 0 : all.length - 1) : (current + step + all.length) % all.length;
    all.forEach(function (option, index) { option.setAttribute("aria-selected", index === next ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", all[next].id);
    all[next].scrollIntoView({ block: "nearest" });
  }

  function take(input, option) {
    input.value = option.dataset.value;
    close(input);
    input.focus();
  }

  function pickerInput(element) {
    return element && element.matches && element.matches("input[data-picker]") ? element : null;
  }

  document.addEventListener("keydown", function (event) {
    const input = pickerInput(event.target);
    if (!input) {
      return;
    }
    const expanded = input.getAttribute("aria-expanded") === "true";
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (event.altKey) {
        open(input);
      } else {
        activate(input, event.key === "ArrowDown" ? 1 : -1);
      }
    } else if (event.key === "Enter" && expanded && input.getAttribute("aria-activedescendant")) {
      event.preventDefault();  // take the suggestion; the next Enter sends the form
      take(input, document.getElementById(input.getAttribute("aria-activedescendant")));
    } else if (event.key === "Escape" && expanded) {
      event.preventDefault();
      close(input);
    }
  });

  document.addEventListener("mousedown", function (event) {
    const option = event.target.closest && event.target.closest(".picker-options [role=option]");
    if (option) {
      event.preventDefault();  // keep the focus in the box
      take(document.querySelector("[aria-controls='" + option.parentElement.id + "']"), option);
    }
  });

  document.addEventListener("focusout", function (event) {
    const input = pickerInput(event.target);
    if (input) {
      close(input);
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    const list = event.detail.target;
    if (!list.classList || !list.classList.contains("picker-options")) {
      return;
    }
    options(list).forEach(function (option, index) { option.id = list.id + "-" + index; });
    const input = document.querySelector("[aria-controls='" + list.id + "']");
    close(input);
    if (document.activeElement === input) {
      open(input);
    }
  });
})();

// Images in COE sections: chosen with the file picker, dropped on a section's text box or pasted
// into it (a screenshot of a dashboard). Each is uploaded with a progress bar; the markdown that
// shows it goes in at the cursor, and the text box's own input event then refreshes the preview
// and autosaves. Without this script the form still uploads and says what to paste.
(function () {
  "use strict";

  const ACCEPTED = ["image/png", "image/jpeg", "image/gif", "image/webp"];

  function formFor(textarea) {
    return document.querySelector(`form[data-image-upload][data-textarea="${textarea.id}"]`);
  }

  function say(form, text, isError) {
    const status = form.querySelector(".upload-status");
    status.replaceChildren();
    const line = document.createElement("span");
    line.textContent = text;
    if (isError) {
      line.className = "field-error";
      line.setAttribute("role", "alert");
    }
    status.append(line);
  }

  function insertAtCursor(textarea, markdown) {
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? start;
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(end);
    const lead = before && !before.endsWith("\n\n") ? (before.endsWith("\n") ? "\n" : "\n\n") : "";
    const tail = after.startsWith("\n") ? "" : "\n";
    textarea.value = before + lead + markdown + tail + after;
    const cursor = (before + lead + markdown + tail).length;
    textarea.setSelectionRange(cursor, cursor);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function captionFrom(file) {
    const name = (file.name || "").replace(/\.[a-z0-9]+$/i, "").replace(/[_-]+/g, " ").trim();
    return name && name.toLowerCase() !== "image" ? name : "Screenshot";
  }

  function upload(form, file) {
    const textarea = document.getElementById(form.dataset.textarea);
    const progress = form.querySelector(".upload-progress");
    const captionInput = form.querySelector("[name=caption]");
    const maxBytes = Number(form.dataset.maxBytes || 0);
    if (!ACCEPTED.includes(file.type)) {
      say(form, `“${file.name || "That file"}” is not a PNG, JPEG, GIF or WebP image.`, true);
      return;
    }
    if (maxBytes && file.size > maxBytes) {
      const megabytes = (size) => `${(size / 1e6).toFixed(1)} MB`;
      say(form, `That image is ${megabytes(file.size)}; the most is ${megabytes(maxBytes)}.`, true);
      return;
    }
    const data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.append("section", form.querySelector("[name=section]").value);
    data.append("caption", captionInput.value.trim() || captionFrom(file));
    data.append("image", file, file.name || "pasted-image");

    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) progress.value = Math.round((100 * event.loaded) / event.total);
    });
    request.addEventListener("load", () => {
      progress.hidden = true;
      let answer = {};
      try {
        answer = JSON.parse(request.responseText);
      } catch {
        answer = {};
      }
      if (request.status === 201 && answer.markdown) {
        insertAtCursor(textarea, answer.markdown);
        captionInput.value = "";
        form.querySelector("input[type=file]").value = "";
        say(form, "Image added to the text; it is saved with it.", false);
      } else {
        say(form, answer.error || `The upload failed (${request.status}); try again.`, true);
      }
    });
    request.addEventListener("error", () => {
      progress.hidden = true;
      say(form, "The upload did not reach the server; check the connection and try again.", true);
    });
    progress.value = 0;
    progress.hidden = false;
    say(form, "Uploading…", false);
    request.send(data);
  }

  function imagesIn(transfer) {
    return Array.from((transfer && transfer.files) || []).filter((file) =>
      file.type.startsWith("image/"),
    );
  }

  // The editor's list of images: "Insert" puts one in its section where the cursor was.
  document.querySelectorAll("[data-insert-image]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => {
      const textarea = document.getElementById(button.dataset.textarea);
      if (!textarea) return;
      insertAtCursor(textarea, button.dataset.insertImage);
      textarea.focus();
      textarea.scrollIntoView({ block: "center" });
    });
  });

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-image-upload]");
    if (!form) return;
    event.preventDefault();
    const [file] = form.querySelector("input[type=file]").files;
    if (file) upload(form, file);
    else say(form, "Choose an image first.", true);
  });

  document.addEventListener("change", (event) => {
    const form = event.target.closest("form[data-image-upload]");
    if (form && event.target.type === "file" && event.target.files.length) {
      upload(form, event.target.files[0]);
    }
  });

  document.addEventListener("paste", (event) => {
    const textarea = event.target;
    const form = textarea.tagName === "TEXTAREA" && formFor(textarea);
    const images = form ? imagesIn(event.clipboardData) : [];
    if (!images.length) return; // text pastes as text
    event.preventDefault();
    images.forEach((file) => upload(form, file));
  });

  document.addEventListener("dragover", (event) => {
    const textarea = event.target;
    if (textarea.tagName === "TEXTAREA" && formFor(textarea) &&
        Array.from(event.dataTransfer.types).includes("Files")) {
      event.preventDefault();
      textarea.classList.add("drop-target");
    }
  });

  document.addEventListener("dragleave", (event) => {
    if (event.target.classList) event.target.classList.remove("drop-target");
  });

  document.addEventListener("drop", (event) => {
    const textarea = event.target;
    const form = textarea.tagName === "TEXTAREA" && formFor(textarea);
    if (!form) return;
    const images = imagesIn(event.dataTransfer);
    if (!images.length) return;
    event.preventDefault();
    textarea.classList.remove("drop-target");
    textarea.focus();
    images.forEach((file) => upload(form, file));
  });
})();

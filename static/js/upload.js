// Attachment and image fields: send each chosen file to the upload endpoint with a
// progress bar, put the chip the server answers (or its message) into the list, remove
// chips, and let Save wait for uploads still on their way. The entry form re-renders
// itself through htmx meanwhile, so uploads find their list again by field id.
(function () {
  "use strict";

  var pending = [];  // uploads on their way: {fieldId, node, xhr}
  var kept = [];     // answered chips the server has not rendered back yet: {fieldId, node, token}
  var waitingSubmit = null;  // the Save button pressed while files were still uploading

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function listFor(fieldId) {
    var input = document.getElementById("fld-" + fieldId);
    var widget = input && input.closest("[data-upload-field]");
    return widget ? widget.querySelector("[data-file-list]") : null;
  }

  function fieldIdOf(input) {
    return input.id.replace(/^fld-/, "");
  }

  function refresh(list) {
    // A change inside the entry form makes it re-render (required marks, messages).
    var marker = list && list.parentNode && list.parentNode.querySelector("input[type=hidden]");
    if (marker) marker.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function errorChip(message) {
    var li = document.createElement("li");
    li.className = "file-chip is-error";
    li.setAttribute("role", "alert");
    li.setAttribute("data-file-chip", "");
    li.setAttribute("data-upload-error", "");
    var text = document.createElement("span");
    text.className = "file-text file-error";
    text.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-icon file-remove";
    close.setAttribute("data-file-remove", "");
    close.setAttribute("aria-label", "×");
    close.textContent = "×";
    li.appendChild(text);
    li.appendChild(close);
    return li;
  }

  function pendingChip(file) {
    var li = document.createElement("li");
    li.className = "file-chip is-uploading";
    li.setAttribute("data-file-chip", "");
    var text = document.createElement("span");
    text.className = "file-text";
    var name = document.createElement("span");
    name.className = "file-name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.className = "file-progress";
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    text.appendChild(name);
    li.appendChild(text);
    li.appendChild(bar);
    return li;
  }

  function fromHtml(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function sizeText(bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1048576) return Math.round(bytes / 1024) + " KB";
    return (bytes / 1048576).toFixed(1).replace(/\.0$/, "") + " MB";
  }

  function finish(entry, node, ok) {
    pending = pending.filter(function (p) { return p !== entry; });
    var list = listFor(entry.fieldId);
    if (list && ok && Number(entry.maxFiles) === 1) {
      Array.prototype.forEach.call(list.querySelectorAll("[data-file-chip]"), function (chip) {
        if (chip !== entry.node) chip.remove();
      });
    }
    if (entry.node.parentNode) entry.node.replaceWith(node);
    else if (list) list.appendChild(node);
    var hidden = node.querySelector("input[type=hidden]");
    kept = kept.filter(function (k) { return k.node.isConnected; });
    kept.push({ fieldId: entry.fieldId, node: node, token: hidden ? hidden.value : null });
    if (ok) refresh(list);
    if (!pending.length && waitingSubmit) {
      var button = waitingSubmit;
      waitingSubmit = null;
      if (button.form) button.form.requestSubmit(button);
    }
  }

  function send(input, file) {
    var fieldId = fieldIdOf(input);
    var list = listFor(fieldId);
    var maxBytes = Number(input.getAttribute("data-max-bytes") || 0);
    if (maxBytes && file.size > maxBytes) {
      var message = (input.getAttribute("data-too-large") || "").replace("{size}",
        sizeText(file.size));
      if (list) list.appendChild(errorChip(message));
      return;
    }
    var entry = { fieldId: fieldId, node: pendingChip(file),
                  maxFiles: input.closest("[data-upload-field]").getAttribute("data-max-files") };
    if (list) list.appendChild(entry.node);
    var data = new FormData();
    data.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    entry.xhr = xhr;
    pending.push(entry);
    xhr.open("POST", input.getAttribute("data-upload"));
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("HX-Request", "true");
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) return;
      var bar = entry.node.querySelector("progress");
      if (bar) bar.value = Math.round(event.loaded * 100 / event.total);
    });
    xhr.addEventListener("load", function () {
      var node = (xhr.status === 200 || xhr.status === 422) ? fromHtml(xhr.responseText) : null;
      finish(entry, node || errorChip(file.name + ": " + xhr.status + " " + xhr.statusText),
             xhr.status === 200);
    });
    xhr.addEventListener("error", function () {
      finish(entry, errorChip(file.name + ": " + (navigator.onLine ? "✕" : "offline")), false);
    });
    xhr.send(data);
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-upload]")) return;
    // Files go up one by one; the entry form's own refresh must not see this change.
    event.stopPropagation();
    Array.prototype.forEach.call(input.files || [], function (file) { send(input, file); });
    input.value = "";
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-file-remove]");
    if (!button) return;
    var chip = button.closest("[data-file-chip]");
    var list = chip && chip.parentNode;
    var wasFile = chip && !chip.hasAttribute("data-upload-error");
    kept = kept.filter(function (k) { return k.node !== chip; });
    if (chip) chip.remove();
    if (wasFile) refresh(list);
  });

  // The entry form was re-rendered, maybe from a request sent before the last upload
  // finished: put back uploads on their way, and answers the new form does not show yet.
  document.addEventListener("htmx:load", function () {
    kept = kept.filter(function (entry) {
      var list = listFor(entry.fieldId);
      if (!list) return true;
      if (entry.token && list.querySelector("input[value='" + entry.token + "']")) {
        return false;  // the server rendered it back: it is part of the form now
      }
      if (!list.contains(entry.node)) list.appendChild(entry.node);
      return true;
    });
    pending.forEach(function (entry) {
      var list = listFor(entry.fieldId);
      if (list && !list.contains(entry.node)) list.appendChild(entry.node);
    });
  });

  // Save waits for uploads still on their way, then goes ahead by itself.
  document.addEventListener("submit", function (event) {
    if (!pending.length || !event.target.hasAttribute("data-entry")) return;
    event.preventDefault();
    waitingSubmit = event.submitter || event.target.querySelector("button[type=submit]");
    pending.forEach(function (entry) { entry.node.classList.add("is-waiting"); });
  }, true);
})();

// Form designer: drag from the palette, reorder on the canvas, autosave through htmx.
// The server owns the document: every change is one operation posted with the draft
// revision, and the answer redraws the canvas (and the panel when needed).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function byId(id) { return document.getElementById(id); }
  function inDesigner(elt) { var root = byId("designer"); return root && root.contains(elt); }

  // Every designer request carries the current revision; "add" buttons add after the
  // selection; the panel says which input changed so the server knows whether to redraw it.
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (!inDesigner(elt) || event.detail.verb !== "post") return;
    var params = event.detail.parameters;
    var revision = byId("draft-revision");
    if (revision) params.revision = revision.value;
    if (elt.hasAttribute("data-add")) {
      var canvas = byId("canvas");
      var selected = canvas && canvas.dataset.selected;
      if (selected) params.after = selected; else delete params.after;
    }
    var trigger = event.detail.triggeringEvent;
    // A panel showing problems is always drawn again, so fixed problems disappear.
    if (elt.hasAttribute("data-panel") && trigger && trigger.type === "change" && trigger.target.name &&
        !elt.querySelector(".has-error, .error-text")) {
      params.changed = trigger.target.name;
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (inDesigner(event.detail.elt) && event.detail.requestConfig.verb === "post") {
      byId("designer").classList.add("is-saving");
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var root = byId("designer");
    if (root) root.classList.remove("is-saving");
    var revision = byId("draft-revision");
    if (revision) {
      document.querySelectorAll("[data-revision]").forEach(function (input) { input.value = revision.value; });
    }
  });
  // Keep the selected element in view after the canvas is drawn again (e.g. a field added
  // at the end of a long form).
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.target || event.detail.target.id !== "canvas") return;
    var selected = document.querySelector("#canvas .cv-item.is-selected");
    if (selected && selected.scrollIntoView) selected.scrollIntoView({ block: "nearest" });
  });

  function showFailure() {
    var root = byId("designer");
    var alert = byId("designer-alert");
    if (!root || !alert) return;
    var box = document.createElement("div");
    box.className = "alert alert-error";
    box.setAttribute("role", "alert");
    box.textContent = root.dataset.errorMessage;
    alert.replaceChildren(box);
  }
  document.addEventListener("htmx:sendError", function (event) { if (inDesigner(event.detail.elt)) showFailure(); });
  document.addEventListener("htmx:responseError", function (event) {
    if (inDesigner(event.detail.elt) && event.detail.xhr.status >= 500) showFailure();
  });

  // Drags become operations through one hidden htmx form.
  function send(values) {
    var form = byId("designer-op");
    if (!form) return;
    ["op", "type", "id", "position", "parent"].forEach(function (key) {
      form.elements[key].value = values[key] === undefined || values[key] === null ? "" : values[key];
    });
    window.htmx.trigger(form, "submit");
  }

  // The item's index among the canvas elements of its new list (hints and the palette
  // entry being dropped are not counted; Sortable's own indexes depend on who dragged).
  function positionOf(item) {
    var position = 0;
    for (var el = item.previousElementSibling; el; el = el.previousElementSibling) {
      if (el.classList.contains("cv-item")) position += 1;
    }
    return position;
  }

  function isSectionDrag(dragEl) {
    return dragEl.classList.contains("cv-section") || dragEl.dataset.op === "add_section";
  }

  function initPalette(list) {
    window.Sortable.create(list, {
      group: { name: "form", pull: "clone", put: false },
      sort: false,
      draggable: ".palette-item",
      animation: 150,
      onEnd: function (event) {
        if (!event.to.classList.contains("cv-list")) return;
        var item = event.item;
        var values = { op: item.dataset.op, position: positionOf(item), parent: event.to.dataset.parent };
        if (item.dataset.op === "add_field") values.type = item.dataset.type;
        item.remove();
        send(values);
      }
    });
  }

  function initCanvasList(list) {
    var inSection = !!list.dataset.parent;
    window.Sortable.create(list, {
      group: { name: "form", pull: true, put: inSection ? function (to, from, dragEl) { return !isSectionDrag(dragEl); } : true },
      draggable: ".cv-item",
      filter: ".cv-tools, .cv-drop-hint, .canvas-empty",
      preventOnFilter: false,
      animation: 150,
      ghostClass: "cv-ghost",
      chosenClass: "cv-chosen",
      emptyInsertThreshold: 24,
      onEnd: function (event) {
        if (!event.to.classList.contains("cv-list")) return;
        if (event.to === event.from && event.oldIndex === event.newIndex) return;
        send({ op: "move", id: event.item.dataset.id, position: positionOf(event.item), parent: event.to.dataset.parent });
      }
    });
  }

  function init(root) {
    if (!window.Sortable) return;
    var scope = root.querySelectorAll ? root : document;
    var lists = Array.prototype.slice.call(scope.querySelectorAll("[data-palette], .cv-list"));
    if (scope.matches && scope.matches("[data-palette], .cv-list")) lists.push(scope);
    lists.forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      if (list.hasAttribute("data-palette")) initPalette(list); else initCanvasList(list);
    });
  }

  // Desktop / phone preview: a class on the canvas pane, remembered for this tab.
  function setPreview(mode) {
    var pane = byId("canvas-pane");
    if (!pane) return;
    pane.classList.toggle("is-phone", mode === "phone");
    document.querySelectorAll("[data-preview]").forEach(function (button) {
      var on = button.dataset.preview === mode;
      button.classList.toggle("is-active", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
    try { sessionStorage.setItem("jimu-designer-preview", mode); } catch (e) { /* private mode */ }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-preview]");
    if (button) setPreview(button.dataset.preview);
  });

  // The type-change preview and the purge confirmation open in a <dialog>: htmx loads
  // it, this opens it; Cancel closes it, and a change sent from it closes it once answered.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "designer-dialog" && !target.open) target.showModal();
  });
  document.addEventListener("click", function (event) {
    var closer = event.target.closest && event.target.closest("#designer-dialog [data-close-dialog]");
    if (!closer) return;
    event.preventDefault();
    byId("designer-dialog").close();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var dialog = byId("designer-dialog");
    if (dialog && dialog.open && event.detail.elt.closest && event.detail.elt.closest("[data-dialog-done]")) {
      dialog.close();
    }
  });
  document.addEventListener("close", function (event) {
    if (event.target.id === "designer-dialog") event.target.replaceChildren();
  }, true);

  function start() {
    if (!byId("designer")) return;
    var saved = null;
    try { saved = sessionStorage.getItem("jimu-designer-preview"); } catch (e) { /* ignore */ }
    if (saved === "phone") setPreview("phone");
    // On a phone the palette starts folded so the form is visible first.
    var palette = byId("palette");
    if (palette && window.matchMedia("(max-width: 900px)").matches) palette.removeAttribute("open");
    if (window.htmx) window.htmx.onLoad(init); else init(document);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

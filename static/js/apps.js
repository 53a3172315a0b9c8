// Apps: drag-to-reorder on the home page, the "New app" dialog, the icon/colour preview.
(function () {
  "use strict";

  // Drag cards by their handle; the new order is posted through a hidden htmx form.
  var grid = document.querySelector("[data-sortable]");
  var reorderForm = grid && document.getElementById(grid.dataset.reorderForm);
  if (grid && reorderForm && window.Sortable) {
    window.Sortable.create(grid, {
      handle: ".drag-handle",
      draggable: ".app-card",
      animation: 150,
      ghostClass: "sortable-ghost",
      onEnd: function (event) {
        if (event.oldIndex === event.newIndex) return;
        var ids = Array.prototype.map.call(grid.querySelectorAll(".app-card[data-id]"),
          function (card) { return card.dataset.id; });
        reorderForm.elements.ids.value = ids.join(",");
        window.htmx.trigger(reorderForm, "submit");
      }
    });
    // If the server refused the order, show the order it kept.
    reorderForm.addEventListener("htmx:responseError", function () { window.location.reload(); });
    reorderForm.addEventListener("htmx:sendError", function () { window.location.reload(); });
  }

  // A form loaded into a <dialog> by htmx opens it as a modal.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.tagName === "DIALOG" && !target.open) target.showModal();
  });
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    var dialog = closer && closer.closest("dialog");
    if (!dialog) return;
    event.preventDefault();
    dialog.close();
  });
  // Empty a closed dialog so the next opening loads a fresh form.
  document.addEventListener("close", function (event) {
    if (event.target.tagName === "DIALOG" && event.target.id === "app-dialog") {
      event.target.replaceChildren();
    }
  }, true);

  // Show the chosen icon and colour in the form's preview tile.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-preview-icon], [data-preview-color]")) return;
    var preview = input.form && input.form.querySelector("[data-app-preview]");
    if (!preview) return;
    if (input.hasAttribute("data-preview-color")) {
      preview.className = preview.className.replace(/\bc-[a-z]+\b/, "c-" + input.value);
    } else {
      var use = preview.querySelector("use");
      use.setAttribute("href", use.getAttribute("href").replace(/#i-.*$/, "#i-" + input.value));
    }
  });
})();

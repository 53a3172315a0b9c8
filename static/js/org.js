// Organisation: drag departments (SortableJS nested lists) and post each move through htmx.
(function () {
  "use strict";

  function moveForm() { return document.getElementById("org-move-form"); }

  function post(item, list) {
    var form = moveForm();
    if (!form || !window.htmx) return;
    var siblings = Array.prototype.filter.call(list.children, function (el) {
      return el.classList.contains("org-node");
    });
    form.elements.department_id.value = item.dataset.id;
    form.elements.parent_id.value = list.dataset.parent || "";
    form.elements.position.value = String(siblings.indexOf(item));
    window.htmx.trigger(form, "submit");
  }

  function init(root) {
    if (!window.Sortable) return;
    var lists = root.querySelectorAll ? root.querySelectorAll("ul.org-tree") : [];
    Array.prototype.forEach.call(lists, function (list) {
      if (list.dataset.sortableReady || list.hasAttribute("data-locked")) return;
      list.dataset.sortableReady = "1";
      window.Sortable.create(list, {
        group: "org-departments",
        handle: ".drag-handle",
        draggable: ".org-node",
        animation: 150,
        fallbackOnBody: true,
        swapThreshold: 0.65,
        emptyInsertThreshold: 12,
        ghostClass: "sortable-ghost",
        onEnd: function (event) {
          if (event.from === event.to && event.oldIndex === event.newIndex) return;
          post(event.item, event.to);
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    var form = moveForm();
    if (!form) return;
    // A refused move answers 422 with the tree as the server kept it: show it.
    form.addEventListener("htmx:afterSwap", function () { init(document); });
    form.addEventListener("htmx:sendError", function () { window.location.reload(); });
  });
})();

// Table views: drag to reorder (columns, views), resize columns, select rows for bulk
// actions, double-click a cell to edit it. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  var MIN = 60, MAX = 800, STEP = 20;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) { return ""; }
  }

  // Lists marked data-sortable: drag by the handle; the form posts the new order itself.
  function initSortable(root) {
    if (!window.Sortable) return;
    root.querySelectorAll("[data-sortable]").forEach(function (list) {
      if (list.dataset.sortableReady) return;
      list.dataset.sortableReady = "1";
      window.Sortable.create(list, { handle: ".drag-handle", animation: 120 });
    });
  }

  // Bulk bar: how many rows are ticked; "select all" ticks the page.
  function refreshBulk() {
    var bar = document.querySelector("[data-bulk]");
    if (!bar) return;
    var boxes = document.querySelectorAll("input[name=ids][form=bulk-form]");
    var ticked = 0;
    boxes.forEach(function (box) { if (box.checked) ticked += 1; });
    var counter = bar.querySelector("[data-bulk-count]");
    if (counter) counter.textContent = String(ticked);
    bar.classList.toggle("is-idle", ticked === 0);
    var all = document.querySelector(".select-all");
    if (all) {
      all.checked = ticked > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.classList && target.classList.contains("select-all")) {
      document.querySelectorAll("input[name=ids][form=bulk-form]").forEach(function (box) {
        box.checked = target.checked;
      });
    }
    if (target.name === "ids" || (target.classList && target.classList.contains("select-all"))) {
      refreshBulk();
    }
  });

  // "Export selected": the export address with the ticked rows' ids.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-bulk-export]");
    if (!link) return;
    var ids = [];
    document.querySelectorAll("input[name=ids][form=bulk-form]:checked").forEach(function (box) {
      ids.push(box.value);
    });
    if (!ids.length) { event.preventDefault(); return; }
    var url = new URL(link.href, window.location.href);
    url.searchParams.set("ids", ids.join(","));
    link.href = url.toString();
  });

  // Double-click an editable cell to open its editor; Escape cancels.
  document.addEventListener("dblclick", function (event) {
    var cell = event.target.closest && event.target.closest("td.cell-editable");
    if (!cell || cell.querySelector(".cell-editor")) return;
    var button = cell.querySelector(".cell-edit");
    if (button) button.click();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var editor = event.target.closest && event.target.closest(".cell-editor");
    var cancel = editor && editor.querySelector(".cell-cancel");
    if (cancel) cancel.click();
  });

  // Column widths: drag the handle at a header's right edge. Saved to the view if allowed.
  var drag = null;
  document.addEventListener("pointerdown", function (event) {
    var handle = event.target.closest && event.target.closest(".col-resize");
    if (!handle) return;
    var table = handle.closest("table");
    var col = table.querySelector("col[data-key='" + handle.dataset.key + "']");
    var th = handle.closest("th");
    if (!col || !th) return;
    event.preventDefault();
    drag = { table: table, col: col, key: handle.dataset.key, x: event.clientX,
             width: th.getBoundingClientRect().width };
    document.documentElement.classList.add("is-resizing");
  });
  document.addEventListener("pointermove", function (event) {
    if (!drag) return;
    var width = Math.max(MIN, Math.min(MAX, drag.width + event.clientX - drag.x));
    drag.col.style.width = width + "px";
  });
  document.addEventListener("pointerup", function () {
    if (!drag) return;
    var done = drag;
    drag = null;
    document.documentElement.classList.remove("is-resizing");
    var width = parseFloat(done.col.style.width) || done.width;
    width = Math.max(MIN, Math.min(MAX, Math.round(width / STEP) * STEP));
    done.col.style.width = width + "px";
    var url = done.table.dataset.widthsUrl;
    if (!url) return;
    var body = new URLSearchParams();
    body.append("w." + done.key, String(width));
    fetch(url, { method: "POST", body: body, credentials: "same-origin",
                 headers: { "X-CSRFToken": csrfToken() } });
  });

  function init(root) {
    initSortable(root);
    refreshBulk();
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();

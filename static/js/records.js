// Entry forms: remember which fields were touched, keep what is typed while the server
// re-renders the form (visibility, required marks, messages), never lose a click on Save.
(function () {
  "use strict";

  var inFlight = false;   // a refresh request is on its way
  var typed = {};         // input id -> value typed while it was
  var touched = {};       // field id -> true, merged into the hidden _touched input
  var saving = false;     // the person is pressing or has pressed a save button

  function entryForm(element) {
    var form = element && (element.form || (element.closest && element.closest("form")));
    return form && form.hasAttribute("data-entry") ? form : null;
  }

  function fieldId(element) {
    var match = /^(f_[a-z0-9]+)/.exec(element.name || "");
    return match ? match[1] : null;
  }

  // A sub-table cell ("f_sub-2-f_qty") is also touched on its own, as "f_sub.2.f_qty".
  function cellKey(element) {
    var match = /^(f_[a-z0-9]+)-(\d+)-(f_[a-z0-9]{4,})$/.exec(element.name || "");
    return match ? match[1] + "." + match[2] + "." + match[3] : null;
  }

  function isRowButton(element) {
    return element && element.hasAttribute && element.hasAttribute("data-rows");
  }
  // When a sub-table row began to be added/removed/moved (0: none). The button is gone once
  // the form is swapped, so its own afterRequest never reaches the document: the new form
  // clears it, and a request that never answers stops counting after 10 s.
  var rowsSince = 0;
  function rowsPending() { return rowsSince && Date.now() - rowsSince < 10000; }

  function remember(form) {
    var input = form.elements.namedItem("_touched");
    if (!input) return;
    input.value.split(",").forEach(function (id) { if (id) touched[id] = true; });
    input.value = Object.keys(touched).join(",");
  }

  function note(event) {
    var form = entryForm(event.target);
    if (!form) return;
    var id = fieldId(event.target);
    if (id) touched[id] = true;
    var cell = cellKey(event.target);
    if (cell) touched[cell] = true;
    remember(form);
    if (inFlight && event.target.id) {
      var el = event.target;
      typed[el.id] = (el.type === "checkbox" || el.type === "radio") ? { checked: el.checked }
        : { value: el.value };
    }
  }
  document.addEventListener("input", note, true);
  document.addEventListener("change", note, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (isRowButton(elt)) { rowsSince = Date.now(); inFlight = true; typed = {}; return; }
    if (!elt.hasAttribute || !elt.hasAttribute("data-entry")) return;
    // A row change carries everything typed and redraws the form: a refresh would undo it.
    if (saving || rowsPending()) { event.preventDefault(); return; }
    inFlight = true;
    typed = {};
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (saving && entryForm(event.detail.target)) event.detail.shouldSwap = false;
  });

  // The new form arrived: put back what was typed meanwhile.
  document.addEventListener("htmx:load", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-entry")) return;
    Object.keys(typed).forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) return;
      if ("checked" in typed[id]) el.checked = typed[id].checked;
      else el.value = typed[id].value;
    });
    typed = {};
    inFlight = false;
    rowsSince = 0;
    remember(form);
  });

  // After a row was added, removed or moved: focus the row's first input (or the add
  // button). Done once the swap has settled, after htmx put the focus back where it was.
  document.addEventListener("htmx:afterSettle", function () {
    var focus = document.querySelector("form[data-entry] [data-focus]");
    if (!focus) return;
    focus.removeAttribute("data-focus");
    var target = focus.matches("button") ? focus
      : focus.querySelector("input:not([type=hidden]), select, textarea, button");
    if (target) target.focus();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (isRowButton(elt)) { rowsSince = 0; inFlight = false; return; }
    if (elt.hasAttribute && elt.hasAttribute("data-entry")) {
      inFlight = false;
    }
  });

  // Pressing Save must not be undone by a re-render swapping the button away.
  document.addEventListener("pointerdown", function (event) {
    var button = event.target.closest && event.target.closest("button[type=submit]");
    if (button && entryForm(button) && !isRowButton(button)) saving = true;
  }, true);
  document.addEventListener("pointerup", function () {
    window.setTimeout(function () { if (!document.querySelector("form[data-entry].submitting")) saving = false; }, 600);
  }, true);
  document.addEventListener("submit", function (event) {
    if (!event.target.hasAttribute("data-entry") || event.defaultPrevented) return;
    saving = true;
    event.target.classList.add("submitting");
    window.htmx && window.htmx.trigger(event.target, "htmx:abort");
  });

  // Back from the next page (bfcache): the form is live again.
  window.addEventListener("pageshow", function () {
    saving = false;
    document.querySelectorAll("form[data-entry].submitting").forEach(function (form) {
      form.classList.remove("submitting");
    });
  });

  // A refused form: bring the list of problems into view.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".entry-summary, .conflict-banner");
    if (summary) summary.scrollIntoView({ block: "center" });
  });
})();

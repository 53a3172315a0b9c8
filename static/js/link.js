// Link fields: search as you type (the list comes from the server through htmx), pick with
// the mouse or the keyboard, remove chips. The chips' hidden inputs carry the value; they
// are disabled in the HTML (a page without scripts posts its plain select instead).
(function () {
  "use strict";

  function pickerOf(element) {
    return element && element.closest ? element.closest("[data-link-picker]") : null;
  }

  function enable(root) {
    root = root || document;
    if (!root.querySelectorAll) return;
    root.querySelectorAll("[data-link-picker] [data-link-value]").forEach(
      function (input) { input.disabled = false; });
    // htmx parses swapped-in HTML with scripting off, so <noscript> becomes a real select
    // that would post stale values: with scripts running it has no business here.
    root.querySelectorAll("[data-link-picker] noscript").forEach(function (n) { n.remove(); });
  }

  function parts(picker) {
    return {
      input: picker.querySelector("[data-link-search]"),
      list: picker.querySelector(".link-results"),
      chips: picker.querySelector("[data-link-chips]"),
      blank: picker.querySelector("[data-link-blank]")
    };
  }

  function options(picker) {
    return Array.prototype.slice.call(picker.querySelectorAll(".link-option"));
  }

  function close(picker) {
    var p = parts(picker);
    if (!p.list) return;
    p.list.hidden = true;
    p.input.setAttribute("aria-expanded", "false");
    p.input.removeAttribute("aria-activedescendant");
  }

  function activate(picker, index) {
    var all = options(picker), p = parts(picker);
    if (!all.length) return;
    index = (index + all.length) % all.length;
    all.forEach(function (option, i) {
      option.classList.toggle("is-active", i === index);
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    p.input.setAttribute("aria-activedescendant", all[index].id);
    all[index].scrollIntoView({ block: "nearest" });
  }

  function activeIndex(picker) {
    return options(picker).findIndex(function (o) { return o.classList.contains("is-active"); });
  }

  // Something changed: let the entry form refresh itself (visibility, lookups).
  function changed(input) {
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function pick(picker, option) {
    var p = parts(picker), id = option.dataset.id;
    var many = picker.hasAttribute("data-multiple");
    if (!many) p.chips.innerHTML = "";
    if (p.chips.querySelector('[data-id="' + CSS.escape(id) + '"]')) { close(picker); return; }
    var chip = picker.querySelector("template[data-link-chip]").content.firstElementChild.cloneNode(true);
    chip.dataset.id = id;
    chip.querySelector(".link-chip-text").textContent = option.dataset.text;
    var value = chip.querySelector("[data-link-value]");
    value.value = id;
    var button = chip.querySelector("[data-link-remove]");
    button.setAttribute("aria-label", button.title + " " + option.dataset.text);
    p.chips.appendChild(chip);
    p.input.value = "";
    close(picker);
    p.input.focus();
    changed(value);
  }

  function remove(button) {
    var picker = pickerOf(button), chip = button.closest(".link-chip");
    if (!picker || !chip) return;
    chip.remove();
    var p = parts(picker);
    if (p.input) p.input.focus();
    if (p.blank) changed(p.blank);
  }

  // The search box's own changes are not the field's value: keep them from the form.
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-link-search]")) event.stopPropagation();
  }, true);

  document.addEventListener("keydown", function (event) {
    if (!event.target.matches || !event.target.matches("[data-link-search]")) return;
    var picker = pickerOf(event.target), list = parts(picker).list;
    var open = list && !list.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) { window.htmx && window.htmx.trigger(event.target, "focus"); return; }
      var step = event.key === "ArrowDown" ? 1 : -1, now = activeIndex(picker);
      activate(picker, now < 0 ? (step > 0 ? 0 : -1) : now + step);
    } else if (event.key === "Enter") {
      event.preventDefault();  // never submit the form from the search box
      var all = options(picker), index = activeIndex(picker);
      if (open && (index >= 0 || all.length === 1)) pick(picker, all[index >= 0 ? index : 0]);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close(picker);
    } else if (event.key === "Backspace" && !event.target.value) {
      var last = parts(picker).chips.querySelector(".link-chip:last-child [data-link-remove]");
      if (last) remove(last);
    }
  });

  // mousedown, not click: the search box keeps its focus and the list stays until chosen.
  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest(".link-option");
    if (option && pickerOf(option)) { event.preventDefault(); pick(pickerOf(option), option); }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-link-remove]");
    if (button) { event.preventDefault(); remove(button); }
  });

  document.addEventListener("focusout", function (event) {
    if (!event.target.matches || !event.target.matches("[data-link-search]")) return;
    var picker = pickerOf(event.target);
    window.setTimeout(function () {
      if (picker && !picker.contains(document.activeElement)) close(picker);
    }, 150);
  });

  // Suggestions arrived: show them, the first one ready for Enter.
  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail.target;
    if (!list.classList || !list.classList.contains("link-results")) return;
    var picker = pickerOf(list), input = parts(picker).input;
    if (document.activeElement !== input) return;
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (options(picker).length) activate(picker, 0);
  });

  // The entry form re-renders itself when another field changes: keep what is being typed
  // in a search box (the server does not echo it) and the suggestions for it.
  var searching = {};
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target.hasAttribute || !target.hasAttribute("data-entry")) return;
    searching = {};
    target.querySelectorAll("[data-link-search]").forEach(function (input) {
      if (input.value) searching[input.id] = input.value;
    });
  });

  document.addEventListener("htmx:load", function (event) {
    enable(event.target);
    var restored = searching;
    searching = {};
    window.setTimeout(function () {
      Object.keys(restored).forEach(function (id) {
        var input = document.getElementById(id);
        if (!input) return;
        if (!input.value) input.value = restored[id];
        if (document.activeElement === input && window.htmx) window.htmx.trigger(input, "focus");
      });
    }, 0);
  });
  document.addEventListener("DOMContentLoaded", function () { enable(document); });
})();

/* Kanban boards and calendars: drag a card to another column (or day) and the record is
   saved through the write path; a refusal puts the card back and says why. The
   "move to…" select of each card does the same from the keyboard. */
(function () {
  "use strict";

  function say(board, text, bad) {
    var status = document.getElementById("board-status");
    if (status) { status.textContent = text; }
    var note = board.querySelector(".board-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "board-note";
      note.setAttribute("role", "alert");
      board.parentNode.insertBefore(note, board);
    }
    note.textContent = text;
    note.classList.toggle("is-error", !!bad);
  }

  function recount(board) {
    board.querySelectorAll(".klane").forEach(function (lane) {
      var count = lane.querySelector("[data-count]");
      if (count && lane.dataset.shown === undefined) { lane.dataset.shown = count.textContent; }
    });
  }

  function bump(lane, by) {
    var count = lane && lane.querySelector("[data-count]");
    if (!count) { return; }
    var n = parseInt(count.textContent.replace(/[^0-9]/g, ""), 10) || 0;
    count.textContent = String(n + by);
  }

  function send(board, card, to, done) {
    var form = card.querySelector(".kcard-move");
    var body = new FormData(form);
    body.set("to", to);
    fetch(board.dataset.moveUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-Requested-With": "fetch"}
    }).then(function (response) {
      return response.text().then(function (text) { return {ok: response.ok, text: text}; });
    }).then(function (answer) {
      if (answer.ok) {
        var holder = document.createElement("ul");
        holder.innerHTML = answer.text;
        var fresh = holder.firstElementChild;
        card.replaceWith(fresh);
        if (window.htmx) { window.htmx.process(fresh); }
        say(board, board.dataset.labelMoved, false);
        done(true);
      } else {
        say(board, answer.text, true);
        done(false);
      }
    }).catch(function () { done(false); });
  }

  function putBack(card, from, index) {
    var ref = from.children[index] || null;
    from.insertBefore(card, ref);
  }

  function setUp(board) {
    if (board.dataset.ready) { return; }
    board.dataset.ready = "1";
    recount(board);
    board.querySelectorAll(".klane-cards").forEach(function (list) {
      if (!window.Sortable) { return; }
      window.Sortable.create(list, {
        group: "kanban", animation: 120, forceFallback: true, fallbackTolerance: 3, handle: ".kcard-handle",
        onEnd: function (event) {
          if (event.from === event.to) { return; }
          var card = event.item;
          var from = event.from, index = event.oldIndex;
          card.classList.add("is-saving");
          send(board, card, event.to.dataset.lane, function (ok) {
            card.classList.remove("is-saving");
            if (ok) {
              bump(from.closest(".klane"), -1);
              bump(event.to.closest(".klane"), 1);
            } else {
              putBack(card, from, index);
            }
          });
        }
      });
    });
    board.addEventListener("submit", function (event) {
      var form = event.target.closest(".kcard-move");
      if (!form) { return; }
      event.preventDefault();
      var card = form.closest(".kcard");
      var to = form.querySelector("select").value;
      var target = board.querySelector('.klane-cards[data-lane="' + CSS.escape(to) + '"]');
      var from = card.parentNode;
      if (!target || target === from) { return; }
      send(board, card, to, function (ok) {
        if (!ok) { return; }
        var moved = from.querySelector('[data-id="' + card.dataset.id + '"]') ||
          board.querySelector('.kcard[data-id="' + card.dataset.id + '"]');
        if (moved) {
          target.insertBefore(moved, target.firstChild);
          bump(from.closest(".klane"), -1);
          bump(target.closest(".klane"), 1);
          var select = moved.querySelector("select");
          if (select) { select.focus(); }
        }
      });
    });
  }

  function scan(root) {
    (root || document).querySelectorAll(".kanban").forEach(setUp);
    if (window.JimuCalendar) { window.JimuCalendar(root || document); }
  }

  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:load", function (event) { scan(event.target); });
})();

/* Calendar: drag a record to another day; refused → it goes back, with the reason. */
window.JimuCalendar = function (root) {
  "use strict";
  root.querySelectorAll(".calendar[data-movable]").forEach(function (cal) {
    if (cal.dataset.ready || !window.Sortable) { return; }
    cal.dataset.ready = "1";
    var token = document.querySelector('input[name="csrf_token"]');
    function note(text, bad) {
      var el = cal.parentNode.querySelector(".board-note");
      if (!el) {
        el = document.createElement("p");
        el.className = "board-note";
        el.setAttribute("role", "alert");
        cal.parentNode.insertBefore(el, cal);
      }
      el.textContent = text;
      el.classList.toggle("is-error", !!bad);
    }
    cal.querySelectorAll(".cal-grid .cal-items").forEach(function (list) {
      window.Sortable.create(list, {
        group: "calendar", animation: 120, forceFallback: true, fallbackTolerance: 3,
        filter: "[data-fixed]",
        onEnd: function (event) {
          if (event.from === event.to) { return; }
          var item = event.item, from = event.from, index = event.oldIndex;
          var body = new FormData();
          body.set("csrf_token", token ? token.value : "");
          body.set("record", item.dataset.id);
          body.set("version", item.dataset.version);
          body.set("day", event.to.dataset.day);
          fetch(cal.dataset.moveUrl, {method: "POST", body: body, credentials: "same-origin",
                                      headers: {"X-Requested-With": "fetch"}})
            .then(function (r) { return r.text().then(function (t) { return {ok: r.ok, text: t}; }); })
            .then(function (answer) {
              if (answer.ok) {
                item.dataset.version = String(parseInt(item.dataset.version, 10) + 1);
                note(cal.dataset.labelMoved, false);
              } else {
                from.insertBefore(item, from.children[index] || null);
                note(answer.text, true);
              }
            });
        }
      });
    });
  });
};

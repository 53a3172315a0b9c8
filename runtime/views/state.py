"""What a table view shows right now: its saved settings, overridden by the address.

The address holds everything that makes the page, so it can be bookmarked and the
back button works: ``view`` (a saved view's id), ``filter`` (the condition as
JSON), ``sort`` (``-f_close1,f_name01``), ``q`` (quick search), ``cols``,
``group``, ``totals`` (``f_amnt01:sum``), ``size``, and a keyset cursor
``after`` / ``before``. Only what differs from the saved view is written, so an
untouched view's address is just ``?view=12``.

The toolbar's plain HTML forms send friendlier fields (``s``/``d`` sort rows,
``c`` column checkboxes, ``t.<column>`` totals); :func:`parse` reads both, and
the page answers a request that used the friendly fields with the canonical address.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from builder import conditions
from builder.views import domain as view_domain
from builder.views.table import PAGE_SIZES, aggregates

from ..records.schema import PublishedForm
from ..records.search import normalize_term
from . import columns as cols

MAX_FILTER_CHARS = 8000
CANONICAL = ("view", "filter", "sort", "q", "cols", "group", "totals", "size", "after",
             "before")
FRIENDLY = ("s", "d", "c", "c_sent")


@dataclass
class ViewState:
    """The effective settings of a table view for one request."""

    view_id: int | None
    #: the saved (or built-in) document, cleaned against the form's live fields
    base: dict[str, Any]
    filter: dict[str, Any] | None
    sort: list[tuple[str, bool]]
    search: str
    columns: list[str]
    group_by: str | None
    totals: dict[str, str]
    page_size: int
    after: str | None = None
    before: str | None = None
    #: problems with the address (a filter that does not fit the form...), shown on the page
    notes: list[str] = field(default_factory=list)
    #: the request used the toolbar's friendly fields: answer with the canonical address
    friendly: bool = False
    #: the saved view the list opens with for this person (their role's or the form's)
    opening_id: int | None = None

    @property
    def widths(self) -> dict[str, int]:
        """Saved column widths by column."""
        return {c["field"]: c["width"] for c in self.base["config"].get("columns", [])
                if c.get("width")}

    def _saved(self) -> dict[str, str]:
        return _encode(self.base["filter"], _sort_of(self.base), "",
                       [c["field"] for c in self.base["config"].get("columns", [])],
                       self.base["config"].get("group_by"),
                       self.base["config"].get("totals") or {},
                       self.base["config"].get("page_size") or 50)

    def _current(self) -> dict[str, str]:
        return _encode(self.filter, self.sort, self.search, self.columns, self.group_by,
                       self.totals, self.page_size)

    def changed(self) -> set[str]:
        """Which saved settings the address overrides (quick search is never saved)."""
        saved, now = self._saved(), self._current()
        return {k for k in now if k != "q" and now[k] != saved[k]}

    @property
    def export_args(self) -> dict[str, str]:
        """The view's filter, sort and columns as the export address takes them."""
        out: dict[str, str] = {}
        if self.filter:
            out["filter"] = json.dumps(self.filter, ensure_ascii=False)
        if self.sort:
            out["sort"] = ",".join(("-" if desc else "") + field for field, desc in self.sort)
        fields = [c for c in self.columns if c.startswith("f_")]  # form fields, not system ones
        if fields:
            out["columns"] = ",".join(fields)
        return out

    def args(self, *, paging: bool = False, **changes: Any) -> dict[str, str]:
        """The canonical query arguments, with ``changes`` (raw settings) applied."""
        state = copy.copy(self)
        for key, value in changes.items():
            setattr(state, key, value)
        saved, now = state._saved(), state._current()
        out: dict[str, str] = {}
        if state.view_id is not None:
            out["view"] = str(state.view_id)
        for key in ("filter", "sort", "q", "cols", "group", "totals", "size"):
            if now[key] != saved[key]:
                out[key] = now[key]
        if paging and state.after:
            out["after"] = state.after
        elif paging and state.before:
            out["before"] = state.before
        return out

    def document(self) -> dict[str, Any]:
        """The saved document with the current settings (to save the view)."""
        doc = copy.deepcopy(self.base)
        doc.pop("filter_dropped", None)
        widths = self.widths
        doc["filter"] = self.filter
        doc["sort"] = [{"field": c, "desc": d} for c, d in self.sort]
        config = doc["config"]
        config["columns"] = [dict({"field": c}, **({"width": widths[c]} if c in widths else {}))
                             for c in self.columns]
        config["group_by"] = self.group_by
        config["totals"] = dict(self.totals)
        config["page_size"] = self.page_size
        return doc


def _sort_of(doc: Mapping[str, Any]) -> list[tuple[str, bool]]:
    return [(k["field"], bool(k.get("desc"))) for k in doc.get("sort", [])]


def _encode(cond, sort, search, columns, group, totals, size) -> dict[str, str]:
    return {
        "filter": json.dumps(cond, ensure_ascii=False, separators=(",", ":")) if cond else "",
        "sort": ",".join(("-" if desc else "") + c for c, desc in sort),
        "q": search,
        "cols": ",".join(columns),
        "group": group or "",
        "totals": ",".join(f"{c}:{a}" for c, a in totals.items()),
        "size": str(size),
    }


# ---------------------------------------------------------------- reading the address


def parse(form: PublishedForm, view_id: int | None, document: Mapping[str, Any],
          args: MultiDict) -> ViewState:
    """The state of a view (its cleaned ``document``) with the address's overrides."""
    known = cols.all_columns(form)
    base = view_domain.cleaned(document, form.field_map)
    config = base["config"]
    state = ViewState(
        view_id=view_id, base=base, filter=base.get("filter"), sort=_sort_of(base),
        search=normalize_term(args.get("q")),
        columns=[c["field"] for c in config.get("columns", [])],
        group_by=config.get("group_by"), totals=dict(config.get("totals") or {}),
        page_size=config.get("page_size") or 50,
        after=args.get("after") or None, before=args.get("before") or None)
    if base.get("filter_dropped"):
        state.notes.append(_("The view's filter no longer fits the form and was set aside."))
    state.friendly = any(k in args for k in FRIENDLY) or any(k.startswith("t.") for k in args)
    _read_filter(form, args, state)
    _read_sort(form, known, args, state)
    _read_columns(known, args, state)
    _read_group(form, known, args, state)
    _read_totals(known, args, state)
    if args.get("size", "").isdigit() and int(args["size"][:4]) in PAGE_SIZES:
        state.page_size = int(args["size"])
    return state


def _read_filter(form: PublishedForm, args: MultiDict, state: ViewState) -> None:
    if "filter" not in args:
        return
    raw = args.get("filter", "")
    if not raw.strip():
        state.filter = None
        return
    try:
        cond = json.loads(raw) if len(raw) <= MAX_FILTER_CHARS else None
        if not isinstance(cond, dict):
            raise ValueError("not an object")
        conditions.check(cond, form.field_map)
    except (ValueError, RecursionError, conditions.ConditionInvalid):
        state.notes.append(_("The filter in the address does not fit this form and was "
                             "left out."))
        return
    state.filter = cond


def _read_sort(form, known, args: MultiDict, state: ViewState) -> None:
    if "s" in args:
        keys = args.getlist("s")
        directions = args.getlist("d")
        pairs = [(k, i < len(directions) and directions[i] == "desc")
                 for i, k in enumerate(keys) if k]
    elif "sort" in args:
        pairs = [(p.lstrip("-"), p.startswith("-")) for p in args["sort"].split(",") if p]
    else:
        return
    chosen: list[tuple[str, bool]] = []
    for key, desc in pairs[:10]:
        if key in known and sortable_key(form, known, key) and key not in dict(chosen):
            chosen.append((key, desc))
    state.sort = chosen[:view_domain.MAX_SORT]


def sortable_key(form, known, key: str) -> bool:
    """Whether ``key`` names a column records can be ordered by."""
    return key in known and cols.sortable(form, known[key])


def _read_columns(known, args: MultiDict, state: ViewState) -> None:
    if "c_sent" in args or "c" in args:
        wanted = args.getlist("c")
    elif "cols" in args:
        wanted = [c for c in args["cols"].split(",") if c]
    else:
        return
    state.columns = list(dict.fromkeys(c for c in wanted if c in known))[:100]


def _read_group(form, known, args: MultiDict, state: ViewState) -> None:
    if "group" not in args:
        return
    key = args.get("group", "")
    state.group_by = key if key in known and cols.can_group(form, known[key]) else None


def _read_totals(known, args: MultiDict, state: ViewState) -> None:
    friendly = {k[2:]: v for k, v in args.items() if k.startswith("t.")}
    if friendly:
        pairs = list(friendly.items())
    elif "totals" in args:
        pairs = [tuple(p.split(":", 1)) for p in args["totals"].split(",") if ":" in p]
    else:
        return
    state.totals = {c: a for c, a in pairs[:100]
                    if c in known and a in aggregates(c, known)}

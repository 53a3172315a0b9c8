"""The property panel: controls generated from a type's config schema, and reading them back.

Every panel is one HTML form that posts all of its inputs on each change. The
``parse_*`` functions turn those inputs into the properties of an ``update``
operation plus any problems found while reading (a number that is not a number);
what was typed is kept so the panel can show it again beside its error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from .. import fields as field_types
from ..fields import Field, FieldType, ValueInvalid
from ..fields.choice import OPTION_COLORS
from ..metadata import normalize_text
from . import condition_form, domain, subtable_panel
from .defaults import default_kinds
from .labels import CONFIG_LABELS, ENUM_LABELS, prop_label

MAX_OPTIONS = 500
_INT = re.compile(r"^-?\d{1,15}$")
_WORDS = re.compile(r"[\s,，、;；]+")

Errors = dict[str, list[str]]


@dataclass
class Control:
    """One setting of a field type, as the panel shows it."""

    key: str
    kind: str  # text, date, integer, number, checkbox, select, options, words, json
    label: str
    value: Any = None
    choices: list[tuple[str, str]] = field(default_factory=list)
    minimum: Any = None
    maximum: Any = None
    maxlength: int | None = None
    #: the empty choice of a select (None: "Default")
    empty: str | None = None

    @property
    def name(self) -> str:
        """The input's name."""
        return f"config.{self.key}"


def _kind(sub: Mapping[str, Any]) -> str:
    if "enum" in sub:
        return "select"
    kind = sub.get("type")
    if kind == "string":
        return "date" if sub.get("format") == "date" else "text"
    if kind in ("integer", "number", "boolean"):
        return "checkbox" if kind == "boolean" else kind
    items = sub.get("items", {})
    if kind == "array" and {"id", "type", "label"} <= set(items.get("properties", {})):
        return "columns"  # a sub-table's columns (subtable_panel)
    if kind == "array" and {"id", "label"} <= set(items.get("properties", {})):
        return "options"
    if kind == "array" and ("enum" in items or items.get("type") == "string"):
        return "words"
    return "json"


def config_controls(field_type: FieldType, config: Mapping[str, Any],
                    dynamic: Mapping[str, list[tuple[str, str]]] | None = None) -> list[Control]:
    """A control per property of the type's config schema, filled from ``config``.

    ``dynamic`` gives choices that depend on other forms (a link's target form and its
    fields): those settings become selects. Settings the type draws itself
    (``panel_hidden``) are left out.
    """
    out = []
    hidden = getattr(field_type, "panel_hidden", ())
    for key, sub in field_type.config_schema.get("properties", {}).items():
        if key in hidden:
            continue
        kind = _kind(sub)
        value = config.get(key)
        if kind == "json" and value is not None and not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, indent=1)
        elif kind == "words" and isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        names = ENUM_LABELS.get(key, {})
        enum = sub.get("enum") or (sub.get("items", {}).get("enum", []) if kind == "words" else [])
        choices = [(str(v), str(names.get(v, v))) for v in enum]
        empty = None
        if dynamic is not None and key in dynamic:
            kind, choices, empty = "select", list(dynamic[key]), _("Choose…")
        out.append(Control(key=key, kind=kind, value=value, choices=choices, empty=empty,
                           label=str(CONFIG_LABELS.get(key, key.replace("_", " ").capitalize())),
                           minimum=sub.get("minimum"), maximum=sub.get("maximum"),
                           maxlength=sub.get("maxLength")))
    return out


def dynamic_choices(field_doc: Mapping[str, Any], document: Mapping[str, Any],
                    context: Any) -> dict[str, list[tuple[str, str]]] | None:
    """Choices of a relation field's settings (other forms and their fields), if any."""
    hook = getattr(field_types.get(field_doc["type"]), "config_choices", None)
    if hook is None or context is None:
        return None
    return hook(dict(field_doc), dict(document), context)


def filter_candidates(field_doc: Mapping[str, Any], context: Any) -> dict[str, dict[str, Any]]:
    """Fields of a link's target form that its "records that may be chosen" can test."""
    if context is None or field_doc.get("type") != "link":
        return {}
    target = context.forms.get((field_doc.get("config") or {}).get("form"))
    return condition_candidates({"fields": target.fields}) if target else {}


def option_colors() -> tuple[str, ...]:
    """The colours an option may have."""
    return OPTION_COLORS


# ---------------------------------------------------------------- reading the panel


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")


def _get(form: Mapping[str, Any], key: str, limit: int = 100_000) -> str:
    """One line of text: control characters and line breaks dropped, NFC, stripped."""
    value = form.get(key)
    if not isinstance(value, str):
        return ""
    return normalize_text(_CONTROL.sub("", value[:limit]).replace("\r", " ").replace("\n", " "))


def _get_text(form: Mapping[str, Any], key: str, limit: int = 100_000) -> str:
    """Text that may span lines (descriptions, help)."""
    value = form.get(key)
    if not isinstance(value, str):
        return ""
    return normalize_text(_CONTROL.sub("", value[:limit].replace("\r\n", "\n")
                                       .replace("\r", "\n")))


def _flag(form: Mapping[str, Any], key: str) -> bool:
    return _get(form, key) in ("1", "on", "true", "y")


def _number(raw: str, integer: bool) -> int | float | None:
    if integer:
        return int(raw) if _INT.match(raw) else None
    try:
        number = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return None
    if not number.is_finite() or len(raw) > 30:
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def _read_control(form: Mapping[str, Any], control: Control, errors: Errors) -> Any:
    raw = _get(form, control.name)
    if control.kind == "checkbox":
        return True if _flag(form, control.name) else None
    if not raw:
        return None
    if control.kind in ("integer", "number"):
        number = _number(raw, control.kind == "integer")
        if number is None:
            what = _("enter a whole number") if control.kind == "integer" else _("enter a number")
            errors.setdefault(control.name, []).append(
                _("%(what)s: %(problem)s (got %(got)s)", what=control.label, problem=what,
                  got=raw[:20]))
            return raw[:40]
        return number
    if control.kind == "words":  # "pdf, docx" → ["pdf", "docx"]; the schema checks each
        words = [w.lower().lstrip(".") for w in _WORDS.split(raw) if w.strip(".")]
        return list(dict.fromkeys(words)) or None
    if control.kind == "json":
        try:
            return json.loads(raw)
        except (ValueError, RecursionError) as exc:
            problem = exc.msg if isinstance(exc, json.JSONDecodeError) else _("nested too deeply")
            errors.setdefault(control.name, []).append(
                _("%(what)s: not valid JSON (%(problem)s)", what=control.label, problem=problem))
            return raw[:20_000]
    return raw


def _read_options(form: Any, action: str, errors: Errors) -> list[dict[str, Any]]:
    raw_count = _get(form, "config.options.count")
    count = (min(int(raw_count), MAX_OPTIONS + 1)
             if raw_count.isdigit() and len(raw_count) < 5 else 0)
    options = []
    for index in range(count):
        prefix = f"config.options.{index}"
        if action == f"opt_remove:{index}":
            continue
        option = {"id": _get(form, f"{prefix}.id", 40), "label": _get(form, f"{prefix}.label")}
        color = _get(form, f"{prefix}.color", 20)
        if color:
            option["color"] = color
        options.append(option)
    _move_option(options, action, count)
    if action == "opt_add" and len(options) < MAX_OPTIONS:
        options.append({"id": "", "label": _("Option %(n)d", n=len(options) + 1)})
    taken: set[str] = set()
    for option in options:
        if not re.fullmatch(r"[a-z0-9_]{1,32}", option["id"]) or option["id"] in taken:
            option["id"] = _free_option_id(options, taken)
        taken.add(option["id"])
    return options


def _move_option(options: list[dict[str, Any]], action: str, count: int) -> None:
    match = re.fullmatch(r"opt_(up|down):(\d{1,4})", action)
    if not match:
        return
    index = int(match.group(2))
    target = index + (-1 if match.group(1) == "up" else 1)
    if 0 <= index < len(options) and 0 <= target < len(options):
        options.insert(target, options.pop(index))


def _free_option_id(options: list[dict[str, Any]], taken: set[str]) -> str:
    used = taken | {o["id"] for o in options}
    n = 1
    while f"o{n}" in used:
        n += 1
    return f"o{n}"


def parse_config(form: Mapping[str, Any], field_type: FieldType, action: str = ""
                 ) -> tuple[dict[str, Any], Errors]:
    """The config the panel's inputs describe, and reading problems by input name."""
    errors: Errors = {}
    config: dict[str, Any] = {}
    for control in config_controls(field_type, {}):
        if control.kind == "options":
            value: Any = _read_options(form, action, errors)
        elif control.kind == "columns":
            value = subtable_panel.read_columns(form, action, errors, _read_control)
        else:
            value = _read_control(form, control, errors)
        if value is not None:
            config[control.key] = value
    return config, errors


def _read_unique(form: Mapping[str, Any], field_doc: Mapping[str, Any]) -> dict[str, Any] | None:
    if field_doc["type"] not in domain.UNIQUE_TYPES or not _flag(form, "unique"):
        return None
    allowed = ("trim", "collapse_spaces", "halfwidth", "casefold", "suffixes")
    chosen = form.getlist("unique_steps") if hasattr(form, "getlist") else []
    rule: dict[str, Any] = {"steps": [s for s in allowed if s in chosen]}
    suffixes = [line.strip() for line in re.split(r"[\n,，、]", _get_text(form, "unique_suffixes"))
                if line.strip()]
    if suffixes:
        rule["suffixes"] = list(dict.fromkeys(suffixes))[:60]
    return rule


def _read_default(form: Any, field_doc: Mapping[str, Any], errors: Errors) -> Any:
    kind = _get(form, "default_kind")
    if not kind or kind not in default_kinds(field_doc):
        return None
    if kind != "static":
        return {"kind": kind}
    field_type = field_types.get(field_doc["type"])
    values = [v for v in (form.getlist("default_value") if hasattr(form, "getlist") else [])
              if isinstance(v, str) and v.strip()]
    raw: Any = values if field_doc["type"] == "multi_select" else _get(form, "default_value")
    try:
        value = field_type.coerce(Field.from_document(dict(field_doc)), raw)
    except ValueInvalid as exc:
        errors.setdefault("default", []).append(
            _("%(what)s: %(problem)s", what=prop_label("default"), problem=exc.message))
        return {"kind": "static", "value": raw}
    if value is None:
        return None
    return {"kind": "static", "value": field_type.to_json(Field.from_document(dict(field_doc)),
                                                          value)}


def condition_candidates(document: Mapping[str, Any], exclude: str | None = None
                         ) -> dict[str, dict[str, Any]]:
    """Live fields a condition may test (known types), by id."""
    out = {}
    for doc in domain.live_fields(dict(document)):
        try:
            field_type = field_types.get(doc["type"])
        except KeyError:
            continue
        # computed on read (lookups, rollups): nothing to compare while a record is entered
        if doc["id"] != exclude and field_type.field_operators(Field.from_document(doc)):
            out[doc["id"]] = doc
    return out


@dataclass
class FieldPanel:
    """What the field panel read: properties for ``update``, problems, and editor rows."""

    props: dict[str, Any]
    errors: Errors
    conditions: dict[str, tuple[str, list[condition_form.Row]]]


def parse_field(form: Any, document: Mapping[str, Any], field_doc: Mapping[str, Any],
                relations: Any = None) -> FieldPanel:
    """Read the field panel for ``field_doc``; the pressed button is ``form['action']``.

    ``relations`` is a callable giving the RelationContext (read only for links).
    """
    action = _get(form, "action", 80)
    field_type = field_types.get(field_doc["type"])
    config, errors = parse_config(form, field_type, action)
    if isinstance(config.get("fields"), list) and field_doc["type"] == "subtable":
        subtable_panel.settle(config["fields"], field_doc, dict(document))
    shown: dict[str, tuple[str, list[condition_form.Row]]] = {}
    if "filter" in getattr(field_type, "panel_hidden", ()):
        context = relations() if relations is not None else None
        targets = filter_candidates({**field_doc, "config": config}, context)
        cond, rows, mode, problems = condition_form.parse(form, "link_filter", targets, action)
        if cond:
            config["filter"] = cond
        elif context is None and (field_doc.get("config") or {}).get("filter"):
            config["filter"] = field_doc["config"]["filter"]  # nothing to edit it with: keep it
        shown["link_filter"] = (mode, rows)
        if problems:
            errors.setdefault("link_filter", []).extend(problems)
    candidate = {**field_doc, "config": config}
    props: dict[str, Any] = {
        "label": _get(form, "label"), "help": _get_text(form, "help") or None,
        "required": True if _flag(form, "required") else None,
        "indexed": True if _flag(form, "indexed") else None,
        "unique": _read_unique(form, field_doc), "config": config,
        "default": _read_default(form, candidate, errors),
    }
    if "span" in form:
        span = _get(form, "span")
        props["span"] = int(span) if span in ("1", "2", "3", "4") else None
    candidates = condition_candidates(document, exclude=field_doc["id"])
    for key in ("visible_if", "required_if"):
        cond, rows, mode, problems = condition_form.parse(form, key, candidates, action)
        props[key] = cond
        shown[key] = (mode, rows)
        if problems:
            errors.setdefault(key, []).extend(problems)
    return FieldPanel(props=props, errors=errors, conditions=shown)


def parse_section(form: Mapping[str, Any]) -> dict[str, Any]:
    """Title, columns and collapsed of a section."""
    columns = _get(form, "columns")
    return {"title": _get(form, "title") or None,
            "columns": int(columns) if columns in ("1", "2", "3", "4") else 1,
            "collapsed": True if _flag(form, "collapsed") else None}


def parse_text(form: Mapping[str, Any]) -> dict[str, Any]:
    """A description text's text."""
    return {"text": _get_text(form, "text")}


def parse_form_settings(form: Mapping[str, Any]) -> dict[str, Any]:
    """Name, description, title field and submit label."""
    return {"name": _get(form, "name"),
            "description": _get_text(form, "description") or None,
            "title_field": _get(form, "title_field", 40) or None,
            "submit_label": _get(form, "submit_label") or None}


@dataclass
class RuleRow:
    """One cross-field rule as the rules panel shows it."""

    id: str
    message: str
    target: str
    mode: str
    rows: list[condition_form.Row]
    errors: list[str] = field(default_factory=list)


def rule_rows(document: Mapping[str, Any]) -> list[RuleRow]:
    """The stored rules for the rules panel."""
    candidates = condition_candidates(document)
    out = []
    for rule in document.get("rules", []):
        mode, rows = condition_form.rows(rule.get("condition"), candidates)
        out.append(RuleRow(id=rule.get("id", ""), message=rule.get("message", ""),
                           target=(rule.get("fields") or [""])[0], mode=mode, rows=rows))
    return out


def parse_rules(form: Any, document: Mapping[str, Any]) -> tuple[list[dict[str, Any]],
                                                                list[RuleRow], Errors]:
    """Read the rules panel: (rules, rows to show again, problems by ``rules.<n>``)."""
    action = _get(form, "action", 80)
    candidates = condition_candidates(document)
    raw_count = _get(form, "rules.count")
    count = min(int(raw_count), 100) if raw_count.isdigit() and len(raw_count) < 4 else 0
    rules, shown, errors = [], [], {}
    for index in range(count):
        if action == f"rule_remove:{index}":
            continue
        prefix = f"rules.{index}"
        cond, rows, mode, problems = condition_form.parse(form, f"{prefix}.cond", candidates,
                                                          action)
        target = _get(form, f"{prefix}.target", 40)
        row = RuleRow(id=_get(form, f"{prefix}.id", 40), message=_get(form, f"{prefix}.message"),
                      target=target if target in candidates else "", mode=mode, rows=rows,
                      errors=problems)
        rule: dict[str, Any] = {"condition": cond or {"all": []}, "message": row.message}
        if row.id and re.fullmatch(r"r_[a-z0-9]{4,16}", row.id):
            rule["id"] = row.id
        if row.target:
            rule["fields"] = [row.target]
        rules.append(rule)
        shown.append(row)
    if action == "rule_add" and len(rules) < 100 and candidates:
        first = next(iter(candidates.values()))
        row = RuleRow(id="", message="", target="", mode="all",
                      rows=[condition_form.new_row(first)])
        shown.append(row)
        rules.append({"condition": {"all": []}, "message": ""})
    for index, row in enumerate(shown):
        if row.errors:
            errors[f"rules.{index}"] = row.errors
    return rules, shown, errors

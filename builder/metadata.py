"""Metadata documents: validation against each kind's JSON Schema, and upgrades.

Every block (app, form, view, flow, ...) is a JSON document of a *kind*. Its
schema lives in ``builder/schemas/<kind>.schema.json`` (draft 2020-12) and
names the current ``schema_version`` as the ``const`` of that property.
Older documents are brought forward by the functions registered in
:data:`UPGRADES`; rules a schema cannot express (unique keys in a list) are
registered in :data:`CHECKS`.
"""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from .exceptions import ValidationFailed

SCHEMA_DIR = Path(__file__).parent / "schemas"

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]
Check = Callable[[dict[str, Any]], Iterable["MetadataError"]]

UPGRADES: dict[str, dict[int, Upgrade]] = {}
"""``UPGRADES[kind][v]`` turns a version ``v`` document into version ``v + 1``."""

CHECKS: dict[str, list[Check]] = {}
"""Extra rules per kind, run after the schema passed; each yields errors."""


@dataclass(frozen=True)
class MetadataError:
    """One problem in a document: where (a JSON path like ``$.forms[0].key``) and what."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class MetadataInvalid(ValidationFailed):
    """A document did not validate; carries every error (422)."""

    def __init__(self, errors: list[MetadataError]):
        self.metadata_errors = list(errors)
        grouped: dict[str, list[str]] = {}
        for error in self.metadata_errors:
            grouped.setdefault(error.path, []).append(error.message)
        super().__init__(grouped)


# ---------------------------------------------------------------- formats

FORMAT_CHECKER = FormatChecker()
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_EXCEPT_NEWLINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


@FORMAT_CHECKER.checks("jimu-line")
def _is_line(value: object) -> bool:
    """One line of text: no control characters, no surrounding white space."""
    if not isinstance(value, str):
        return True
    return not _CONTROL.search(value) and value == value.strip()


@FORMAT_CHECKER.checks("jimu-text")
def _is_text(value: object) -> bool:
    """Free text: line breaks and tabs allowed, other control characters not."""
    if not isinstance(value, str):
        return True
    return not _CONTROL_EXCEPT_NEWLINES.search(value)


# ---------------------------------------------------------------- schemas


def kinds() -> list[str]:
    """The document kinds that have a schema."""
    return sorted(p.name.removesuffix(".schema.json") for p in SCHEMA_DIR.glob("*.schema.json"))


@cache
def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of ``kind`` (checked against the 2020-12 meta-schema)."""
    path = SCHEMA_DIR / f"{kind}.schema.json"
    if not re.fullmatch(r"[a-z_]+", kind) or not path.is_file():
        raise KeyError(f"no metadata schema for kind {kind!r}")
    loaded = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(loaded)
    return loaded


@cache
def _validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(schema(kind), format_checker=FORMAT_CHECKER)


def current_version(kind: str) -> int:
    """The ``schema_version`` that documents of ``kind`` are validated at."""
    return int(schema(kind)["properties"]["schema_version"]["const"])


def enum_of(kind: str, prop: str) -> list[str]:
    """The allowed values of a top-level enum property (one source of truth)."""
    return list(schema(kind)["properties"][prop]["enum"])


# ---------------------------------------------------------------- validation


def validate(kind: str, document: Any) -> list[MetadataError]:
    """Every error in ``document`` against the schema of ``kind`` (empty if valid)."""
    errors: list[MetadataError] = []
    seen: set[tuple[str, str]] = set()
    for raw in _validator(kind).iter_errors(document):
        for error in translate_error(raw):
            if (error.path, error.rule) not in seen:
                seen.add((error.path, error.rule))
                errors.append(error)
    if not errors:
        for check in CHECKS.get(kind, []):
            errors.extend(check(document))
    return sorted(errors, key=lambda e: (_sort_key(e.path), e.rule))


def ensure_valid(kind: str, document: Any) -> None:
    """Raise :class:`MetadataInvalid` with every error unless ``document`` validates."""
    errors = validate(kind, document)
    if errors:
        raise MetadataInvalid(errors)


def json_path(parts: Iterable[str | int]) -> str:
    """``["forms", 0, "key"]`` → ``$.forms[0].key``."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out += f".{part}"
        else:
            out += "[" + json.dumps(part, ensure_ascii=False) + "]"
    return out


def _sort_key(path: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", path) if p]


def translate_error(error: ValidationError) -> Iterator[MetadataError]:
    """Turn one jsonschema error into messages that name the rule, in the user's language."""
    path = list(error.absolute_path)
    rule = str(error.validator)
    if rule == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        for prop in error.validator_value:
            if prop not in instance:
                yield MetadataError(json_path([*path, prop]), rule, _("is required"))
        return
    if rule == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        for prop in error.instance:
            if prop not in known:
                yield MetadataError(json_path([*path, prop]), rule,
                                    _("is not a known property"))
        return
    yield MetadataError(json_path(path), rule, _message(error))


def _shown(value: Any, limit: int = 40) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_names() -> dict[str, str]:
    return {
        "string": _("text"), "integer": _("a whole number"), "number": _("a number"),
        "boolean": _("true or false"), "array": _("a list"), "object": _("an object"),
        "null": _("empty"),
    }


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    by_type = {str: "string", float: "number", list: "array", dict: "object"}
    return by_type.get(type(value), "null")


def _message(error: ValidationError) -> str:
    """The localized message for one failed keyword (without the field's label)."""
    rule, expected, got = str(error.validator), error.validator_value, error.instance
    handler = _MESSAGES.get(rule)
    if handler is not None:
        return handler(expected, got)
    return error.message


def _length_message(rule: str) -> Callable[[Any, Any], str]:
    def message(limit: int, got: Any) -> str:
        n = len(got) if isinstance(got, str) else 0
        if rule == "minLength" and limit == 1:
            return _("must not be empty")
        if rule == "minLength":
            return _("at least %(min)d characters (got %(got)d)", min=limit, got=n)
        return _("at most %(max)d characters (got %(got)d)", max=limit, got=n)

    return message


def _items_message(rule: str) -> Callable[[Any, Any], str]:
    def message(limit: int, got: Any) -> str:
        n = len(got) if isinstance(got, list) else 0
        if rule == "minItems":
            return _("at least %(min)d items (got %(got)d)", min=limit, got=n)
        return _("at most %(max)d items (got %(got)d)", max=limit, got=n)

    return message


def _enum_message(allowed: list[Any], got: Any) -> str:
    if len(allowed) <= 10:
        return _("must be one of %(allowed)s (got %(got)s)",
                 allowed=", ".join(str(a) for a in allowed), got=_shown(got))
    return _("is not one of the offered choices (got %(got)s)", got=_shown(got))


def _type_message(expected: str | list[str], got: Any) -> str:
    wanted = expected if isinstance(expected, str) else expected[0]
    names = _type_names()
    return _("must be %(expected)s (got %(got)s)", expected=names.get(wanted, wanted),
             got=names[_json_type(got)])


def _pattern_message(pattern: str, got: Any) -> str:
    if pattern == "^[a-z][a-z0-9_]{1,39}$":
        return _("use 2 to 40 lowercase letters, digits or _, starting with a letter "
                 "(got %(got)s)", got=_shown(got))
    return _("does not match the pattern %(pattern)s (got %(got)s)", pattern=pattern,
             got=_shown(got))


def _format_message(fmt: str, got: Any) -> str:
    if fmt == "jimu-line":
        return _("must be one line without control characters or leading/trailing spaces")
    if fmt == "jimu-text":
        return _("must not contain control characters")
    return _("is not a valid %(format)s (got %(got)s)", format=fmt, got=_shown(got))


_MESSAGES: dict[str, Callable[[Any, Any], str]] = {
    "minLength": _length_message("minLength"),
    "maxLength": _length_message("maxLength"),
    "minItems": _items_message("minItems"),
    "maxItems": _items_message("maxItems"),
    "enum": _enum_message,
    "type": _type_message,
    "pattern": _pattern_message,
    "format": _format_message,
    "const": lambda expected, got: _("must be %(expected)s (got %(got)s)",
                                     expected=_shown(expected), got=_shown(got)),
    "minimum": lambda limit, got: _("must be at least %(min)s (got %(got)s)",
                                    min=limit, got=_shown(got)),
    "maximum": lambda limit, got: _("must be at most %(max)s (got %(got)s)",
                                    max=limit, got=_shown(got)),
    "uniqueItems": lambda expected, got: _("must not contain the same item twice"),
}


# ---------------------------------------------------------------- upgrades


def register_upgrade(kind: str, from_version: int) -> Callable[[Upgrade], Upgrade]:
    """Decorator: register the function that upgrades ``kind`` from ``from_version``."""

    def decorator(fn: Upgrade) -> Upgrade:
        steps = UPGRADES.setdefault(kind, {})
        if from_version in steps:
            raise ValueError(f"an upgrade of {kind} from version {from_version} exists")
        steps[from_version] = fn
        return fn

    return decorator


def register_check(kind: str) -> Callable[[Check], Check]:
    """Decorator: register a rule for ``kind`` that JSON Schema cannot express."""

    def decorator(fn: Check) -> Check:
        CHECKS.setdefault(kind, []).append(fn)
        return fn

    return decorator


def upgrade(kind: str, document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` brought to the current version of ``kind`` (not validated)."""
    target = current_version(kind)
    doc = copy.deepcopy(document)
    version = doc.get("schema_version") if isinstance(doc, dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        raise MetadataInvalid([MetadataError("$.schema_version", "required", _("is required"))])
    if version > target:
        raise MetadataInvalid([MetadataError(
            "$.schema_version", "maximum",
            _("version %(got)d is newer than this Jimu understands (%(max)d)",
              got=version, max=target))])
    while version < target:
        step = UPGRADES.get(kind, {}).get(version)
        if step is None:
            raise MetadataInvalid([MetadataError(
                "$.schema_version", "upgrade",
                _("no upgrade from version %(got)d is known", got=version))])
        doc = step(doc)
        version += 1
        doc["schema_version"] = version
    return doc


def normalize_text(value: str | None) -> str:
    """Unicode NFC and surrounding white space removed: how labels are stored."""
    return unicodedata.normalize("NFC", value or "").strip()

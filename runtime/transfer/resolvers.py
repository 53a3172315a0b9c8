"""Cells that name something the field stores by id: a member by name or e-mail, a
department by name, a linked record by the linked form's display field. One query
per field and chunk, never one per row.

A resolver is registered per field type; a type without one gets the cell as it
is (its ``coerce`` decides). Ids typed as digits are left to ``coerce`` too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from builder.db import db
from builder.fields import Field

from ..records.schema import PublishedForm


@dataclass(frozen=True)
class Resolved:
    """The id a text stands for, or why there is none."""

    value: Any = None
    error: str | None = None


Resolver = Callable[[Field, set[str]], dict[str, Resolved]]
RESOLVERS: dict[str, Resolver] = {}


def resolver(field_type: str) -> Callable[[Resolver], Resolver]:
    """Register the resolver of one field type."""
    def wrap(fn: Resolver) -> Resolver:
        if field_type in RESOLVERS:
            raise ValueError(f"a resolver for {field_type!r} exists")
        RESOLVERS[field_type] = fn
        return fn
    return wrap


def resolve(form: PublishedForm, field_ids: Iterable[str], rows: Sequence[dict[str, Any]],
            errors: Sequence[dict[str, list[str]]]) -> None:
    """Replace names by ids in ``rows`` in place; unknown names become errors."""
    for field_id in field_ids:
        field = form.field_map[field_id]
        found = RESOLVERS.get(field.type)
        if found is None:
            continue
        texts = {v for row in rows if _is_name(v := row.get(field_id))}
        answers = found(field, texts) if texts else {}
        for row, row_errors in zip(rows, errors, strict=True):
            answer = answers.get(row.get(field_id))  # type: ignore[arg-type]
            if answer is None:
                continue
            if answer.error:
                row_errors[field_id] = [answer.error]
                row[field_id] = None
            else:
                row[field_id] = answer.value


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and not value.strip().isdigit()


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _by_name(names: Mapping[str, list[int]], text: str, missing: str, several: str) -> Resolved:
    ids = names.get(_clean(text), [])
    if len(ids) == 1:
        return Resolved(ids[0])
    return Resolved(error=several if ids else missing)


@resolver("member")
def members(field: Field, texts: set[str]) -> dict[str, Resolved]:
    """A member by e-mail address (any case) or by name (active members first)."""
    from ..accounts.models import User

    cleaned = {_clean(t) for t in texts}
    emails = {t.lower() for t in cleaned if "@" in t}
    rows = db.session.execute(sa.select(User.id, User.email, User.name, User.is_active).where(
        sa.or_(sa.func.lower(User.email).in_(emails), User.name.in_(cleaned)))).all()
    by_email = {r.email.lower(): r.id for r in rows}
    by_name: dict[str, list[int]] = {}
    for row in sorted(rows, key=lambda r: not r.is_active):
        by_name.setdefault(row.name, [])
        if row.is_active or not by_name[row.name]:
            by_name[row.name].append(row.id)
    out = {}
    for text in texts:
        email = _clean(text).lower()
        if email in by_email:
            out[text] = Resolved(by_email[email])
            continue
        out[text] = _by_name(
            by_name, text, _("no member is called “%(name)s”", name=_clean(text)),
            _("several members are called “%(name)s”; use the e-mail address instead",
              name=_clean(text)))
    return out


@resolver("department")
def departments(field: Field, texts: set[str]) -> dict[str, Resolved]:
    """A department by its name."""
    from ..accounts.models import Department

    cleaned = {_clean(t) for t in texts}
    by_name: dict[str, list[int]] = {}
    for row in db.session.execute(sa.select(Department.id, Department.name)
                                  .where(Department.name.in_(cleaned))):
        by_name.setdefault(row.name, []).append(row.id)
    return {text: _by_name(
        by_name, text, _("no department is called “%(name)s”", name=_clean(text)),
        _("several departments are called “%(name)s”", name=_clean(text))) for text in texts}


_LINK_SEPARATORS = re.compile(r"[,，、;；\n]")


@resolver("link")
def linked_records(field: Field, texts: set[str]) -> dict[str, Resolved]:
    """Records of the linked form by their display field (default: its title field).

    A cell of a many-link field may name several records, separated like option
    labels; digits (or "#12") stand for record numbers and are kept as they are.
    """
    from ..records import links, query
    from ..records.relations import Targets

    t = Targets().get_target(field.config.get("form"))
    shown = links.display_field(field, t) if t is not None else None
    if t is None or shown is None or shown.id not in t.published.table.c:
        return {text: Resolved(error=_("the linked form cannot be searched")) for text in texts}
    target = t.published
    many = bool(field.config.get("multiple"))
    parts = {t: [p for p in (_clean(x) for x in (_LINK_SEPARATORS.split(t) if many else [t]))
                 if p] for t in texts}
    names = {p for items in parts.values() for p in items if not _record_number(p)}
    column = target.table.c[shown.id]
    by_name: dict[str, list[int]] = {}
    if names:
        stmt = sa.select(target.table.c.id, column).where(query.where(target, None),
                                                           column.in_(names))
        for record_id, name in db.session.execute(stmt):
            by_name.setdefault(name, []).append(record_id)
    form_name = t.name
    return {text: _link_value(items, by_name, form_name, many) for text, items in parts.items()}


def _record_number(text: str) -> int | None:
    digits = text[1:] if text.startswith("#") else text
    return int(digits) if digits.isdigit() and len(digits) < 19 else None


def _link_value(items: list[str], by_name: Mapping[str, list[int]], form_name: str,
                many: bool) -> Resolved:
    ids = []
    for item in items:
        number = _record_number(item)
        found = [number] if number is not None else by_name.get(item, [])
        if len(found) != 1:
            return Resolved(error=_(
                "several records of %(form)s are called “%(name)s”; use the record number",
                form=form_name, name=item) if found else _(
                "no record of %(form)s is called “%(name)s”", form=form_name, name=item))
        ids.append(found[0])
    if not many and len(ids) > 1:
        return Resolved(error=_("choose one record"))
    return Resolved(list(dict.fromkeys(ids)) if many else (ids[0] if ids else None))

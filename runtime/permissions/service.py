"""Rights of a person on a form, and the checks every egress path goes through.

This is the one place that decides. The records write path calls
:func:`require` (``_require``) and :func:`require_record`; the read path adds
:func:`scope_clause` in ``query.where``; the runtime resolves every form for a
request as :func:`visible_form` (hidden fields removed). Rights are computed
once per request and person and form (see docs/permissions.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context

from builder.apps import service as apps
from builder.db import db
from builder.exceptions import PermissionDenied
from builder.forms.models import Form
from builder.roles import domain as role_domain
from builder.roles.models import Role, RoleMember
from runtime.records.exceptions import RecordNotFound
from runtime.records.schema import PublishedForm

from . import domain, scopes
from .domain import Rights
from .projection import FormView, full_form, project

# ---------------------------------------------------------------- per-request cache


def _cache() -> dict[Any, Any]:
    """A dict for this request; outside a request nothing is cached (always fresh)."""
    if not has_request_context():
        return {}
    if "jimu_permissions" not in g:
        g.jimu_permissions = {}
    return g.jimu_permissions


def forget() -> None:
    """Drop this request's cached rights (after a change to roles or memberships)."""
    if has_request_context():
        g.pop("jimu_permissions", None)


def _cached(key: Any, compute):
    cache = _cache()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


# ---------------------------------------------------------------- who is asking


def who(user_id: int) -> scopes.Who:
    """The person as row scopes see them (their departments are loaded on demand)."""

    def departments() -> frozenset[int]:
        from ..org import tree

        return _cached(("departments", user_id), lambda: frozenset(
            tree.member_department_ids(user_id) | tree.managed_department_ids(user_id)))

    def department_tree() -> frozenset[int]:
        from ..org import tree

        return _cached(("tree", user_id),
                       lambda: frozenset(tree.subtrees_ids(set(departments()))))

    return scopes.Who(user_id, departments, department_tree)


def _form_row(form_id: int) -> tuple[int, str] | None:
    """(app id, form key) of a published form; None for a form the builder does not know."""
    def load():
        row = db.session.execute(sa.select(Form.app_id, Form.key).where(
            Form.id == form_id)).first()
        return None if row is None else (row.app_id, row.key)

    return _cached(("form", form_id), load)


def role_documents(actor, app_id: int) -> list[dict[str, Any]]:
    """The documents of the app's roles the person holds (directly, by department, or all)."""
    return _cached(("roles", actor.id, app_id), lambda: _load_roles(actor.id, app_id))


def _load_roles(user_id: int, app_id: int) -> list[dict[str, Any]]:
    rows = db.session.scalars(sa.select(Role.document).where(_held(user_id, app_id))
                              .order_by(Role.position, Role.id))
    return list(rows)


def role_keys(actor, app_id: int) -> frozenset[str]:
    """The keys of the app's roles the person holds (shared views chosen by role)."""
    if actor is None:
        return frozenset()
    return _cached(("role_keys", actor.id, app_id), lambda: frozenset(db.session.scalars(
        sa.select(Role.key).where(_held(actor.id, app_id)))))


def _held(user_id: int, app_id: int):
    """The condition on roles of the app that the person holds (directly, by department,
    or everyone's)."""
    from ..org import tree

    own = tree.member_department_ids(user_id)
    above = {a for d in own for a in tree.ancestor_ids(d)}
    m = RoleMember.__table__
    member = sa.select(m.c.role_id).where(sa.or_(
        m.c.user_id == user_id,
        m.c.department_id.in_(own) if own else sa.false(),
        sa.and_(m.c.with_subdepartments.is_(True), m.c.department_id.in_(above))
        if above else sa.false()))
    return sa.and_(Role.app_id == app_id, sa.or_(Role.everyone.is_(True), Role.id.in_(member)))


# ---------------------------------------------------------------- rights


def rights(actor, form: PublishedForm) -> Rights:
    """What ``actor`` may do with ``form`` (the union of their roles), cached per request."""
    if actor is None or not getattr(actor, "is_active", False):
        return domain.NONE
    if isinstance(form, FormView) and form.actor_id == actor.id:
        return form.rights
    key = ("rights", actor.id, form.form_id, form.version)
    return _cached(key, lambda: _compute(actor, full_form(form)))


def _compute(actor, form: PublishedForm) -> Rights:
    if getattr(actor, "is_admin", False):
        return domain.FULL
    found = _form_row(form.form_id)
    if found is None:
        # A form the builder does not know (tests and benchmarks build bare tables):
        # it behaves like an app that has only its default role "Everyone".
        return domain.FULL
    app_id, form_key = found
    if apps.is_app_admin(actor, app_id):
        return domain.FULL
    documents = role_documents(actor, app_id)
    if not documents and not _has_roles(app_id):
        documents = [role_domain.everyone_document("")]  # an app from before roles
    entries = [role_domain.access_of(doc, form_key) for doc in documents]
    found = domain.union(entries, [f.id for f in form.fields])
    derived = domain.derived_hidden(form.fields, found.hidden)
    if not derived:
        return found
    return replace(found, fields={**found.fields, **dict.fromkeys(derived, "hidden")})


def _has_roles(app_id: int) -> bool:
    return _cached(("has_roles", app_id), lambda: db.session.scalar(
        sa.select(Role.id).where(Role.app_id == app_id).limit(1)) is not None)


def visible_form(actor, form: PublishedForm) -> FormView:
    """The form as ``actor`` may see it: hidden fields removed, read-only ones marked."""
    if isinstance(form, FormView) and form.actor_id == getattr(actor, "id", None):
        return form
    full = full_form(form)
    actor_id = getattr(actor, "id", None)
    key = ("view", actor_id, full.form_id, full.version, id(full))
    return _cached(key, lambda: project(full, rights(actor, full), actor_id))


def can(actor, form: PublishedForm, operation: str, record: Any = None) -> bool:
    """Whether ``actor`` may do ``operation`` on the form (on ``record``, if given)."""
    found = rights(actor, form)
    if not found.allows(operation):
        return False
    if record is None:
        return True
    return in_scope(actor, form, operation, record)


def require(actor, form: PublishedForm, operation: str) -> None:
    """PermissionDenied unless the operation is granted on the form at all."""
    if not rights(actor, form).allows(operation):
        raise PermissionDenied(f"{operation} on form {form.form_id}")


def in_scope(actor, form: PublishedForm, operation: str, record: Any) -> bool:
    """Whether a loaded record (with the full form's values) is inside the operation's scope."""
    found = rights(actor, form)
    items = found.scope(operation)
    if items == domain.ALL:
        return True
    return scopes.matches(full_form(form), items, who(actor.id), record.system, record.values)


def require_record(actor, form: PublishedForm, operation: str, record: Any) -> None:
    """404 for a record outside what the person may see, 403 if seen but not ``operation``."""
    require(actor, form, operation)
    if in_scope(actor, form, operation, record):
        return
    if operation != "view" and in_scope(actor, form, "view", record):
        raise PermissionDenied(f"{operation} on record {record.id}")
    raise RecordNotFound(f"record {record.id}")


def scope_clause(actor, form: PublishedForm, operation: str = "view"):
    """The SQL condition limiting ``form``'s rows for the operation; None: no limit."""
    if actor is None:
        return sa.false()
    return _scope_sql(form, rights(actor, form), actor.id, operation)


def _scope_sql(form: PublishedForm, found: Rights, user_id: int, operation: str):
    if not found.allows(operation):
        return sa.false()
    items = found.scope(operation)
    if items == domain.ALL:
        return None
    return scopes.to_sql(full_form(form), items, who(user_id))


def view_scope(form: PublishedForm, operation: str = "view"):
    """The scope a projection carries (for ``query.where``); None for a full form."""
    if not isinstance(form, FormView):
        return None
    if form.actor_id is None:
        return sa.false()
    return _scope_sql(form, form.rights, form.actor_id, operation)


# ---------------------------------------------------------------- the write path


@dataclass(frozen=True)
class Write:
    """What the write path works with: the person's view, the full form, allowed input."""

    view: FormView
    form: PublishedForm
    data: dict[str, Any]


def writable(actor, form: PublishedForm, data: Mapping[str, Any], *,
             creating: bool = False) -> Write:
    """Drop input for fields the person may not change (the stored value stays).

    On create, such fields get their static default, if the builder gave one.
    """
    view = visible_form(actor, form)
    full = full_form(form)
    allowed = {k: v for k, v in data.items() if view.rights.editable(k)}
    if creating:
        for field_id in view.rights.fields:
            default = (full.raw_fields.get(field_id, {}).get("default") or {})
            if default.get("kind") == "static" and default.get("value") is not None:
                allowed[field_id] = default["value"]
    return Write(view, full, allowed)


def locked_errors(view: FormView, errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Messages on fields the person cannot change: "required" dropped (they cannot fill
    it in), others moved to the whole form (a hidden field's label must not show)."""
    out: dict[str, list[str]] = {}
    for field_id, messages in errors.items():
        if field_id and not view.rights.editable(field_id):
            if field_id in view.rights.hidden:
                out.setdefault("", []).extend(messages)
            continue
        out.setdefault(field_id, []).extend(messages)
    return out


def strip(view: PublishedForm, record: Any) -> Any:
    """The record with only the values the view shows (hidden fields' values gone)."""
    if not isinstance(view, FormView) or not view.rights.hidden:
        return record
    record.values = {k: v for k, v in record.values.items() if k in view.field_map}
    return record


@dataclass
class HistoryEntry:
    """A history entry as a person may read it (a plain copy, never flushed)."""

    id: int
    form_id: int
    record_id: int
    row_version: int
    form_version: int
    action: str
    actor_id: int | None
    at: Any
    changes: dict[str, Any]


def visible_history(view: PublishedForm, entries: Iterable[Any]) -> list[Any]:
    """History entries without the old and new values of fields hidden from the person."""
    entries = list(entries)
    if not isinstance(view, FormView) or not view.rights.hidden:
        return entries
    hidden = view.rights.hidden
    return [HistoryEntry(e.id, e.form_id, e.record_id, e.row_version, e.form_version, e.action,
                         e.actor_id, e.at, {k: v for k, v in (e.changes or {}).items()
                                            if k not in hidden})
            for e in entries]


def operations(form: PublishedForm) -> dict[str, bool]:
    """Operation → allowed, for a projection's person (everything for a full form)."""
    found = form.rights if isinstance(form, FormView) else domain.FULL
    return {op: found.allows(op) for op in role_domain.OPERATIONS}


def view_allows(form: PublishedForm, operation: str, record: Any = None) -> bool:
    """Whether the projection's person may do ``operation`` (on ``record``): for showing
    buttons only. The write path decides again on the full record."""
    if not isinstance(form, FormView):
        return True
    found = form.rights
    if not found.allows(operation) or form.actor_id is None:
        return False
    if record is None or found.unrestricted(operation):
        return True
    return scopes.matches(full_form(form), found.scope(operation), who(form.actor_id),
                          record.system, record.values)


def can_open(actor, app_id: int, form_key: str) -> bool:
    """Whether any of the person's roles grants anything on the form (app home cards)."""
    if actor is None or not getattr(actor, "is_active", False):
        return False
    if getattr(actor, "is_admin", False) or apps.is_app_admin(actor, app_id):
        return True
    documents = role_documents(actor, app_id)
    if not documents and not _has_roles(app_id):
        return True
    return any((role_domain.access_of(doc, form_key) or {}).get("operations")
               for doc in documents)

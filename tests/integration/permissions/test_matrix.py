"""The generated access matrix: role × row scope × operation × egress path.

For every combination Alice (holding only the role under test) asks for data along
every way data leaves the system, and the answer must hold exactly the records in
her scope: out-of-scope records answer 404 and their names appear in no response,
values of hidden fields (``SECRET-…``) appear nowhere, refused operations answer
403/404 and change nothing.

New egress paths (views, exports, related sections, lookups, e-mails) are one entry
in ``EGRESS`` each: a kind ("list": one response about many records, "record": one
response per record) and a function returning the bytes a person would receive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from builder.db import db
from runtime.records import query

from .conftest import NAMES, post, sign_in
from .test_rights import SCOPE_CASES, scope_item

SCOPES = {**SCOPE_CASES, "none": set()}
ROLES = {
    # a salesperson: may create and edit, never sees the contract terms, cannot rate
    "salesperson": {"operations": ["view", "create", "edit"],
                    "fields": {"f_secret": "hidden", "f_rate01": "read_only"}},
    # a manager: sees every field, may delete and export, may not create
    "manager": {"operations": ["view", "edit", "delete", "export"], "fields": {}},
    # an auditor: reads only
    "auditor": {"operations": ["view"], "fields": {"f_secret": "hidden"}},
}


@dataclass(frozen=True)
class Egress:
    """One way data leaves the system."""

    kind: str  # "list" or "record"
    fetch: Callable[..., tuple[int, bytes]]


def _http(path_of: Callable[..., str], **headers) -> Callable[..., tuple[int, bytes]]:
    def fetch(client, world, name=None):
        response = client.get(path_of(world, name), headers=headers)
        return response.status_code, response.get_data()
    return fetch


def _search(client, world, name=None):
    """The read path's filter, as views and the API use it (a contains search)."""
    actor = world.users["alice"]
    try:
        page = query.query(actor, world.form, {"field": "f_name01", "op": "contains",
                                               "value": "CUST"})
    except Exception as exc:  # a refusal is an answer too
        return getattr(exc, "status", 500), str(exc).encode()
    return 200, repr([(r.values, r.system) for r in page.records]).encode()


def _group_path(suffix: str) -> Callable[..., str]:
    return lambda w, n: f"/a/crm/group/{w.group_id}{suffix}"


#: the table view asked for hidden columns, sort, group and totals and a quick search
_EVERY_COLUMN = ("?cols=f_name01,f_secret,f_rate01,f_level1&sort=-f_secret,f_name01"
                 "&group=f_secret&totals=f_secret:count,f_name01:count&q=CUST")
_SECRET_FILTER = '?filter={"field":"f_secret","op":"contains","value":"SECRET"}'


def _cell(world, name):
    return world.url(suffix=f"/views/cell/{world.records[name]}/f_name01")


EGRESS = {
    "page": Egress("list", _http(lambda w, n: w.url())),
    "table view, every column asked": Egress("list", _http(lambda w, n: w.url(
        suffix=_EVERY_COLUMN))),
    "table view, hidden filter": Egress("list", _http(lambda w, n: w.url(
        suffix=_SECRET_FILTER))),
    "table view search fragment": Egress("list", _http(
        lambda w, n: w.url(suffix="?q=CUST"), **{"HX-Request": "true",
                                                 "HX-Target": "view-results"})),
    "table cell": Egress("record", _http(_cell)),
    "htmx fragment": Egress("list", _http(lambda w, n: w.url(), **{"HX-Request": "true"})),
    "pool page": Egress("list", _http(lambda w, n: w.url(suffix="/pool"))),
    "search": Egress("list", _search),
    "detail": Egress("record", _http(lambda w, n: w.url(n))),
    "detail fragment": Egress("record", _http(lambda w, n: w.url(n),
                                              **{"HX-Request": "true"})),
    "history": Egress("record", _http(lambda w, n: w.url(n, "?tab=history"))),
    "edit form": Egress("record", _http(lambda w, n: w.url(n, "/edit"))),
    # the 360° page of a group every customer links to: its customers section and timeline
    "related page": Egress("list", _http(_group_path(""))),
    "related section": Egress("list", _http(_group_path("/related/0"),
                                            **{"HX-Request": "true"})),
    "related timeline": Egress("list", _http(_group_path("/timeline"))),
}
#: list paths that need not name every visible record (searches, lazily loaded pages)
PARTIAL = {"search", "related page"}
#: paths about another form (the group), which everyone may view
OTHER_FORM = {"related page", "related section", "related timeline"}


def _link_group(world) -> None:
    """A group form every customer links to, its 360° page showing them in a timeline too."""
    from builder.forms import service as forms
    from builder.forms.models import Form
    from runtime.records import service as records
    from runtime.records.schema import published

    group = forms.create_form(world.admin, world.app, "Group", key="group")
    forms.save_draft(world.admin, group, dict(
        group.draft, title_field="f_gname01", rules=[],
        fields=[{"id": "f_gname01", "type": "text", "label": "Group", "config": {}}],
        layout=[{"kind": "field", "field": "f_gname01"}],
        detail={"timeline": {"sources": [{
            "form": world.form.form_id, "link": "f_group01", "date_field": "created_at",
            "title_field": "f_name01", "fields": ["f_secret", "f_rate01"]}]}}),
        revision=group.draft_revision)
    version = forms.publish(world.admin, group)
    live = published(group.id, version.version, version.document, group.created_at)
    world.group_id = records.create(world.admin, live, {"f_gname01": "GROUP-ONE"}).id
    row = db.session.get(Form, world.form.form_id)
    link = {"id": "f_group01", "type": "link", "label": "Group", "config": {"form": group.id}}
    forms.save_draft(world.admin, row, dict(
        row.draft, fields=[*row.draft["fields"], link],
        layout=[*row.draft["layout"], {"kind": "field", "field": "f_group01"}]),
        revision=row.draft_revision)
    version = forms.publish(world.admin, row)
    world.form = published(row.id, version.version, version.document, row.created_at)
    db.session.execute(world.form.table.update().values(f_group01=world.group_id))
    db.session.commit()


def _setup(world, role: str, scope: str):
    world.enable_pool()
    world.everyone()
    spec = ROLES[role]
    items = [] if scope == "none" else [scope_item(scope)]
    world.grant(role, users=["alice"], operations=spec["operations"], scope=items,
                fields=spec["fields"])
    return spec, SCOPES[scope]


def _expected_status(egress: Egress, allowed: bool, visible: bool) -> set[int]:
    if not allowed:
        return {403}
    if egress.kind == "record" and not visible:
        return {404}
    return {200}


@pytest.mark.parametrize("scope", sorted(SCOPES))
@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_egress_path_shows_exactly_the_scope(world, client, role, scope):
    _link_group(world)
    spec, visible = _setup(world, role, scope)
    sign_in(client, world.users["alice"])
    hidden = spec["fields"].get("f_secret") == "hidden"
    problems = []
    for path, egress in EGRESS.items():
        for name in (NAMES if egress.kind == "record" else [None]):
            status, body = egress.fetch(client, world, name)
            seen = name is None or name in visible
            if path == "edit form":
                allowed_here = "edit" in spec["operations"]
            elif path in OTHER_FORM:
                allowed_here = True
            else:
                allowed_here = "view" in spec["operations"]
            if status not in _expected_status(egress, allowed_here, seen):
                problems.append(f"{path} {name}: status {status}")
            text = body.decode("utf-8", "replace")
            shown = visible if egress.kind == "list" else ({name} & visible)
            if path == "pool page":
                shown = visible & {"CUST-POOL"}
            leaked = {n for n in NAMES if n in text} - shown
            if leaked:
                problems.append(f"{path} {name}: shows {sorted(leaked)}")
            if status == 200 and egress.kind == "list" and path not in PARTIAL:
                missing = {n for n in shown if n not in text}
                if missing:
                    problems.append(f"{path}: misses {sorted(missing)}")
            if hidden and ("SECRET-" in text or "Contract terms" in text):
                problems.append(f"{path} {name}: shows the hidden field")
    assert not problems, "\n".join(problems)


def _names_in_table(world) -> dict[str, dict]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(world.form.table)).mappings()
    return {row["f_name01"]: dict(row) for row in rows}


@pytest.mark.parametrize("scope", sorted(SCOPES))
@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_write_obeys_the_operation_and_the_scope(world, client, role, scope):
    spec, visible = _setup(world, role, scope)
    sign_in(client, world.users["alice"])
    token_page = world.url() if "view" in spec["operations"] else "/"
    problems = []
    before = _names_in_table(world)
    for name in NAMES:
        row = before[name]
        response = post(client, world.url(name, "/edit"), {
            "f_name01": name, "f_level1": "a", "f_secret": "HACKED", "f_rate01": "HACKED",
            "row_version": str(row["row_version"])}, token_from=token_page)
        if "edit" not in spec["operations"]:
            expected = {403}
        else:
            expected = {303} if name in visible else {404}
        if response.status_code not in expected:
            problems.append(f"edit {name}: {response.status_code}")
    after = _names_in_table(world)
    for name in NAMES:
        changed = after[name]["f_level1"] != before[name]["f_level1"]
        if changed and ("edit" not in spec["operations"] or name not in visible):
            problems.append(f"edit {name} was applied")
        if after[name]["f_secret"] == "HACKED" and spec["fields"].get("f_secret"):
            problems.append(f"hidden field of {name} was changed")
        if after[name]["f_rate01"] == "HACKED" and spec["fields"].get("f_rate01"):
            problems.append(f"read-only field of {name} was changed")
    response = post(client, world.url(suffix="/new"), {"f_name01": "CUST-NEW"},
                    token_from=token_page)
    if response.status_code != (303 if "create" in spec["operations"] else 403):
        problems.append(f"create: {response.status_code}")
    for name in NAMES:
        response = post(client, world.url(name, "/delete"), token_from=token_page)
        if "delete" not in spec["operations"]:
            expected = {403}
        else:
            expected = {303} if name in visible else {404}
        if response.status_code not in expected:
            problems.append(f"delete {name}: {response.status_code}")
    live = {n for n, row in _names_in_table(world).items() if row["deleted_at"] is None}
    gone = set(NAMES) - live
    allowed_gone = visible if "delete" in spec["operations"] else set()
    if gone - allowed_gone:
        problems.append(f"deleted out of scope: {sorted(gone - allowed_gone)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_quick_search_never_looks_into_hidden_fields(world, client, role):
    """Searching for a hidden field's text finds nothing (no oracle on hidden values)."""
    spec, visible = _setup(world, role, "all")
    sign_in(client, world.users["alice"])
    response = client.get(world.url(suffix="?q=SECRET-"))
    text = response.get_data(as_text=True)
    found = {n for n in NAMES if n in text}
    if spec["fields"].get("f_secret") == "hidden":
        assert found == set()
    else:
        assert found == visible

"""Table cells: names are looked up once per page, every value is escaped."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from markupsafe import Markup

from builder.db import db
from builder.fields import Field
from runtime.accounts.models import Department
from runtime.records.display import Shown
from runtime.records.service import Record
from runtime.views import cells

LINKS = SimpleNamespace(record_base="/a/crm/c/", cell_base="/a/crm/c/views/cell/")
PENCIL = Markup("<svg></svg>")


def _column(**kw):
    base = {"key": "f_name01", "title": False, "editable": False, "edit_label": "Edit 名称"}
    return SimpleNamespace(**{**base, **kw})


def test_members_and_departments_are_looked_up_once_per_page(app, make_user):
    with app.test_request_context():
        users = [make_user(name=f"同事{i}") for i in range(3)]
        departments = [Department(name=f"部门{i}") for i in range(2)]
        db.session.add_all(departments)
        db.session.commit()
        fields = [Field("f_owner1", "member", "负责人", {}),
                  Field("f_dept01", "department", "部门", {})]
        records = [Record(id=i, values={"f_owner1": users[i % 3].id,
                                        "f_dept01": departments[i % 2].id}) for i in range(30)]
        statements = []

        def seen(conn, cursor, statement, *args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            lookups = cells.resolve(fields, records)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", seen)
        assert len([s for s in statements if "FROM" in s]) == 2
        shown = cells.cell(fields[0], users[1].id, lookups)
        assert shown.text == "同事1"
        assert cells.cell(fields[1], departments[0].id, lookups).text == "部门0"
        assert cells.cell(fields[1], 999, lookups).text == "#999"


def test_cells_escape_what_people_typed(app):
    with app.test_request_context():
        hostile = Shown("text", text='<script>alert("x")</script>')
        html = cells.cell_html(_column(title=True, editable=True), hostile, 7, LINKS, PENCIL)
        assert "<script>" not in html and "&lt;script&gt;" in html
        assert 'href="/a/crm/c/7"' in html and 'hx-get="/a/crm/c/views/cell/7/f_name01?edit=1"' \
            in html
        badges = cells.value_html(Shown("badges", badges=[("<b>", "red\" onclick=\"x")]))
        assert "<b>" not in badges and 'onclick="x' not in badges
        link = cells.value_html(Shown("link", text="官网", href='https://x.cn/"><script>'))
        assert 'rel="noopener noreferrer nofollow"' in link and "<script>" not in link
        assert "#7" in cells.cell_html(_column(title=True), Shown(), 7, LINKS, PENCIL)


def test_a_renderer_or_resolver_registered_twice_is_refused(app):
    with pytest.raises(ValueError):
        cells.register_renderer("member", lambda f, v, lookups: Shown())
    with pytest.raises(ValueError):
        cells.register_resolver(cells.Resolver("users", frozenset(), dict))

"""Changing a published field's type: preview, consent, conversion at publish, ids kept."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
import sqlalchemy as sa

from builder.apps import service as apps
from builder.db import db
from builder.exceptions import ValidationFailed
from builder.forms import service as forms
from builder.metadata import MetadataInvalid
from runtime.records import schema
from runtime.records import service as records
from runtime.records.models import RecordHistory


@pytest.fixture
def ctx(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def crm(ctx, make_user, drop_record_tables):
    admin = make_user(is_admin=True)
    app_row = apps.seed_app("crm", "CRM", "", icon="handshake", color="blue")
    db.session.commit()
    return admin, app_row


FIELDS = [
    {"id": "f_name01", "type": "text", "label": "Name", "config": {}},
    {"id": "f_size01", "type": "text", "label": "Size", "config": {"max_length": 50}},
]


def _published(crm, fields=None):
    admin, app_row = crm
    form = forms.create_form(admin, app_row, "Customers")
    doc = copy.deepcopy(form.draft)
    doc["fields"] = copy.deepcopy(fields or FIELDS)
    doc["layout"] = [{"kind": "field", "field": f["id"]} for f in doc["fields"]]
    forms.save_draft(admin, form, doc, revision=form.draft_revision)
    forms.publish(admin, form)
    return form


def _live(form):
    version = forms.published_version(form)
    return schema.published(form.id, version.version, version.document)


def _add(admin, form, **values):
    return records.create(admin, _live(form), values).id


def _change(admin, form, field_id, new_type, clear=False):
    op = {"op": "change_type", "id": field_id, "type": new_type, "clear": "1" if clear else ""}
    forms.apply_operation(admin, form, op, revision=form.draft_revision)


def _values(admin, form, field_id):
    return {r.id: r.values[field_id] for r in records.page(admin, _live(form), limit=500)}


def _sizes(admin, form):
    return [_add(admin, form, f_name01=f"n{i}", f_size01=size)
            for i, size in enumerate(["12", "1,200", "ten", "3.5", None])]


def test_preview_counts_what_converts_and_shows_why_the_rest_does_not(crm):
    admin, _app = crm
    form = _published(crm)
    ids = _sizes(admin, form)
    found = forms.retype_preview(admin, form, "f_size01", "integer")
    assert found.stored_type == "text" and found.new_field["type"] == "integer"
    preview = found.preview
    assert (preview.total, preview.converted, preview.failed) == (4, 2, 2)
    assert [(e.record_id, e.value) for e in preview.examples] == [(ids[2], "ten"),
                                                                  (ids[3], "3.5")]
    assert "whole number" in preview.examples[1].reason
    # nothing changed: the draft and the stored values are as before
    assert forms.stored_types(form)["f_size01"] == "text"
    assert _values(admin, form, "f_size01")[ids[2]] == "ten"


def test_publish_is_refused_until_the_builder_agrees_to_clear(crm):
    admin, _app = crm
    form = _published(crm)
    ids = _sizes(admin, form)
    _change(admin, form, "f_size01", "integer")
    with pytest.raises(MetadataInvalid) as refused:
        forms.publish(admin, form)
    [error] = refused.value.metadata_errors
    assert error.path == "$.fields[1].type"
    assert "Size: 2 stored values do not convert to Integer" in error.message
    assert f"record #{ids[2]}" in error.message and "“ten”" in error.message
    assert form.published_version == 1
    assert _values(admin, form, "f_size01")[ids[2]] == "ten"  # nothing was touched

    _change(admin, form, "f_size01", "integer", clear=True)
    version = forms.publish(admin, form)
    assert version.version == 2 and "type_change" not in version.document["fields"][1]
    assert "type_change" not in form.draft["fields"][1]
    values = _values(admin, form, "f_size01")
    assert [values[i] for i in ids] == [12, 1200, None, None, None]
    # the id never changes; the column now holds integers
    assert version.document["fields"][1]["id"] == "f_size01"
    record = records.create(admin, _live(form), {"f_name01": "x", "f_size01": "7"})
    assert record.values["f_size01"] == 7
    with pytest.raises(ValidationFailed):
        records.create(admin, _live(form), {"f_name01": "y", "f_size01": "seven"})


def test_cleared_values_leave_a_history_entry_with_the_old_value(crm):
    admin, _app = crm
    form = _published(crm)
    ids = _sizes(admin, form)
    _change(admin, form, "f_size01", "integer", clear=True)
    forms.publish(admin, form)
    history = db.session.scalars(sa.select(RecordHistory).where(
        RecordHistory.form_id == form.id, RecordHistory.record_id == ids[2])
        .order_by(RecordHistory.id)).all()
    assert history[-1].changes == {"f_size01": ["ten", None]}
    assert history[-1].row_version == 2 and history[-1].form_version == 2
    assert records.get(admin, _live(form), ids[2]).row_version == 2
    assert records.get(admin, _live(form), ids[0]).row_version == 1


def test_a_change_where_everything_converts_needs_no_consent(crm):
    admin, _app = crm
    form = _published(crm, [{"id": "f_amnt01", "type": "integer", "label": "Amount",
                             "config": {"min": 0, "unit": "pcs"}}])
    ids = [_add(admin, form, f_amnt01=n) for n in (3, 40)]
    _change(admin, form, "f_amnt01", "decimal")
    assert form.draft["fields"][0]["config"] == {"min": 0, "unit": "pcs"}  # settings carried
    forms.publish(admin, form)
    assert _values(admin, form, "f_amnt01") == {ids[0]: Decimal("3.00"),
                                                ids[1]: Decimal("40.00")}
    _change(admin, form, "f_amnt01", "text")
    forms.publish(admin, form)
    assert _values(admin, form, "f_amnt01") == {ids[0]: "3.00", ids[1]: "40.00"}


def test_options_and_dates_convert_to_what_people_read(crm):
    admin, _app = crm
    form = _published(crm, [
        {"id": "f_stage1", "type": "single_select", "label": "Stage", "config": {"options": [
            {"id": "new", "label": "新线索"}, {"id": "won", "label": "赢单"}]}},
        {"id": "f_when01", "type": "datetime", "label": "When", "config": {}},
        {"id": "f_kind01", "type": "single_select", "label": "Kind", "config": {"options": [
            {"id": "a", "label": "A"}, {"id": "b", "label": "B"}]}},
        {"id": "f_open01", "type": "boolean", "label": "Open", "config": {}}])
    rid = _add(admin, form, f_stage1="won", f_when01="2026-03-01 23:30", f_kind01="b",
               f_open01=True)
    _change(admin, form, "f_stage1", "text")
    _change(admin, form, "f_when01", "date")
    _change(admin, form, "f_kind01", "multi_select")
    _change(admin, form, "f_open01", "textarea")
    forms.publish(admin, form)
    values = records.get(admin, _live(form), rid).values
    assert values["f_stage1"] == "赢单"
    assert values["f_when01"].isoformat() == "2026-03-01"  # the local date, not UTC's
    assert values["f_kind01"] == ["b"] and values["f_open01"] == "Yes"


def test_changing_back_restores_the_settings_and_drops_the_pending_change(crm):
    admin, _app = crm
    form = _published(crm)
    _change(admin, form, "f_size01", "integer")
    assert form.draft["fields"][1]["type_change"]["from"] == "text"
    _change(admin, form, "f_size01", "text")
    assert form.draft["fields"][1] == FIELDS[1]
    assert not forms.has_unpublished_changes(form)


def test_incompatible_targets_are_refused(crm):
    admin, _app = crm
    form = _published(crm)
    with pytest.raises(ValidationFailed) as refused:
        _change(admin, form, "f_size01", "member")
    assert "cannot be changed to Member" in str(refused.value.errors)


def test_deleting_a_field_with_a_pending_change_keeps_its_stored_type(crm):
    admin, _app = crm
    form = _published(crm)
    _change(admin, form, "f_size01", "integer")
    forms.apply_operation(admin, form, {"op": "delete", "id": "f_size01"},
                          revision=form.draft_revision)
    field = form.draft["fields"][1]
    assert field["deleted"] and field["type"] == "text" and "type_change" not in field
    forms.publish(admin, form)


def test_unique_values_that_would_collide_do_not_convert(crm):
    admin, _app = crm
    form = _published(crm, [{"id": "f_code01", "type": "text", "label": "Code",
                             "unique": {}, "config": {}}])
    ids = [_add(admin, form, f_code01=code) for code in ("1", "01", "2")]
    found = forms.retype_preview(admin, form, "f_code01", "integer").preview
    assert found.failed == 1 and found.examples[0].record_id == ids[1]
    assert f"record #{ids[0]}" in found.examples[0].reason
    _change(admin, form, "f_code01", "integer", clear=True)
    forms.publish(admin, form)
    assert _values(admin, form, "f_code01") == {ids[0]: 1, ids[1]: None, ids[2]: 2}
    with pytest.raises(ValidationFailed):
        records.create(admin, _live(form), {"f_code01": "2"})


def test_normalised_unique_keys_are_rebuilt_for_the_new_type(crm):
    admin, _app = crm
    form = _published(crm, [{"id": "f_mail01", "type": "text", "label": "Mail",
                             "unique": {"steps": ["trim", "casefold"]}, "config": {}}])
    _add(admin, form, f_mail01="Ada@Example.com")
    _change(admin, form, "f_mail01", "email")
    forms.publish(admin, form)
    with pytest.raises(ValidationFailed) as refused:
        records.create(admin, _live(form), {"f_mail01": "ada@example.COM"})
    assert "f_mail01" in refused.value.errors


def test_renaming_a_label_never_touches_stored_data(crm):
    admin, _app = crm
    form = _published(crm)
    ids = _sizes(admin, form)
    before = _values(admin, form, "f_size01")
    forms.apply_operation(admin, form, {"op": "update", "id": "f_size01",
                                        "props": {"label": "Company size"}},
                          revision=form.draft_revision)
    version = forms.publish(admin, form)
    assert version.document["fields"][1]["label"] == "Company size"
    assert _values(admin, form, "f_size01") == before
    assert records.get(admin, _live(form), ids[0]).row_version == 1
    history = db.session.scalar(sa.select(sa.func.count()).select_from(RecordHistory)
                                .where(RecordHistory.form_id == form.id))
    assert history == len(ids)  # one per create, none added by the rename


def test_revert_to_a_version_with_another_type_marks_the_change(crm):
    admin, _app = crm
    form = _published(crm)
    _add(admin, form, f_name01="a", f_size01="12")
    _change(admin, form, "f_size01", "integer")
    forms.publish(admin, form)
    forms.revert_draft(admin, form, 1)
    field = form.draft["fields"][1]
    assert field["type"] == "text" and field["type_change"]["from"] == "integer"
    forms.publish(admin, form)
    assert _values(admin, form, "f_size01") == {1: "12"}


def test_connections_that_read_before_a_type_change_read_after_it(crm):
    """PostgreSQL: a statement another connection prepared before the column swap must not
    fail after it ("cached plan must not change result type")."""
    admin, _app = crm
    form = _published(crm)
    rid = _add(admin, form, f_name01="a", f_size01="12")
    with db.engine.connect() as other:
        for _ in range(8):  # psycopg prepares a statement after five runs
            table = _live(form).table
            other.execute(sa.select(table).where(table.c.id == rid)).one()
        other.commit()
        _change(admin, form, "f_size01", "integer")
        forms.publish(admin, form)
        table = _live(form).table
        row = other.execute(sa.select(table).where(table.c.id == rid)).one()
        assert row.f_size01 == 12

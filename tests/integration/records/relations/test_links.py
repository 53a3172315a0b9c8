"""Links through the one write path: stored, refused when the linked record is not allowed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from runtime.records import service
from runtime.records.exceptions import ValidationFailed


def test_single_and_many_links_are_stored_and_read_back(ctx, crm):
    acme, globex = crm.customer("Acme", f_level1="a"), crm.customer("Globex", f_level1="b")
    contact = service.create(crm.user, crm.contacts, {
        "f_pname1": "张三", "f_cust01": str(acme.id), "f_others": [globex.id, acme.id]})
    got = service.get(crm.user, crm.contacts, contact.id)
    assert got.values["f_cust01"] == acme.id
    assert got.values["f_others"] == [globex.id, acme.id]
    assert got.values["f_clevel"] == "a"
    assert got.values["f_onames"] == ["Globex", "Acme"]
    assert got.values["f_ocount"] == 2


@pytest.mark.parametrize("field_id", ["f_cust01", "f_others"])
def test_a_record_that_does_not_exist_is_refused(ctx, crm, field_id):
    crm.customer("Acme")
    with pytest.raises(ValidationFailed) as refused:
        service.create(crm.user, crm.contacts, {"f_pname1": "张三", field_id: "999999"})
    assert refused.value.errors[field_id] == ["choose a record of 客户 that exists"]
    assert service.page(crm.user, crm.contacts) == []


def test_a_record_in_the_trash_is_refused(ctx, crm):
    acme = crm.customer("Acme")
    service.delete(crm.user, crm.customers, acme.id)
    with pytest.raises(ValidationFailed) as refused:
        service.create(crm.user, crm.contacts, {"f_pname1": "张三", "f_others": [acme.id]})
    assert "that exists" in refused.value.errors["f_others"][0]


def test_the_links_filter_is_enforced_by_the_write_path(ctx, make_crm):
    crm = make_crm(filter={"field": "f_level1", "op": "eq", "value": "a"})
    good, bad = crm.customer("Acme", f_level1="a"), crm.customer("Globex", f_level1="b")
    with pytest.raises(ValidationFailed) as refused:
        service.create(crm.user, crm.contacts, {"f_pname1": "张三", "f_cust01": bad.id})
    assert refused.value.errors["f_cust01"] == [
        "choose a record of 客户 that matches the allowed records"]
    assert service.create(crm.user, crm.contacts, {"f_pname1": "张三", "f_cust01": good.id})


def test_an_unchanged_link_to_a_record_trashed_since_does_not_block_edits(ctx, crm):
    acme = crm.customer("Acme")
    contact = service.create(crm.user, crm.contacts, {"f_pname1": "张三", "f_cust01": acme.id})
    service.delete(crm.user, crm.customers, acme.id)
    updated = service.update(crm.user, crm.contacts, contact.id, {"f_pname1": "张三丰"},
                             expected_version=contact.row_version)
    assert updated.values["f_pname1"] == "张三丰" and updated.values["f_cust01"] == acme.id
    assert updated.values["f_clevel"] is None  # the trashed customer shows nothing


def test_rollups_skip_trashed_records_and_sum_nothing_to_zero(ctx, crm):
    a = crm.customer("Acme", f_amnt01="100.50", f_since1="2024-05-01")
    b = crm.customer("Globex", f_amnt01="200", f_since1="2023-01-15")
    c = crm.customer("Initech", f_amnt01="7")
    linked = service.create(crm.user, crm.contacts, {"f_pname1": "张三",
                                                     "f_others": [a.id, b.id, c.id],
                                                     "f_cust01": a.id})
    alone = service.create(crm.user, crm.contacts, {"f_pname1": "李四"})
    service.delete(crm.user, crm.customers, c.id)
    got = service.get(crm.user, crm.contacts, linked.id).values
    assert got["f_ocount"] == 2
    assert got["f_osum01"] == Decimal("300.50")
    assert got["f_oavg01"] == Decimal("150.25")
    assert str(got["f_omax01"]) == "2023-01-15"
    assert got["f_csum01"] == Decimal("100.50")
    empty = service.get(crm.user, crm.contacts, alone.id).values
    assert empty["f_ocount"] == 0 and empty["f_osum01"] == Decimal("0.00")
    assert empty["f_omax01"] is None and empty["f_oavg01"] is None


def test_a_single_link_is_indexed_and_many_links_index_their_target(app, crm):
    import sqlalchemy as sa

    from builder.db import db

    inspector = sa.inspect(db.session.connection())
    table = crm.contacts.spec.name
    assert f"ix_{table}_f_cust01" in {ix["name"] for ix in inspector.get_indexes(table)}
    side = crm.contacts.side_table("f_others").name
    indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes(side)}
    assert indexes[f"ix_{side}_target_id"] == ["target_id"]


def test_a_form_may_link_to_itself_with_lookups_and_rollups(ctx, publish_form, make_user):
    from tests.integration.records.relations.conftest import published

    user = make_user()
    keys = publish_form(fields=[
        {"id": "f_cname1", "type": "text", "label": "公司", "config": {}}], layout=[],
        rules=[], publish=False, title_field="f_cname1")
    form_id = _form_id(*keys)
    _republish(keys, [
        {"id": "f_cname1", "type": "text", "label": "公司", "config": {}},
        {"id": "f_parent", "type": "link", "label": "上级公司", "config": {"form": form_id}},
        {"id": "f_pname1", "type": "lookup", "label": "上级名称",
         "config": {"link": "f_parent", "field": "f_cname1"}},
        {"id": "f_pcount", "type": "rollup", "label": "上级数",
         "config": {"source": "f_parent", "function": "count"}}])
    form = published(*keys)
    group = service.create(user, form, {"f_cname1": "集团"})
    child = service.create(user, form, {"f_cname1": "子公司", "f_parent": group.id})
    assert child.values["f_pname1"] == "集团" and child.values["f_pcount"] == 1
    assert service.get(user, form, group.id).values["f_pcount"] == 0


def _form_id(app_key: str, form_key: str) -> int:
    from builder.apps import service as apps
    from builder.forms import service as forms

    return forms.get_form(None, apps.get_app_by_key(None, app_key), form_key).id


def _republish(keys, fields) -> None:
    from builder.apps import service as apps
    from builder.forms import service as forms
    from runtime.accounts import service as accounts

    admin = accounts.find_user_by_email("builder@example.com")
    form = forms.get_form(admin, apps.get_app_by_key(admin, keys[0]), keys[1])
    forms.save_draft(admin, form, dict(form.draft, fields=fields), revision=form.draft_revision)
    forms.publish(admin, form)

"""App services: versions, history, order, trash, permissions (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from builder.apps import service
from builder.apps.exceptions import AppChanged, NotFound, PermissionDenied, ValidationFailed
from builder.apps.models import App, AppVersion
from builder.db import db
from builder.metadata import MetadataInvalid


@pytest.fixture(autouse=True)
def _request(app):
    # Messages are translated for the request's language, so services run inside one.
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def ada(make_user):
    return make_user(email="ada@example.com", name="Ada", is_admin=True)


@pytest.fixture
def max_(make_user):
    return make_user(email="max@example.com", name="Max")


def _versions(app):
    return list(db.session.scalars(
        select(AppVersion).where(AppVersion.app_id == app.id).order_by(AppVersion.version)))


def test_create_saves_version_one_with_its_author(ada):
    app = service.create(ada, name="  客户管理 CRM ", description="Deals\r\nand more",
                         icon="handshake", color="teal")
    assert (app.key, app.name, app.version) == ("crm", "客户管理 CRM", 1)
    assert app.document == {"schema_version": 1, "key": "crm", "name": "客户管理 CRM",
                            "description": "Deals\nand more", "icon": "handshake",
                            "color": "teal", "forms": []}
    [v1] = _versions(app)
    assert (v1.version, v1.created_by_id, v1.schema_version) == (1, ada.id, 1)
    assert v1.document == app.document


def test_chinese_names_get_numbered_keys(ada):
    assert service.create(ada, name="客户管理").key == "app_1"
    assert service.create(ada, name="采购").key == "app_2"


def test_each_change_bumps_the_version_and_is_kept_in_history(ada):
    app = service.create(ada, name="CRM")
    assert service.update(ada, app, name="Sales CRM")
    assert service.update(ada, app, description="Customers")
    assert service.update(ada, app, icon="truck")
    assert service.update(ada, app, color="red", expected_version=4)
    assert app.version == 5
    assert app.name == "Sales CRM"
    assert [v.version for v in _versions(app)] == [1, 2, 3, 4, 5]
    entries = service.history(ada, app)
    assert [e.version for e in entries] == [5, 4, 3, 2, 1]
    assert [(c.field, c.old, c.new) for c in entries[0].changes] == [("color", "blue", "red")]
    assert [(c.field, c.old, c.new) for c in entries[3].changes] == [("name", "CRM", "Sales CRM")]
    assert [(c.field, c.old, c.new) for c in service.compare(ada, app, 1, 3)] == [
        ("name", "CRM", "Sales CRM"), ("description", "", "Customers")]


def test_saving_without_change_writes_no_version(ada):
    app = service.create(ada, name="CRM")
    assert service.update(ada, app, name=" CRM ") is False
    assert app.version == 1 and len(_versions(app)) == 1


def test_invalid_change_saves_nothing(ada):
    app = service.create(ada, name="CRM")
    with pytest.raises(MetadataInvalid) as info:
        service.update(ada, app, name="x" * 81, icon="skull")
    assert [e.path for e in info.value.metadata_errors] == ["$.icon", "$.name"]
    db.session.rollback()
    db.session.refresh(app)
    assert (app.name, app.version, len(_versions(app))) == ("CRM", 1, 1)


def test_the_key_cannot_be_changed(ada):
    app = service.create(ada, name="CRM")
    with pytest.raises(ValueError):
        service.update(ada, app, key="other")


def test_stale_edit_is_refused(ada):
    app = service.create(ada, name="CRM")
    service.update(ada, app, name="CRM 2", expected_version=1)
    with pytest.raises(AppChanged):
        service.update(ada, app, name="CRM 3", expected_version=1)
    assert app.name == "CRM 2"


def test_taken_key_is_reported_at_its_path_even_in_the_trash(ada):
    app = service.create(ada, name="CRM")
    with pytest.raises(MetadataInvalid) as info:
        service.create(ada, name="Other", key="crm")
    assert info.value.metadata_errors[0].path == "$.key"
    assert "already used" in info.value.metadata_errors[0].message
    service.trash(ada, app)
    with pytest.raises(MetadataInvalid) as info:
        service.create(ada, name="Other", key="crm")
    assert "trash" in info.value.metadata_errors[0].message


def test_an_old_document_is_upgraded_on_save(ada, monkeypatch):
    from builder import metadata

    app = service.create(ada, name="CRM")
    old = {k: v for k, v in app.document.items() if k != "name"}
    app.document = {**old, "schema_version": 0, "title": "CRM"}
    db.session.commit()

    def v0_to_v1(doc):
        doc["name"] = doc.pop("title")
        return doc

    monkeypatch.setitem(metadata.UPGRADES, "app", {0: v0_to_v1})
    assert service.update(ada, app, color="red")
    assert app.document["schema_version"] == 1 and app.document["name"] == "CRM"
    assert _versions(app)[-1].schema_version == 1


def test_reorder_puts_listed_apps_first_and_ignores_unknown_ids(ada):
    a, b, c = (service.create(ada, name=n) for n in ("Alpha", "Beta", "Gamma"))
    service.reorder(ada, [c.id, 999, a.id])
    assert [x.name for x in service.list_apps(ada)] == ["Gamma", "Alpha", "Beta"]
    service.move(ada, b, -1)
    assert [x.name for x in service.list_apps(ada)] == ["Gamma", "Beta", "Alpha"]
    service.move(ada, c, -1)
    assert [x.name for x in service.list_apps(ada)] == ["Gamma", "Beta", "Alpha"]


@pytest.mark.parametrize("ids", [["1"], [1, 1], "1,2", [None], [True]])
def test_reorder_refuses_bad_input(ada, ids):
    service.create(ada, name="Alpha")
    with pytest.raises(ValidationFailed):
        service.reorder(ada, ids)


def test_trash_restore_and_purge(ada):
    app = service.create(ada, name="CRM")
    keep = service.create(ada, name="HR")
    service.update(ada, app, name="CRM 2")
    service.trash(ada, app)
    assert [x.key for x in service.list_apps(ada)] == ["hr"]
    assert [x.key for x in service.list_trash(ada)] == ["crm"]
    with pytest.raises(NotFound):
        service.get_app_by_key(ada, "crm")
    service.restore(ada, app.id)
    assert [x.key for x in service.list_apps(ada)] == ["crm", "hr"]
    with pytest.raises(NotFound):
        service.purge(ada, app.id, "crm")  # only trashed apps can be purged
    service.trash(ada, app)
    with pytest.raises(ValidationFailed):
        service.purge(ada, app.id, "CRM 2")
    assert service.purge(ada, app.id, " crm ") == "CRM 2"
    assert db.session.scalar(select(func.count()).select_from(App)) == 1
    assert db.session.scalar(select(func.count()).select_from(AppVersion)) == 1
    assert service.list_apps(ada) == [keep]


def test_members_may_open_apps_but_not_build(ada, max_):
    app = service.create(ada, name="CRM")
    assert service.get_app_by_key(max_, "crm") is app
    assert service.list_apps(max_) == [app]
    attempts = [
        lambda: service.create(max_, name="Mine"),
        lambda: service.update(max_, app, name="Mine"),
        lambda: service.reorder(max_, [app.id]),
        lambda: service.move(max_, app, 1),
        lambda: service.trash(max_, app),
        lambda: service.restore(max_, app.id),
        lambda: service.purge(max_, app.id, "crm"),
        lambda: service.history(max_, app),
        lambda: service.list_trash(max_),
        lambda: service.get_app_for_edit(max_, "crm"),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert (app.name, app.version, app.deleted_at) == ("CRM", 1, None)

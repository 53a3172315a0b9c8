"""Saved views: who may keep, share, see, reorder and choose them; documents stay valid."""

from __future__ import annotations

import pytest

from builder.db import db
from builder.exceptions import PermissionDenied, ValidationFailed
from builder.forms.models import Form
from builder.metadata import MetadataInvalid
from builder.views import domain, service
from builder.views.exceptions import ViewChanged, ViewNotFound
from runtime.accounts.models import Department, User


@pytest.fixture
def setup(app, make_user, publish_form):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        _app_key, form_key = publish_form()
        form = db.session.query(Form).filter_by(key=form_key).one()
        sales = Department(name="销售部")
        db.session.add(sales)
        db.session.commit()
        people = {
            "builder": db.session.query(User).filter_by(email="builder@example.com").one(),
            "wang": make_user(email="wang@example.com"),
            "li": make_user(email="li@example.com"),
        }
        people["wang"].department_id = sales.id
        db.session.commit()
        yield form, people, sales


def _doc(form, name="我的视图", scope="personal", **sharing):
    fields = list(service.form_fields(form).values())
    document = domain.new_document(name, "table", fields, "f_name01", scope=scope)
    document["sharing"].update(sharing)
    return document


def test_personal_views_are_their_owners_only(setup):
    form, people, _sales = setup
    view = service.create_view(people["wang"], form, _doc(form))
    assert [v.id for v in service.list_views(people["wang"], form)] == [view.id]
    assert service.list_views(people["li"], form) == []
    assert service.list_views(people["builder"], form) == []
    with pytest.raises(ViewNotFound):
        service.get_view(people["li"], form, view.id)
    with pytest.raises(PermissionDenied):
        service.rename_view(people["builder"], view, "别人的")


def test_by_default_only_builders_share_and_shared_views_reach_their_audience(setup):
    form, people, sales = setup
    with pytest.raises(PermissionDenied):
        service.create_view(people["wang"], form, _doc(form, scope="everyone"))
    everyone = service.create_view(people["builder"], form, _doc(form, "全员", "everyone"))
    team = service.create_view(people["builder"], form,
                               _doc(form, "销售部", "selected", departments=[sales.id]))
    roles = service.create_view(people["builder"], form,
                                _doc(form, "角色", "selected", roles=["sales"]))
    mine = service.create_view(people["wang"], form, _doc(form, "我的"))
    assert [v.id for v in service.list_views(people["wang"], form)] == [everyone.id, team.id,
                                                                        mine.id]
    # li holds no role "sales" (the app has none): the role view is not hers
    assert [v.id for v in service.list_views(people["li"], form)] == [everyone.id]
    assert {v.id for v in service.list_views(people["builder"], form)} == {everyone.id, team.id,
                                                                          roles.id}
    with pytest.raises(PermissionDenied):
        service.save_view(people["wang"], team, team.document, version=team.version)
    with pytest.raises(PermissionDenied):  # an owner cannot share their own view either
        service.save_view(people["wang"], mine, dict(mine.document, sharing={
            "scope": "everyone"}), version=mine.version)


def test_documents_are_checked_against_the_form(setup):
    form, people, _sales = setup
    bad = _doc(form)
    bad["config"]["columns"].append({"field": "f_nope01"})
    bad["sort"] = [{"field": "f_gone01"}]
    bad["filter"] = {"field": "f_level1", "op": "gt", "value": "a"}
    with pytest.raises(MetadataInvalid) as caught:
        service.create_view(people["wang"], form, bad)
    paths = {e.path for e in caught.value.metadata_errors}
    column = len(bad["config"]["columns"]) - 1
    assert paths == {"$.sort[0].field", "$.filter", f"$.config.columns[{column}].field"}
    with pytest.raises(MetadataInvalid):
        service.create_view(people["wang"], form, dict(_doc(form), name=" "))
    with pytest.raises(MetadataInvalid):
        service.create_view(people["wang"], form, dict(_doc(form), name="x" * 81))


def test_saves_are_versioned_and_stale_saves_refused(setup):
    form, people, _sales = setup
    view = service.create_view(people["wang"], form, _doc(form))
    first = view.version
    service.rename_view(people["wang"], view, "改名")
    assert view.name == "改名" and view.version == first + 1
    with pytest.raises(ViewChanged):
        service.save_view(people["wang"], view, _doc(form, "旧的"), version=first)
    assert db.session.get(type(view), view.id).name == "改名"


def test_default_view_order_and_widths(setup):
    form, people, _sales = setup
    a = service.create_view(people["builder"], form, _doc(form, "A", "everyone"))
    b = service.create_view(people["builder"], form, _doc(form, "B", "everyone"))
    mine = service.create_view(people["wang"], form, _doc(form, "我的"))
    with pytest.raises(PermissionDenied):
        service.set_default(people["wang"], a, form)
    with pytest.raises(ValidationFailed):
        service.set_default(people["builder"], mine, form)
    service.set_default(people["builder"], b, form)
    service.set_default(people["builder"], a, form)
    assert service.default_view(service.list_views(people["li"], form)).id == a.id
    service.reorder_views(people["builder"], form, [b.id, a.id, mine.id])
    assert [v.name for v in service.list_views(people["wang"], form)] == ["B", "A", "我的"]
    service.reorder_views(people["wang"], form, [mine.id, a.id, b.id])  # only theirs moves
    assert [v.name for v in service.list_views(people["li"], form)] == ["B", "A"]
    service.set_widths(people["wang"], mine, {"f_name01": 5000, "f_level1": 30, "x": 100})
    widths = {c["field"]: c.get("width") for c in mine.document["config"]["columns"]}
    assert widths["f_name01"] == 800 and widths["f_level1"] == 60
    with pytest.raises(PermissionDenied):
        service.set_widths(people["wang"], a, {"f_name01": 300})
    service.delete_view(people["builder"], a)
    assert service.default_view(service.list_views(people["li"], form)) is None


def test_roles_grant_views_and_manage_shared_views_lets_staff_share(setup):
    """A view shared with a role reaches its holders; "manage shared views" in the
    permission grid lets a person who is not a builder share views and set the default."""
    from builder.apps.models import App
    from builder.roles import service as roles

    form, people, _sales = setup
    builder, wang, li = people["builder"], people["wang"], people["li"]
    app = db.session.get(App, form.app_id)
    lead = roles.create_role(builder, app, name="Team lead")
    roles.add_member(builder, app, lead, user_id=li.id)
    with pytest.raises(PermissionDenied):
        service.create_view(li, form, _doc(form, "全员", "everyone"))
    roles.set_access(builder, app, form.key, {lead.id: {
        "operations": ["view", "manage_views"], "scope": [{"kind": "all"}], "fields": {}}})
    shared = service.create_view(li, form, _doc(form, "组长", "selected", roles=[lead.key]))
    service.set_default(li, shared, form)
    assert service.can_share(li, form) and not service.can_share(wang, form)
    assert [v.id for v in service.list_views(li, form)] == [shared.id]
    assert service.list_views(wang, form) == []  # neither in the role nor a manager
    with pytest.raises(ViewNotFound):
        service.get_view(wang, form, shared.id)
    with pytest.raises(PermissionDenied):
        service.set_default(wang, None, form)


def test_a_role_opens_its_own_default_view_before_the_forms(setup):
    """Each role may have its own opening view; people without such a role get the form's
    default; a role's choice needs the view to reach the role and goes when it stops."""
    from builder.apps.models import App
    from builder.roles import service as roles

    form, people, _sales = setup
    builder, wang, li = people["builder"], people["wang"], people["li"]
    app = db.session.get(App, form.app_id)
    sales = roles.create_role(builder, app, name="Sales")
    managers = roles.create_role(builder, app, name="Managers")
    roles.add_member(builder, app, sales, user_id=wang.id)
    roles.add_member(builder, app, managers, user_id=li.id)
    for role in (sales, managers):
        roles.set_access(builder, app, form.key, {role.id: {
            "operations": ["view"], "scope": [{"kind": "all"}], "fields": {}}})
    known = [sales.key, managers.key]
    everyone = service.create_view(builder, form, _doc(form, "全部", "everyone"))
    mine = service.create_view(builder, form, _doc(form, "我的客户", "selected",
                                                   roles=[sales.key]))
    team = service.create_view(builder, form, _doc(form, "团队", "everyone"))

    service.set_opening(builder, form, everyone, everyone=True, roles=[], known_roles=known)
    service.set_opening(builder, form, mine, everyone=False, roles=[sales.key],
                        known_roles=known)
    service.set_opening(builder, form, team, everyone=False, roles=[managers.key],
                        known_roles=known)
    assert service.views_and_opening(wang, form)[1].id == mine.id
    assert service.views_and_opening(li, form)[1].id == team.id
    assert service.views_and_opening(builder, form)[1].id == everyone.id  # holds no role
    assert service.role_defaults(form) == {sales.key: mine.id, managers.key: team.id}

    # Choosing another view for a role replaces its earlier choice.
    service.set_opening(builder, form, team, everyone=False,
                        roles=[managers.key, sales.key], known_roles=known)
    assert service.views_and_opening(wang, form)[1].id == team.id
    # A view must reach the role, roles must be the app's, and staff may not choose.
    with pytest.raises(ValidationFailed):
        service.set_opening(builder, form, mine, everyone=False, roles=[managers.key],
                            known_roles=known)
    with pytest.raises(ValidationFailed):
        service.set_opening(builder, form, team, everyone=False, roles=["nope"],
                            known_roles=known)
    with pytest.raises(PermissionDenied):
        service.set_opening(wang, form, team, everyone=False, roles=[sales.key],
                            known_roles=known)
    # Unticking everyone leaves the form without a default; the roles keep theirs.
    service.set_opening(builder, form, everyone, everyone=False, roles=[], known_roles=known)
    assert service.views_and_opening(builder, form)[1] is None
    # Sharing the view away from a role drops that role's choice; deleting drops the rest.
    document = dict(team.document, sharing={"scope": "selected", "roles": [managers.key],
                                            "departments": []})
    service.save_view(builder, team, document, version=team.version)
    assert service.role_defaults(form) == {managers.key: team.id}
    service.delete_view(builder, team)
    assert service.role_defaults(form) == {}
    assert service.views_and_opening(li, form)[1] is None

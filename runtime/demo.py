"""The demo instance: an administrator, a few colleagues in two departments, a CRM app."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import click
from flask import Flask

from builder.db import db

from . import demo_data
from .accounts import service as accounts
from .accounts.models import Department
from .org.models import DepartmentManager

CREDENTIALS_FILE = "demo-credentials.json"
#: (key, name, parent key)
DEPARTMENTS = [("hq", "积木科技 Jimu Ltd", None), ("sales", "销售部", "hq"),
               ("east", "华东销售组", "sales"), ("north", "华北销售组", "sales"),
               ("service", "客户服务部", "hq")]
USERS = [
    ("admin@jimu.local", "管理员 Admin", "hq", True),
    ("wang.fang@jimu.local", "王芳 Wang Fang", "sales", False),
    ("li.lei@jimu.local", "李雷 Li Lei", "east", False),
    ("zhang.wei@jimu.local", "张伟 Zhang Wei", "service", False),
    ("chen.jing@jimu.local", "陈静 Chen Jing", "service", False),
]
#: department key → e-mail addresses of its managers
MANAGERS = {"hq": ["admin@jimu.local"], "sales": ["wang.fang@jimu.local"],
            "service": ["chen.jing@jimu.local"]}


def _password() -> str:
    return "jimu-" + secrets.token_urlsafe(6)


def seed_demo() -> bool:
    """Create the demo data on an empty instance; return False if users already exist."""
    from flask import current_app

    if accounts.count_users() > 0:
        return False
    departments = _seed_departments()
    credentials = []
    for email, name, dept, is_admin in USERS:
        password = _password()
        user = accounts.create_user(email, name, password, is_admin=is_admin,
                                    department=departments.get(dept))
        for key, emails in MANAGERS.items():
            if email in emails:
                db.session.add(DepartmentManager(department_id=departments[key].id,
                                                 user_id=user.id))
        credentials.append({"email": email, "name": name, "password": password,
                            "admin": is_admin})
    crm = _seed_apps()
    db.session.commit()
    _seed_forms(crm)
    _seed_roles(crm, departments)
    demo_data.seed_views(crm)
    demo_data.seed_records()
    path = Path(current_app.config["JIMU_DATA_DIR"]) / CREDENTIALS_FILE
    path.write_text(json.dumps(credentials, ensure_ascii=False, indent=2))
    os.chmod(path, 0o600)
    return True


def _seed_departments() -> dict[str, Department]:
    departments: dict[str, Department] = {}
    for position, (key, name, parent) in enumerate(DEPARTMENTS):
        parent_id = departments[parent].id if parent else None
        departments[key] = Department(name=name, parent_id=parent_id, position=position)
        db.session.add(departments[key])
        db.session.flush()
    return departments


def _seed_apps():
    from builder.apps import service as apps

    return apps.seed_app("crm", "客户管理 CRM", "客户、联系人、商机与跟进 — customers, contacts, "
                         "opportunities and follow-ups.", icon="handshake", color="blue")


def _seed_forms(crm) -> None:
    """Build and publish the CRM's forms through the same services the designer uses."""
    install_forms(accounts.find_user_by_email(USERS[0][0]), crm)


def install_forms(admin, app) -> dict:
    """Make and publish the CRM template's forms in ``app``; form key → form."""
    from builder.forms import service as forms

    from .crm_template import FORMS, LATER, link_detail, link_forms, publish_order

    made = {document["key"]: forms.create_form(admin, app, document["name"],
                                               key=document["key"])
            for document in FORMS}  # in the menu's order
    form_ids = {key: form.id for key, form in made.items()}
    for document in publish_order(FORMS):  # targets of links go live first
        form = made[document["key"]]
        forms.save_draft(admin, form, link_forms(document, form_ids),
                         revision=form.draft_revision)
        forms.publish(admin, form, note="CRM template")
    for key, settings in LATER.items():  # the 360° page names forms made after it
        form = made[key]
        detail = link_detail(settings["detail"], form_ids)
        forms.save_draft(admin, form, dict(form.draft, detail=detail),
                         revision=form.draft_revision)
        forms.publish(admin, form, note="CRM template: 360° page")
    return made


_ALL_OPERATIONS = ["view", "create", "edit", "delete", "import", "export", "manage_views"]
_NONE: dict = {"operations": [], "scope": [], "fields": {}}
#: what "Everyone" may do where it differs from its default (full access): customers and
#: the money trail follow the roles below; the product catalogue is read by all
EVERYONE = {"customer": _NONE, "opportunity": _NONE, "contract": _NONE, "payment": _NONE,
            "product": {"operations": ["view", "export"], "scope": [{"kind": "all"}],
                        "fields": {}}}
_TEAM = {"operations": _ALL_OPERATIONS, "scope": [{"kind": "department_tree"}], "fields": {}}
#: (name, description, member departments, member e-mails, form key → access)
ROLES = [
    # the sales groups, not 销售部 itself: its manager opens the team's list, not her own
    ("销售 Salesperson", "跟进自己的客户和商机，可从公海领取客户", ["east", "north"], [], {
        "customer": {"operations": ["view", "create", "edit", "export"],
                     "scope": [{"kind": "own"}, {"kind": "member_field", "field": "f_owner01"},
                               {"kind": "pool"}],
                     "fields": {"f_level01": "read_only"}},
        "opportunity": {"operations": ["view", "create", "edit", "export"],
                        "scope": [{"kind": "own"},
                                  {"kind": "member_field", "field": "f_oownr01"}],
                        "fields": {}},
        "contract": {"operations": ["view", "create", "edit", "export"],
                     "scope": [{"kind": "own"}], "fields": {}},
        "payment": {"operations": ["view", "create", "export"], "scope": [{"kind": "own"}],
                    "fields": {}}}),
    ("销售经理 Sales manager", "查看和管理本部门及下级部门的客户、商机、合同与回款", [],
     ["wang.fang@jimu.local"], {
        "customer": {"operations": _ALL_OPERATIONS,
                     "scope": [{"kind": "department_tree"}, {"kind": "pool"}], "fields": {}},
        "opportunity": _TEAM, "contract": _TEAM, "payment": _TEAM,
        "product": {"operations": _ALL_OPERATIONS, "scope": [{"kind": "all"}], "fields": {}}}),
    ("客服 Service", "只读查看客户、商机与合同，不看备注和金额", ["service"], [], {
        "customer": {"operations": ["view"], "scope": [{"kind": "all"}],
                     "fields": {"f_note001": "hidden"}},
        "opportunity": {"operations": ["view"], "scope": [{"kind": "all"}], "fields": {}},
        "contract": {"operations": ["view"], "scope": [{"kind": "all"}],
                     "fields": {"f_ctamt01": "hidden"}},
        "payment": {"operations": ["view"], "scope": [{"kind": "all"}],
                    "fields": {"f_payam01": "hidden"}}}),
]


def _seed_roles(crm, departments: dict[str, Department]) -> None:
    """Roles of the demo CRM: each form's permission grid saved as a builder would."""
    from builder.roles import service as roles

    admin = accounts.find_user_by_email(USERS[0][0])
    everyone = next(r for r in roles.list_roles(admin, crm) if r.everyone)
    grids: dict[str, dict[int, dict]] = {key: {everyone.id: access}
                                         for key, access in EVERYONE.items()}
    for name, description, dept_keys, emails, access in ROLES:
        role = roles.create_role(admin, crm, name=name, description=description)
        for key in dept_keys:
            roles.add_member(admin, crm, role, department_id=departments[key].id)
        for email in emails:
            roles.add_member(admin, crm, role, user_id=accounts.find_user_by_email(email).id)
        for form_key, entry in access.items():
            grids.setdefault(form_key, {})[role.id] = entry
    for form_key, entries in grids.items():
        roles.set_access(admin, crm, form_key, entries)


def print_credentials(app: Flask) -> None:
    """Print the demo accounts and their passwords (kept in the data directory)."""
    path = Path(app.config["JIMU_DATA_DIR"]) / CREDENTIALS_FILE
    if not path.exists():
        return
    click.echo(f"\n * Demo accounts (also in {path}):")
    for row in json.loads(path.read_text()):
        role = "admin" if row["admin"] else "user "
        click.echo(f"     {role}  {row['email']:<24} {row['password']}   {row['name']}")
    click.echo("")

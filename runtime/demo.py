"""The demo instance: an administrator, a few colleagues in two departments, a CRM app."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import click
from flask import Flask

from builder.db import db

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
    _seed_records()
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
    from builder.forms import service as forms

    from .crm_template import FORMS, LATER, link_detail, link_forms

    admin = accounts.find_user_by_email(USERS[0][0])
    form_ids: dict[str, int] = {}
    made = {}
    for document in FORMS:  # targets of links come first
        form = made[document["key"]] = forms.create_form(admin, crm, document["name"],
                                                         key=document["key"])
        form_ids[document["key"]] = form.id
        forms.save_draft(admin, form, link_forms(document, form_ids),
                         revision=form.draft_revision)
        forms.publish(admin, form, note="CRM template")
    for key, settings in LATER.items():  # the 360° page names forms made after it
        form = made[key]
        detail = link_detail(settings["detail"], form_ids)
        forms.save_draft(admin, form, dict(form.draft, detail=detail),
                         revision=form.draft_revision)
        forms.publish(admin, form, note="CRM template: 360° page")


#: customers: (name, industry, level, contacts (name, mobile, title, role),
#: follow-ups (days ago, method, content, next step))
RECORDS = [
    ("北京星河数据有限公司", "it", "a",
     [("刘洋", "13911112222", "ceo", "maker"), ("赵敏", "13911113333", "cto", "influencer")],
     [(21, "visit", "首次拜访，介绍积木平台", "发送产品资料"),
      (9, "call", "电话沟通需求：销售管理与审批", "安排产品演示"),
      (2, "wechat", "演示后反馈良好，询问报价", "准备报价单")]),
    ("广州南风贸易有限公司", "retail", "b", [("陈晨", "13922224444", "buyer", "user")],
     [(5, "email", "发送公司介绍与案例", "一周后电话回访")]),
]


def _seed_records() -> None:
    """A few customers with contacts and follow-ups, so the 360° page has something to show."""
    from datetime import date, timedelta

    from .records import forms_lookup
    from .records import service as records

    admin = accounts.find_user_by_email(USERS[0][0])
    owner = accounts.find_user_by_email("li.lei@jimu.local")
    forms = {key: forms_lookup.resolve(admin, "crm", key).published
             for key in ("customer", "contact", "follow_up")}
    for name, industry, level, contacts, follow_ups in RECORDS:
        customer = records.create(admin, forms["customer"], {
            "f_cname01": name, "f_indus01": industry, "f_level01": level,
            "f_owner01": str(owner.id)})
        for person, mobile, title, role in contacts:
            records.create(admin, forms["contact"], {
                "f_pname01": person, "f_cust001": str(customer.id), "f_mobil01": mobile,
                "f_title01": title, "f_role001": role})
        for days, method, content, step in follow_ups:
            records.create(admin, forms["follow_up"], {
                "f_fcust01": str(customer.id), "f_fmeth01": method, "f_fcont01": content,
                "f_fnext01": step, "f_fdate01": (date.today() - timedelta(days)).isoformat()})
    db.session.commit()


#: (name, description, member departments, member e-mails, access to the customer form)
ROLES = [
    ("销售 Salesperson", "跟进自己的客户，可从公海领取", ["sales"], [], {
        "operations": ["view", "create", "edit", "export"],
        "scope": [{"kind": "own"}, {"kind": "member_field", "field": "f_owner01"},
                  {"kind": "pool"}],
        "fields": {"f_level01": "read_only"}}),
    ("销售经理 Sales manager", "查看和管理本部门及下级部门的客户", [], ["wang.fang@jimu.local"], {
        "operations": ["view", "create", "edit", "delete", "import", "export", "manage_views"],
        "scope": [{"kind": "department_tree"}, {"kind": "pool"}], "fields": {}}),
    ("客服 Service", "只读查看全部客户，不看备注", ["service"], [], {
        "operations": ["view"], "scope": [{"kind": "all"}],
        "fields": {"f_note001": "hidden"}}),
]


def _seed_roles(crm, departments: dict[str, Department]) -> None:
    """Roles of the demo CRM: "Everyone" keeps contacts; customers follow the roles."""
    from builder.roles import service as roles

    admin = accounts.find_user_by_email(USERS[0][0])
    everyone = next(r for r in roles.list_roles(admin, crm) if r.everyone)
    entries = {everyone.id: {"operations": [], "scope": [], "fields": {}}}
    for name, description, dept_keys, emails, access in ROLES:
        role = roles.create_role(admin, crm, name=name, description=description)
        for key in dept_keys:
            roles.add_member(admin, crm, role, department_id=departments[key].id)
        for email in emails:
            roles.add_member(admin, crm, role, user_id=accounts.find_user_by_email(email).id)
        entries[role.id] = access
    roles.set_access(admin, crm, "customer", entries)


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

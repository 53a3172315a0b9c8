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

CREDENTIALS_FILE = "demo-credentials.json"
DEPARTMENTS = [("sales", "销售部"), ("service", "客户服务部")]
USERS = [
    ("admin@jimu.local", "管理员 Admin", None, True),
    ("wang.fang@jimu.local", "王芳 Wang Fang", "sales", False),
    ("li.lei@jimu.local", "李雷 Li Lei", "sales", False),
    ("zhang.wei@jimu.local", "张伟 Zhang Wei", "service", False),
    ("chen.jing@jimu.local", "陈静 Chen Jing", "service", False),
]


def _password() -> str:
    return "jimu-" + secrets.token_urlsafe(6)


def seed_demo() -> bool:
    """Create the demo data on an empty instance; return False if users already exist."""
    from flask import current_app

    if accounts.count_users() > 0:
        return False
    departments = {}
    for key, name in DEPARTMENTS:
        departments[key] = Department(name=name)
        db.session.add(departments[key])
    credentials = []
    for email, name, dept, is_admin in USERS:
        password = _password()
        accounts.create_user(email, name, password, is_admin=is_admin,
                             department=departments.get(dept))
        credentials.append({"email": email, "name": name, "password": password,
                            "admin": is_admin})
    crm = _seed_apps()
    db.session.commit()
    _seed_forms(crm)
    path = Path(current_app.config["JIMU_DATA_DIR"]) / CREDENTIALS_FILE
    path.write_text(json.dumps(credentials, ensure_ascii=False, indent=2))
    os.chmod(path, 0o600)
    return True


def _seed_apps():
    from builder.apps import service as apps

    return apps.seed_app("crm", "客户管理 CRM", "客户、联系人、商机与跟进 — customers, contacts, "
                         "opportunities and follow-ups.", icon="handshake", color="blue")


def _seed_forms(crm) -> None:
    """Build and publish the CRM's forms through the same services the designer uses."""
    from builder.forms import service as forms

    from .crm_template import FORMS

    admin = accounts.find_user_by_email(USERS[0][0])
    for document in FORMS:
        form = forms.create_form(admin, crm, document["name"], key=document["key"])
        forms.save_draft(admin, form, document, revision=form.draft_revision)
        forms.publish(admin, form, note="CRM template")


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

"""Saving record after record without reading the pages keeps the session cookie small."""

from __future__ import annotations

import re

import pytest

from runtime.shell.sessions import MAX_FLASHES
from tests.conftest import csrf_token


@pytest.fixture
def staff(make_user, login_as, client):
    user = login_as(make_user(email="staff@example.com", name="王芳"))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


@pytest.fixture
def crm(publish_form):
    app_key, form_key = publish_form()
    return f"/a/{app_key}/{form_key}"


def _cookie(client) -> str:
    return client.get_cookie("jimu_session", domain="jimu.test").value


def test_unread_flash_messages_do_not_pile_up_in_the_cookie(client, staff, crm):
    token = csrf_token(client, f"{crm}/new")
    sizes = []
    for i in range(MAX_FLASHES + 6):
        response = client.post(f"{crm}/new", data={
            "csrf_token": token, "f_name01": f"公司{i:02d}", "_action": "save_new"})
        assert response.status_code == 303
        sizes.append(len(_cookie(client)))
    assert max(sizes[MAX_FLASHES:]) - min(sizes[MAX_FLASHES:]) <= 8  # no longer growing
    html = client.get(f"{crm}/new").get_data(as_text=True)
    shown = re.findall(r"Saved “(公司\d\d)”\. Add the next one\.", html)
    assert shown == [f"公司{i:02d}" for i in range(6, MAX_FLASHES + 6)]
    assert "Saved" not in client.get(f"{crm}/new").get_data(as_text=True)  # shown once

"""The demo instance: people, departments and a CRM whose forms work."""

from __future__ import annotations

import json
from pathlib import Path

from builder.apps import service as apps
from builder.forms import service as forms
from runtime.accounts import service as accounts
from runtime.demo import seed_demo
from runtime.records import service as records
from runtime.records.exceptions import ValidationFailed
from runtime.records.schema import published


def test_demo_seeds_people_and_a_working_crm(app, drop_record_tables):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert seed_demo() is True
        assert seed_demo() is False  # only on an empty instance
        credentials = json.loads((Path(app.config["JIMU_DATA_DIR"])
                                  / "demo-credentials.json").read_text())
        admin = accounts.find_user_by_email(credentials[0]["email"])
        assert admin.is_admin and accounts.count_users() == 5
        crm = apps.get_app_by_key(admin, "crm")
        customer = forms.get_form(admin, crm, "customer")
        version = forms.published_version(customer)
        form = published(customer.id, version.version, version.document)
        record = records.create(admin, form, {"f_cname01": "杭州积木科技有限公司",
                                              "f_level01": "A", "f_owner01": str(admin.id)})
        assert record.values["f_level01"] == "a"
        try:
            records.create(admin, form, {"f_cname01": "杭州积木科技"})
        except ValidationFailed as refused:
            assert "f_cname01" in refused.errors
        else:
            raise AssertionError("a duplicate company name was accepted")

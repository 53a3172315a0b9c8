"""Screenshots of every page in zh and en, desktop and phone: ``make screenshots``.

Writes PNG files to ./screenshots/ (git-ignored) so a person can look at them.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.browser import shots_stored_data
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

SIZES = {"desktop": (1280, 860), "phone": (390, 844)}
ANONYMOUS = [("sign-in", "/sign-in"), ("forgot-password", "/forgot-password")]
SIGNED_IN = [
    ("home", "/"),
    ("app-home", "/a/crm"),
    ("app-new", "/build/apps/new"),
    ("app-edit", "/build/apps/crm/edit"),
    ("trash", "/build/apps/trash"),
    ("users", "/admin/users"),
    ("org", "/admin/org/"),
    ("org-department", "/admin/org/2"),
    ("audit", "/admin/audit/"),
    ("user-invite", "/admin/users/invite"),
    ("jobs", "/admin/jobs"),
    ("mail", "/admin/mail"),
    ("change-password", "/account/password"),
    ("designer", "/build/apps/crm/forms/customer"),
    ("entry", "/a/crm/customer/new"),
    ("records", "/a/crm/customer"),
    ("view-table", "/a/crm/customer?view=A 级客户"),
    ("view-filter", "/a/crm/customer/views/filter?view=0&join=all&c0.field=f_level01&c0.op=eq"
                    "&c0.value=a&g1.join=any&g1.c0.field=f_indus01&g1.c0.op=in&g1.c0.value=it"
                    "&g1.c0.value=retail&g1.c1.field=f_owner01&g1.c1.op=is_me"),
    ("designer-subtable", "/build/apps/crm/forms/quote?sel=f_qitems1"),
    ("entry-subtable", "/a/crm/quote/new"),
    ("record-subtable", "/a/crm/quote/new"),
    ("contact-entry", "/a/crm/contact/new"),
    ("contact-record", "/a/crm/contact/1"),
    ("contact-list", "/a/crm/contact"),
    ("designer-link", "/build/apps/crm/forms/contact?sel=f_cust001"),
    ("roles", "/build/apps/crm/roles"),
    ("role-page", "/build/apps/crm/roles/salesperson"),
    ("permission-grid", "/build/apps/crm/roles/forms/customer"),
    ("pool", "/a/crm/customer/pool"),
    ("customer-360", "/a/crm/customer/1"),  # the demo's 北京星河数据: contacts, follow-ups
    ("record-page-settings", "/build/apps/crm/forms/customer/detail"),
    ("view-kanban", "/a/crm/customer?view=客户看板"),
    ("view-calendar", "/a/crm/customer?view=建档日历"),
    ("view-gallery", "/a/crm/customer?view=客户卡片"),
    ("opportunity-kanban", "/a/crm/opportunity"),  # the form's default view: 商机看板
    ("opportunity-calendar", "/a/crm/opportunity?view=本月预计成交"),
    ("opportunity-entry", "/a/crm/opportunity/new"),
    ("opportunity-record", "/a/crm/opportunity/3"),  # won: the reason shows
    ("followup-calendar", "/a/crm/follow_up?view=跟进日历"),
    ("quote-record", "/a/crm/quote/1"),  # the demo's quote, linked to its opportunity
    ("contract-entry", "/a/crm/contract/new"),
    ("contract-record", "/a/crm/contract/1"),
    ("payment-entry", "/a/crm/payment/new"),
    ("product-list", "/a/crm/product"),
    ("error-404", "/no/such/page"),
]
#: pages that need clicks before the shot (a dialog opened): (name, path, action(page))
INTERACTIVE = [*shots_stored_data.INTERACTIVE, (
    "view-menu", "/a/crm/customer?view=A 级客户",
    lambda page: page.click("details.view-settings > summary")), (
    "kanban-menu", "/a/crm/customer?view=客户看板",
    lambda page: (page.click("details.view-settings > summary"), page.locator(
        "details.view-settings form[action$='/views/default']").scroll_into_view_if_needed())), (
    "kanban-filter", "/a/crm/customer?view=客户看板",
    lambda page: page.click("details.filter-menu > summary"))]


def _serve(data_dir: Path):
    from flask_migrate import upgrade

    from runtime import create_app
    from runtime.demo import seed_demo

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'jimu.db'}",
                      "JIMU_DATA_DIR": str(data_dir), "REDIS_URL": None})
    with app.app_context():
        upgrade()
        seed_demo()
        shots_stored_data.seed()
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        _seed_views()
    _seed_records(app)
    from runtime.jobs import embedded

    embedded.start(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _view_ids(app) -> dict[tuple[str, str], int]:
    """(form key, view name) → id of every saved view of the demo CRM (the admin sees all)."""
    from builder.apps import service as apps
    from builder.forms import service as forms
    from builder.views import service as view_service
    from runtime.accounts import service as accounts

    with app.test_request_context():
        admin = accounts.find_user_by_email("admin@jimu.local")
        crm = apps.get_app_by_key(admin, "crm")
        return {(form.key, view.name): view.id for form in forms.list_forms(admin, crm)
                for view in view_service.list_views(admin, form)}


def _by_id(path: str, named: dict[tuple[str, str], int]) -> str:
    """A page address naming its view (``?view=商机看板``) as the app wants it: by id.

    Views are looked up by name so that views the demo adds do not shift the ones
    seeded here."""
    import re

    found = re.match(r"^/a/crm/(\w+)(?:/[\w/]*)?\?view=([^&]+)(.*)$", path)
    if found is None or found.group(2).isdigit():
        return path
    key, name, rest = found.groups()
    view_id = named[(key, name)]
    return path.replace(f"view={name}{rest}", f"view={view_id}{rest}", 1)


def _seed_files(app, email: str) -> list[tuple[str, str]]:
    """A form with attachments and photos (not the demo's 合同), and one record: its edit and
    record page."""
    import io

    from builder.apps import service as apps
    from builder.db import db
    from builder.forms import service as forms
    from runtime.accounts import service as accounts
    from runtime.files import service as files
    from runtime.records import forms_lookup
    from runtime.records import service as records
    from tests import files_support as samples
    from tests.browser.test_files import FILE_FIELDS

    with app.app_context(), app.test_request_context():
        admin = accounts.find_user_by_email(email)
        form = forms.create_form(admin, apps.get_app_by_key(admin, "crm"), "签约资料")
        document = dict(form.draft, fields=FILE_FIELDS, layout=[], rules=[],
                        title_field="f_title1")
        forms.save_draft(admin, form, document, revision=form.draft_revision)
        forms.publish(admin, form)
        published = forms_lookup.resolve(admin, "crm", form.key).published
        uploads = [("f_docs01", samples.pdf(48_000), "华为框架合同 2026.pdf"),
                   ("f_docs01", samples.office("docx"), "报价单（含税）.docx"),
                   ("f_pics01", samples.png(320, 240, gradient=True), "门店外观.png"),
                   ("f_pics01", samples.png(240, 320, gradient=True), "签约现场.png")]
        tokens: dict[str, list[str]] = {}
        for field_id, content, name in uploads:
            row = files.upload(admin, published, field_id, io.BytesIO(content), name)
            tokens.setdefault(field_id, []).append(row.token)
        record = records.create(admin, published, {"f_title1": "华为框架合同", **tokens})
        galleries = _seed_gallery(admin, apps.get_app_by_key(admin, "crm"))
        db.session.commit()
        base = f"/a/crm/{form.key}"
        return [("entry-files", f"{base}/{record.id}/edit"),
                ("record-files", f"{base}/{record.id}"), ("records-files", base),
                *galleries]


GALLERY_FIELDS = [
    {"id": "f_title1", "type": "text", "label": "门店", "required": True, "config": {}},
    {"id": "f_city001", "type": "text", "label": "城市", "config": {}},
    {"id": "f_pics01", "type": "image", "label": "门头照片", "config": {"multiple": True}},
    {"id": "f_docs01", "type": "attachment", "label": "租赁合同", "config": {"multiple": True}},
]


def _seed_gallery(admin, crm) -> list[tuple[str, str]]:
    """A shop form (some shops with photos, some with only a contract, one with nothing)
    and two galleries of it: photos as cover, and contracts as cover."""
    import io

    from builder.forms import service as forms
    from builder.views import domain as view_domain
    from builder.views import service as view_service
    from runtime.files import service as files
    from runtime.records import forms_lookup
    from runtime.records import service as records
    from tests import files_support as samples

    form = forms.create_form(admin, crm, "门店")
    forms.save_draft(admin, form, dict(form.draft, fields=GALLERY_FIELDS, layout=[], rules=[],
                                       title_field="f_title1"), revision=form.draft_revision)
    forms.publish(admin, form)
    published = forms_lookup.resolve(admin, crm.key, form.key).published

    def upload(field_id: str, content: bytes, name: str) -> list[str]:
        return [files.upload(admin, published, field_id, io.BytesIO(content), name).token]

    for i, (title, city, photo, doc) in enumerate([
            ("西湖旗舰店", "杭州", (480, 320), ("pdf", "西湖旗舰店租赁合同（终版）.pdf")),
            ("滨江仓储中心", "杭州", None,
             ("docx", "仓库租赁协议 2026 修订稿 - 法务已审核.docx")),
            ("Acme Corner Store", "Shanghai", (320, 480), None),
            ("萧山万象汇店", "杭州", None, None),
            ("苏州观前街店", "苏州", (400, 300), ("pdf", "观前街店合同.pdf")),
            ("成都太古里店", "成都", None, ("xlsx", "装修预算.xlsx"))]):
        values = {"f_title1": title, "f_city001": city}
        if photo:
            values["f_pics01"] = upload("f_pics01", samples.png(*photo, gradient=True),
                                        f"门头{i}.png")
        if doc:
            content = samples.pdf(30_000) if doc[0] == "pdf" else samples.office(doc[0])
            values["f_docs01"] = upload("f_docs01", content, doc[1])
        records.create(admin, published, values)
    made = []
    for name, label, cover in (("view-gallery-photos", "门头照片", "f_pics01"),
                               ("view-gallery-docs", "租赁合同", "f_docs01")):
        document = view_domain.new_document(label, "gallery", published.fields, "f_title1",
                                            scope="everyone")
        document["config"] = {"cover_field": cover, "card_fields": ["f_city001"],
                              "page_size": 24}
        view = view_service.create_view(admin, form, document)
        made.append((name, f"/a/{crm.key}/{form.key}?view={view.id}"))
    return made


def _seed_records(app) -> None:
    """A few customers and a contact linked to one, for the link pages."""
    from builder.apps import service as apps
    from runtime.accounts import service as accounts
    from runtime.records import forms_lookup, service

    with app.test_request_context():
        admin = accounts.find_user_by_email("admin@jimu.local")
        apps.get_app_by_key(admin, "crm")
        customers = forms_lookup.resolve(admin, "crm", "customer").published
        contacts = forms_lookup.resolve(admin, "crm", "contact").published
        made = [service.create(admin, customers, {"f_cname01": name, "f_indus01": industry,
                                                  "f_level01": level})
                for name, industry, level in (("杭州积木科技有限公司", "it", "a"),
                                              ("积木智造（苏州）有限公司", "mfg", "b"),
                                              ("上海青禾零售有限公司", "retail", "c"))]
        service.create(admin, contacts, {"f_pname01": "张三", "f_cust001": made[0].id,
                                         "f_mobil01": "13800138000", "f_title01": "cto",
                                         "f_role001": "maker"})


def _open_link_picker(page, base: str, path: Path, only: str | None) -> None:
    """The contact entry page with the customer picker showing suggestions."""
    if only and only not in "contact-picker":
        return
    page.goto(base + "/a/crm/contact/new")
    page.wait_for_load_state("networkidle")
    page.fill("#fld-f_pname01", "李四")
    page.locator("#fld-f_cust001").press_sequentially("积木", delay=40)
    page.locator("#fld-f_cust001-list .link-option").first.wait_for()
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=False)


def main() -> None:
    """Take every screenshot."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--only", help="substring of page names to take")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="jimu-shots-"))
    server = _serve(data_dir)
    base = f"http://127.0.0.1:{server.server_port}"
    admin = next(c for c in json.loads((data_dir / "demo-credentials.json").read_text())
                 if c["admin"])
    named = _view_ids(server.app)
    pages = [(name, _by_id(path, named)) for name, path in SIGNED_IN]
    pages += _seed_files(server.app, admin["email"])
    interactive = [(name, _by_id(path, named), action) for name, path, action in INTERACTIVE]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang, header in (("zh", "zh-CN,zh;q=0.9"), ("en", "en")):
            for size, (w, h) in SIZES.items():
                ctx = browser.new_context(viewport={"width": w, "height": h},
                                          extra_http_headers={"Accept-Language": header},
                                          device_scale_factor=1)
                page = ctx.new_page()
                for name, path in ANONYMOUS:
                    _shot(page, base + path, out / f"{name}-{lang}-{size}.png", args.only, name)
                page.goto(base + "/sign-in")
                page.fill("input[name=email]", admin["email"])
                page.fill("input[name=password]", "wrong password")
                page.click("button[type=submit]")
                _shot(page, None, out / f"sign-in-error-{lang}-{size}.png", args.only,
                      "sign-in-error")
                page.fill("input[name=password]", admin["password"])
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                for name, path in pages:
                    _shot(page, base + path, out / f"{name}-{lang}-{size}.png", args.only, name)
                for name, path, action in interactive:
                    _shot(page, base + path, out / f"{name}-{lang}-{size}.png", args.only, name,
                          action)
                _open_link_picker(page, base, out / f"contact-picker-{lang}-{size}.png",
                                  args.only)
                _import_steps(page, base, data_dir, out, f"{lang}-{size}", args.only)
                ctx.close()
        browser.close()
    server.shutdown()
    print(f"screenshots written to {out.resolve()}")


def _fill_quote(page) -> None:
    """An opportunity chosen and two lines typed into the quote's 产品明细, so the lookup
    and the row and form totals show."""
    page.fill("#fld-f_qtitle1", "星河数据 · 销售管理平台报价（第二版）")
    page.locator("#fld-f_qoppt01").press_sequentially("销售管理", delay=40)
    page.wait_for_timeout(400)  # the search waits 250 ms after the last key
    page.wait_for_load_state("networkidle")  # so the list clicked is the filtered one
    page.locator("#fld-f_qoppt01-list .link-option", has_text="销售管理平台").first.click()
    page.locator("[data-link-chips] .link-chip-text", has_text="销售管理平台").wait_for()
    page.wait_for_load_state("networkidle")
    lines = [("积木 CRM 专业版", "pro", "50", "1980"), ("实施服务", "", "20", "2400")]
    for index, (product, edition, quantity, price) in enumerate(lines):
        if index:
            page.click("#rows-f_qitems1-add")
            page.wait_for_selector(f"#fld-f_qitems1-{index}-f_qprod01")
        cell = f"#fld-f_qitems1-{index}-"
        page.fill(cell + "f_qprod01", product)
        if edition:
            page.select_option(cell + "f_qedit01", edition)
        page.fill(cell + "f_qqty001", quantity)
        page.fill(cell + "f_qprice1", price)
        page.locator(cell + "f_qprice1").press("Tab")
        page.wait_for_timeout(600)
        page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")


def _save_quote(page) -> None:
    """A saved quote: its record page shows the rows as a table."""
    _fill_quote(page)
    page.click("button.btn-primary[value=save]")
    page.wait_for_load_state("networkidle")


#: pages that need something typed before the picture
PREPARE = {"entry-subtable": _fill_quote, "record-subtable": _save_quote}
def _import_steps(page, base: str, data_dir: Path, out: Path, suffix: str,
                  only: str | None) -> None:
    """The import wizard's four steps on the demo customer form, with a real file."""
    if only and only not in "import-upload import-map import-preview import-run":
        return
    from tests.transfer_files import xlsx

    path = data_dir / "客户导入.xlsx"
    path.write_bytes(xlsx([
        ["客户清单", None, None, None, None],
        ["公司名称", "行业", "客户级别", "负责人", "公司电话"],
        ["杭州积木科技有限公司", "互联网/IT", "A", "王芳 Wang Fang", "0571-88886666"],
        ["宁波海运集团", "制造业", "b", "李雷 Li Lei", "13812345678"],
        ["ＨＡＮＧＺＨＯＵ  积木科技", "互联网/IT", "A", None, None],
        ["温州鞋业", "鞋帽", "D", "Nobody", "12345"],
        ["上海云帆贸易", "零售", "C", "王芳 Wang Fang", "+86 139 1234 5678"],
    ], merges=["A1:E1"]))
    page.goto(base + "/a/crm/customer/import")
    _shot(page, None, out / f"import-upload-{suffix}.png", only, "import-upload")
    page.set_input_files("#import-file", str(path))
    page.click("button[type=submit].btn-primary")
    page.wait_for_url("**/map")
    _shot(page, None, out / f"import-map-{suffix}.png", only, "import-map")
    page.click("form[hx-post$='/map'] button[type=submit].btn-primary")
    page.wait_for_url("**/preview")
    _shot(page, None, out / f"import-preview-{suffix}.png", only, "import-preview")
    page.click("form[hx-post$='/start'] button")
    page.wait_for_selector("#import-progress:not([hx-trigger])", timeout=30_000)
    _shot(page, None, out / f"import-run-{suffix}.png", only, "import-run")


def _shot(page, url, path: Path, only: str | None, name: str, action=None) -> None:
    if only and only not in name:
        return
    if url:
        page.goto(url)
    page.wait_for_load_state("networkidle")
    if name in PREPARE:
        PREPARE[name](page)
    if action is not None:
        action(page)
        page.wait_for_timeout(300)  # let the dialog settle
    # a dialog is shot as the viewport shows it (a full page would stretch its backdrop)
    page.screenshot(path=str(path), full_page=action is None)


def _seed_views() -> None:
    """Sixty customers and a shared view, so the table view pages have something to show."""
    import random

    from builder.db import db
    from builder.views import domain as view_domain
    from builder.views import service as view_service
    from runtime.accounts import service as accounts
    from runtime.records import service
    from runtime.records.forms_lookup import resolve

    admin = accounts.find_user_by_email("admin@jimu.local")
    db.session.refresh(admin)
    target = resolve(admin, "crm", "customer")
    rng = random.Random(4)
    owners = [accounts.find_user_by_email(email).id for email in
              ("admin@jimu.local", "wang.fang@jimu.local", "li.lei@jimu.local")]
    cities = ["杭州", "上海", "北京", "深圳", "成都", "苏州"]
    words = ["积木", "云帆", "星河", "启明", "远航", "青禾", "博远", "新锐"]
    suffixes = ["科技有限公司", "贸易有限公司", "制造有限公司", "信息技术有限公司"]
    for i in range(60):
        service.create(admin, target.published, {
            "f_cname01": f"{rng.choice(cities)}{rng.choice(words)}{rng.choice(suffixes)}{i}",
            "f_indus01": rng.choice(["it", "mfg", "retail", "finance", "edu"]),
            "f_level01": rng.choice("aabbc"), "f_srce001": rng.choice(["web", "expo", "search"]),
            "f_tags001": rng.sample(["key", "new", "partner"], rng.randint(0, 2)),
            "f_owner01": str(rng.choice(owners)),
            "f_phone01": f"0571-8{rng.randint(1000000, 9999999)}"})
    form = target.published
    document = view_domain.new_document("A 级客户", "table", form.fields, form.title_field,
                                        scope="everyone")
    document["filter"] = {"all": [{"field": "f_level01", "op": "eq", "value": "a"}]}
    document["sort"] = [{"field": "f_cname01", "desc": False}]
    document["config"]["group_by"] = "f_indus01"
    document["config"]["totals"] = {"f_srce001": "count", "f_tags001": "count"}
    view_service.create_view(admin, target.form, document)
    _seed_card_views(admin, target)


def _seed_card_views(admin, target) -> None:
    """A kanban by level, a calendar by creation time and a gallery."""
    from builder.views import domain as view_domain
    from builder.views import service as view_service

    form = target.published
    for name, kind, config in [
            ("客户看板", "kanban", {"group_field": "f_level01", "sum_field": None,
                                "card_fields": ["f_indus01", "f_owner01"], "page_size": 10}),
            ("建档日历", "calendar", {"date_field": "created_at", "end_field": None,
                                  "card_fields": [], "mode": "month"}),
            ("客户卡片", "gallery", {"cover_field": None, "card_fields": ["f_indus01", "f_owner01"],
                                 "page_size": 24})]:
        document = view_domain.new_document(name, kind, form.fields, form.title_field,
                                            scope="everyone")
        document["config"] = config
        view_service.create_view(admin, target.form, document)


if __name__ == "__main__":
    main()

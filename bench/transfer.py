"""``python -m bench transfer [--rows N]`` (also ``import_export``): Excel in and out.

Prints ``import_rows_per_s``: a N-row XLSX (default 100,000; 10 columns, 2% rows
repeating an earlier row's key, 1% bad rows) imported end to end — upload and
inspection, column matching, the 100-row preview, and the job that checks,
de-duplicates and writes every row; ``export_s`` and ``export_peak_rss_mib``: the
same number of records exported to XLSX by a separate process (its own peak
memory). SQLite in a temporary directory, or PostgreSQL when DATABASE_URL is set.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from . import benchmark, report

STAGES = ["new", "contact", "need", "quote", "negotiate", "won", "lost"]
REGIONS = ["east", "south", "north", "west", "central"]
HEADERS = ["商机名称", "阶段", "金额", "区域", "预计成交", "手机", "邮箱", "数量", "备注", "负责人"]


def document() -> dict:
    """The opportunity form with ten typed fields."""
    options = lambda ids: [{"id": i, "label": i.title()} for i in ids]  # noqa: E731
    fields = [
        {"id": "f_name01", "type": "text", "label": "商机名称", "required": True,
         "unique": {"steps": ["trim", "collapse_spaces", "halfwidth", "casefold"]},
         "config": {}},
        {"id": "f_stage1", "type": "single_select", "label": "阶段", "indexed": True,
         "config": {"options": options(STAGES)}},
        {"id": "f_amnt01", "type": "decimal", "label": "金额", "config": {"scale": 2, "min": 0}},
        {"id": "f_regn01", "type": "single_select", "label": "区域",
         "config": {"options": options(REGIONS)}},
        {"id": "f_close1", "type": "date", "label": "预计成交", "config": {}},
        {"id": "f_phone1", "type": "phone", "label": "手机", "config": {"kind": "cn_mobile"}},
        {"id": "f_email1", "type": "email", "label": "邮箱", "config": {}},
        {"id": "f_qty001", "type": "integer", "label": "数量", "config": {"min": 0}},
        {"id": "f_notes1", "type": "textarea", "label": "备注", "config": {}},
        {"id": "f_owner1", "type": "member", "label": "负责人", "config": {}},
    ]
    return {"schema_version": 1, "key": "opportunity", "name": "商机", "fields": fields,
            "layout": [{"kind": "field", "field": f["id"]} for f in fields], "rules": []}


def _rows(count: int):
    """Rows with 2% repeating an earlier key (in another spelling) and 1% bad values."""
    rng = random.Random(11)
    for i in range(count):
        name = f"商机 {i:06d}"
        if i > 100 and rng.random() < 0.02:
            name = f" 商机  {rng.randrange(0, i - 1):06d} "  # the same key, spaced differently
        row = [name, rng.choice(STAGES).title(), round(rng.uniform(1000, 1_000_000), 2),
               rng.choice(REGIONS), date(2026, 1, 1) + timedelta(days=rng.randrange(700)),
               f"1{rng.randint(3, 9)}{rng.randrange(10**9):09d}", f"buyer{i}@example.com",
               rng.randrange(1, 500), "跟进中，客户关注价格与交付周期", "Bench"]
        if rng.random() < 0.01:
            row[rng.choice([1, 2, 5, 6])] = rng.choice(["不存在的阶段", "-12", "12345", "bad@"])
        yield row


def _column(index: int) -> str:
    name, index = "", index + 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def write_xlsx(path: Path, count: int) -> None:
    """An XLSX as Excel saves it (shared strings, a dimension, date styles), streamed."""
    strings: dict[str, int] = {}
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}">'
                        f'<dimension ref="A1:J{count + 1}"/><sheetData>'.encode())
            for r, row in enumerate([HEADERS, *_rows(count)], start=1):
                cells = []
                for c, value in enumerate(row):
                    ref = f"{_column(c)}{r}"
                    if isinstance(value, date):
                        serial = (value - date(1899, 12, 30)).days
                        cells.append(f'<c r="{ref}" s="1"><v>{serial}</v></c>')
                    elif isinstance(value, int | float):
                        cells.append(f'<c r="{ref}"><v>{value}</v></c>')
                    else:
                        index = strings.setdefault(value, len(strings))
                        cells.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
                sheet.write(f'<row r="{r}">{"".join(cells)}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        ordered = sorted(strings, key=strings.get)
        archive.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8"?>'
                         f'<sst xmlns="{ns}" uniqueCount="{len(ordered)}">' + "".join(
                             f"<si><t>{escape(s)}</t></si>" for s in ordered) + "</sst>")
        for name, text in _package(ns).items():
            archive.writestr(name, text)


def _package(ns: str) -> dict[str, str]:
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            f'"{main}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{main}.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{main}.sharedStrings+xml"/><Override PartName="/xl/styles.xml" '
            f'ContentType="{main}.styles+xml"/></Types>'),
        "_rels/.rels": (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}">'
                        f'<Relationship Id="rId1" Type="{rel}/officeDocument" '
                        'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}" '
                            f'xmlns:r="{rel}"><sheets><sheet name="商机" sheetId="1" '
                            'r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/>'
            "</Relationships>"),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{ns}"><fonts count="1">'
            '<font/></fonts><fills count="1"><fill><patternFill patternType="none"/></fill>'
            '</fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/>'
            '</cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" '
            'applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" '
            'xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
    }


class _File:
    """An uploaded file as the service receives it (Werkzeug's FileStorage.save)."""

    def __init__(self, path: Path):
        self.filename, self.path = "商机.xlsx", path

    def save(self, target) -> None:
        with open(self.path, "rb") as source, open(target, "wb") as out:
            while chunk := source.read(1 << 20):
                out.write(chunk)


def _setup(data_dir: Path, database_url: str | None):
    from flask_migrate import upgrade

    from builder.apps import service as apps
    from builder.db import db
    from builder.forms import service as forms
    from runtime import create_app
    from runtime.accounts import service as accounts

    config = {"JIMU_DATA_DIR": str(data_dir), "REDIS_URL": None, "JIMU_EMBEDDED_WORKER": False,
              "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{data_dir / 'jimu.db'}"}
    app = create_app(config)
    with app.test_request_context():
        upgrade()
        accounts.create_user("bench@example.com", "Bench", "bench password", is_admin=True)
        crm = apps.seed_app("crm", "CRM", "", icon="handshake", color="blue")
        db.session.commit()
        form = forms.create_form(admin := accounts.find_user_by_email("bench@example.com"), crm,
                                 "商机", key="opportunity")
        forms.save_draft(admin, form, document(), revision=form.draft_revision)
        forms.publish(admin, form)
    return app, config


def _import(app, path: Path) -> tuple[float, dict]:
    from builder.db import db
    from runtime.accounts import service as accounts
    from runtime.jobs import runner
    from runtime.jobs.models import JobRun
    from runtime.records import forms_lookup
    from runtime.transfer import service

    with app.test_request_context():
        user = accounts.find_user_by_email("bench@example.com")
        started, cpu = time.perf_counter(), time.process_time()
        target = forms_lookup.resolve(user, "crm", "opportunity")
        run = service.upload(user, target, _File(path))
        service.save_mapping(user, target, run, run.mapping, ["f_name01"], "skip", True)
        service.preview(user, target, run)
        service.start(user, target, run)
        job = db.session.scalar(db.select(JobRun.id).where(
            JobRun.run_key == f"transfer.import:{run.id}"))
        runner.execute(job)
        seconds = time.perf_counter() - started
        print(f"# import: {time.process_time() - cpu:.1f} s of CPU", file=sys.stderr)
        db.session.expire_all()
        run = db.session.get(type(run), run.id)
        counts = {k: getattr(run, k) for k in ("status", "created", "skipped", "failed")}
    return seconds, counts


def _top_up(app, rows: int) -> None:
    """Insert plain rows so the export has exactly ``rows`` records."""
    from builder.db import db, utcnow
    from runtime.accounts import service as accounts
    from runtime.records import forms_lookup

    with app.test_request_context():
        user = accounts.find_user_by_email("bench@example.com")
        table = forms_lookup.resolve(user, "crm", "opportunity").published.table
        have = db.session.scalar(db.select(db.func.count()).select_from(table))
        now = utcnow()
        extra = [{"created_at": now, "updated_at": now, "row_version": 1, "owner_id": user.id,
                  "f_name01": f"补充 {i}", "f_stage1": "new", "f_amnt01": 1} for i in
                 range(max(0, rows - have))]
        if extra:
            db.session.execute(table.insert(), extra)
        db.session.commit()


def export_child(config_json: str, out: str) -> None:
    """In a fresh process: export every record to XLSX; print seconds and peak RSS."""
    import resource

    from runtime import create_app
    from runtime.accounts import service as accounts
    from runtime.records import forms_lookup
    from runtime.transfer import export

    app = create_app(json.loads(config_json))
    with app.test_request_context():
        user = accounts.find_user_by_email("bench@example.com")
        form = forms_lookup.resolve(user, "crm", "opportunity").published
        started, cpu = time.perf_counter(), time.process_time()
        count = export.write(user, form, export.ExportRequest(format="xlsx"), Path(out))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        if not export.headers(form, export.ExportRequest()):
            raise SystemExit("the export has no columns")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rows": count, "peak_mib": peak}))


def _export(config: dict, data_dir: Path) -> dict:
    code = ("import sys; from bench.transfer import export_child; "
            "export_child(sys.argv[1], sys.argv[2])")
    answer = subprocess.run(
        [sys.executable, "-c", code, json.dumps(config), str(data_dir / "export.xlsx")],
        capture_output=True, text=True, check=True, cwd=str(Path(__file__).resolve().parent.parent),
        env={k: v for k, v in os.environ.items() if k != "REDIS_URL"})
    return json.loads(answer.stdout.strip().splitlines()[-1])


@benchmark("transfer")
def transfer(rows: int | None) -> None:
    """Import an N-row XLSX end to end, then export N records to XLSX."""
    rows = rows or 100_000
    data_dir = Path(tempfile.mkdtemp(prefix="jimu-bench-transfer-"))
    app, config = _setup(data_dir, os.environ.get("DATABASE_URL"))
    path = data_dir / "opportunities.xlsx"
    write_xlsx(path, rows)
    seconds, counts = _import(app, path)
    print(f"# import: {counts} in {seconds:.1f} s", file=sys.stderr)
    if counts["status"] != "done":
        raise SystemExit(f"the import did not finish: {counts}")
    report("import_rows_per_s", rows / seconds, "rows/s")
    _top_up(app, rows)
    figures = _export(config, data_dir)
    print(f"# export: {figures['rows']} rows, {figures['cpu']:.1f} s of CPU", file=sys.stderr)
    report("export_s", figures["seconds"], "s")
    report("export_peak_rss_mib", figures["peak_mib"], "MiB")


benchmark("import_export")(transfer)

"""Files as people really have them: encodings, merged cells, formulas, empty rows,
duplicate headers, hostile text and very large files. Each gives a clear message."""

from __future__ import annotations

from decimal import Decimal

import pytest

from runtime.transfer import service
from runtime.transfer.exceptions import SourceInvalid
from runtime.transfer.models import ImportStatus
from tests.transfer_files import Formula, csv_bytes, xlsx

from .conftest import HEADERS, Upload, do_import, records_of, workbook_rows

ROWS = [["杭州积木科技", "A", "13812345678"], ["宁波海运", "b", "13912345678"]]


@pytest.mark.parametrize("encoding, delimiter", [
    ("utf-8", ","), ("utf-8-sig", ","), ("gbk", ","), ("gb18030", ","), ("utf-16", "\t"),
])
def test_csv_in_the_encodings_chinese_excel_writes(ctx, customers, encoding, delimiter):
    target, user = customers
    data = csv_bytes([HEADERS[:3], *ROWS], encoding=encoding, delimiter=delimiter)
    run = do_import(target, user, "客户.csv", data)
    assert run.status == ImportStatus.DONE and run.created == 2
    assert [r["f_name01"] for r in records_of(target)] == ["杭州积木科技", "宁波海运"]


def test_a_latin1_file_is_refused_with_a_way_forward(ctx, customers):
    target, user = customers
    data = "Name,Level\nCafé Zoë,A\n".encode("latin-1")
    with pytest.raises(SourceInvalid) as caught:
        service.upload(user, target, Upload("clients.csv", data))
    assert "UTF-8 or GBK" in caught.value.message and "CSV UTF-8" in caught.value.message


@pytest.mark.parametrize("name, data, expected", [
    ("old.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 600, "97–2003"),
    ("broken.xlsx", b"PK\x03\x04 not really a zip", "could not be read as an Excel workbook"),
    ("empty.csv", b"", "no rows with data"),
    ("notes.pdf", b"%PDF-1.4", "Upload an Excel workbook"),
])
def test_files_that_are_not_tables(ctx, customers, name, data, expected):
    target, user = customers
    with pytest.raises(SourceInvalid) as caught:
        service.upload(user, target, Upload(name, data))
    assert expected in caught.value.message


def test_merged_cells_title_rows_and_empty_rows(ctx, customers):
    target, user = customers
    data = xlsx([
        ["客户清单（2026 年 3 月）", None, None],
        None,
        HEADERS[:3],
        ["杭州积木科技", "A", "13812345678"],
        ["宁波海运", None, "13912345678"],
        [None, None, None],
        ["温州鞋业", None, "13712345678"],
        ["", "  ", None],
    ], merges=["A1:C1", "B4:B7"])
    run = do_import(target, user, "客户.xlsx", data)
    assert run.sheet["header_row"] == 3 and run.created == 3 and run.failed == 0
    assert [r["f_level1"] for r in records_of(target)] == ["a", "a", "a"]


def test_formulas_import_their_saved_results(ctx, customers):
    target, user = customers
    data = xlsx([
        ["公司名称", "金额", "手机"],
        ["甲公司", Formula("SUM(10,20.5)", 30.5), Formula('"138"&"12345678"', "13812345678")],
        ["乙公司", Formula("B2*2", None), None],
        ["丙公司", Formula("1/0", "#DIV/0!"), None],
    ])
    run = do_import(target, user, "客户.xlsx", data)
    assert (run.created, run.failed) == (1, 2)
    [record] = records_of(target)
    assert record["f_amnt01"] == Decimal("30.50") and record["f_phone1"] == "13812345678"
    rows = workbook_rows(service.error_file(user, target, run))
    assert "formula saved without its result" in rows[1][-1]
    assert "Excel error #DIV/0!" in rows[2][-1]


def test_duplicate_headers_are_matched_once_and_cannot_both_fill_a_field(ctx, customers):
    from runtime.transfer.exceptions import ValidationFailed

    target, user = customers
    run = service.upload(user, target, Upload("c.xlsx", xlsx([
        ["公司名称", "手机", "手机"], ["甲公司", "13812345678", "13912345678"]])))
    assert run.mapping == ["f_name01", "f_phone1", None]
    with pytest.raises(ValidationFailed) as caught:
        service.save_mapping(user, target, run, ["f_name01", "f_phone1", "f_phone1"],
                             ["f_name01"], "skip", True)
    assert "already chosen for column B" in caught.value.errors["col_2"][0]


def test_hostile_text_is_stored_as_text_and_escaped_in_the_error_workbook(ctx, customers):
    target, user = customers
    hostile = ["=cmd|' /C calc'!A0", "<script>alert(1)</script>", "'; DROP TABLE rec_1; --",
               "\u202egnp.exe", "😀 \x07bell"]
    rows = [[text, None, None, None, None, None, None, text] for text in hostile]
    rows.append(["x" * 5000, None, "@SUM(1)", None, None, None, None, None])
    run = do_import(target, user, "h.csv", csv_bytes([HEADERS, *rows]))
    assert (run.created, run.failed) == (5, 1)
    names = [r["f_name01"] for r in records_of(target)]
    assert names[:4] == hostile[:4] and names[4] == "😀 bell"  # control characters dropped
    problem = workbook_rows(service.error_file(user, target, run))[1]
    assert problem[0] == "x" * 5000 and problem[2] == "'@SUM(1)"
    assert "at most 100 characters" in problem[-1]


def test_a_fifty_megabyte_file_is_read_as_a_stream(ctx, customers, tmp_path):
    target, user = customers
    line = "某某市某某区某某街道第{0}号商贸有限公司,A,13812345678,123456.78,2026-03-01\r\n"
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("公司名称,级别,手机,金额,签约日期\r\n")
        written, n = 0, 0
        while written < 50 * 1024 * 1024:
            text = line.format(n)
            handle.write(text)
            written += len(text.encode())
            n += 1
    run = service.upload(user, target, Upload("big.csv", path.read_bytes()))
    assert run.total_rows == n and run.mapping == ["f_name01", "f_level1", "f_phone1",
                                                   "f_amnt01", "f_start1"]
    preview = service.preview(user, target, run)
    assert len(preview.outcomes) == 100 and preview.counts["create"] == 100


def test_more_rows_than_allowed_are_refused_at_upload(ctx, customers, monkeypatch):
    target, user = customers
    monkeypatch.setattr(service, "MAX_ROWS", 3)
    with pytest.raises(SourceInvalid) as caught:
        service.upload(user, target, Upload("c.csv", csv_bytes([["公司名称"]] + [["x"]] * 5)))
    assert "at most 3 rows" in caught.value.message

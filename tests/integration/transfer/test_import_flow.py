"""Importing end to end through the service and the job: values, duplicates, errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from runtime.transfer import service
from runtime.transfer.models import ImportStatus
from tests.transfer_files import xlsx

from .conftest import HEADERS, do_import, records_of, workbook_rows


def _file(rows):
    return xlsx([HEADERS, *rows])


def test_rows_are_converted_deduplicated_and_refused_rows_reported(ctx, customers):
    target, user = customers
    data = _file([
        ["Jimu 科技有限公司", "a", 13812345678, 1200.5, date(2026, 3, 1), "Wang Fang",
         "客户管理、进销存", "首批"],
        ["宁波海运", "B", "138 1234 5679", "¥3,000", "2026/3/2", "wang@example.com", None, None],
        ["ＪＩＭＵ  科技", "c", None, None, None, None, None, "同一家 (全角)"],
        ["坏数据公司", "Z", "12345", "-5", "昨天", "Nobody", None, None],
    ])
    run = do_import(target, user, "客户.xlsx", data)
    assert run.status == ImportStatus.DONE
    assert (run.created, run.skipped, run.failed) == (2, 1, 1)
    rows = records_of(target)
    assert [r["f_name01"] for r in rows] == ["Jimu 科技有限公司", "宁波海运"]
    first, second = rows
    assert first["f_phone1"] == "13812345678" and first["f_amnt01"] == Decimal("1200.50")
    assert first["f_start1"] == date(2026, 3, 1) and first["f_rep001"] == user.id
    assert first["f_tags01"] == ["crm", "erp"] and first["f_serial"] == "KH-0001"
    assert second["f_level1"] == "b" and second["f_phone1"] == "13812345679"
    assert second["f_rep001"] == user.id and second["f_serial"] == "KH-0002"

    errors = workbook_rows(service.error_file(user, target, run))
    assert errors[0] == [*HEADERS, "Problems"]
    assert errors[1][:2] == ["坏数据公司", "Z"]
    problem = errors[1][-1]
    for part in ("级别", "手机", "金额", "签约日期", "负责人", "Nobody"):
        assert part in problem, problem

"""Walk the data-driven cases in cases/*.json: ``{description, source, values, expected | error}``.

Values and expectations are JSON; numbers are read as Decimal, ``{"$date": …}``,
``{"$datetime": …}`` and ``{"$float": …}`` give the other Python types. A case with
``field_types`` is also checked statically (``type`` or ``check_error``).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from builder.formula import FormulaError, compile

from .conftest import NOW, TZ

CASES = Path(__file__).parent / "cases"


def decode(value: Any) -> Any:
    """JSON test value → Python value."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        if "$datetime" in value:
            return dt.datetime.fromisoformat(value["$datetime"])
        if "$float" in value:
            return float(value["$float"])
        return {key: decode(item) for key, item in value.items()}
    return value


def _load() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.json")):
        cases = json.loads(path.read_text("utf-8"), parse_float=Decimal, parse_int=Decimal)
        for index, case in enumerate(cases):
            params.append(pytest.param(case, id=f"{path.stem}-{index:03d}"))
    return params


def same(result: Any, expected: Any) -> bool:
    """Equal and of the same kind (TRUE is not 1, a date is not a date-time)."""
    if isinstance(expected, list):
        return isinstance(result, list) and len(result) == len(expected) and all(
            same(r, e) for r, e in zip(result, expected, strict=True))
    kinds = (bool, Decimal, str, dt.datetime, dt.date, type(None))
    kind = next(k for k in kinds if isinstance(expected, k))
    return isinstance(result, kind) and not (kind is Decimal and isinstance(result, bool)) \
        and not (kind is dt.date and isinstance(result, dt.datetime)) and result == expected


def _assert_error(error: FormulaError, case: dict[str, Any], code_key: str) -> None:
    assert error.code == case[code_key], f"{case['description']}: {error!s}"
    if "position" in case:
        assert error.position == case["position"], f"{case['description']}: {error!s}"
    if "message" in case:
        assert case["message"] in str(error)


@pytest.mark.parametrize("case", _load())
def test_case(case: dict[str, Any]) -> None:
    """One case: parse, optionally check, then evaluate or fail as described."""
    values = decode(case.get("values", {}))
    try:
        formula = compile(case["source"])
    except FormulaError as error:
        assert "error" in case, f"{case['description']}: unexpected {error!s}"
        _assert_error(error, case, "error")
        return
    if "field_types" in case:
        result = formula.check(case["field_types"])
        if "check_error" in case:
            assert result.errors, case["description"]
            _assert_error(result.errors[0], case, "check_error")
            assert len(result.errors) == int(case.get("error_count", len(result.errors)))
        else:
            assert result.ok, [str(e) for e in result.errors]
            assert result.type == case["type"]
    if "expected" in case:
        value = formula.evaluate(values, now=NOW, tz=TZ)
        assert same(value, decode(case["expected"])), f"{case['description']}: got {value!r}"
    elif "error" in case:
        with pytest.raises(FormulaError) as info:
            formula.evaluate(values, now=NOW, tz=TZ)
        _assert_error(info.value, case, "error")

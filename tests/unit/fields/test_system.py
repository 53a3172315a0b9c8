"""System fields refuse input and read their values for filters and exports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from builder.fields import Field, ValueInvalid
from builder.fields.system import CreatedAtType, CreatedByType, OwnerType


def _field(type_key: str) -> Field:
    return Field(id="f_sys1", type=type_key, label="System", config={})


@pytest.mark.parametrize("field_type", [CreatedByType(), OwnerType(), CreatedAtType()])
def test_users_cannot_enter_a_value(field_type):
    with pytest.raises(ValueInvalid, match="automatically"):
        field_type.coerce(_field(field_type.type), "7")
    assert field_type.coerce(_field(field_type.type), "") is None


def test_user_ids_are_read_from_text_and_json():
    owner = OwnerType()
    assert owner.parse(_field("owner"), "42") == 42 == owner.filter_value(_field("owner"), "eq", 42)
    assert owner.filter_value(_field("owner"), "in", ["1", 2]) == [1, 2]
    for bad in ("alice", "0", True, "-3"):
        with pytest.raises(ValueInvalid):
            owner.parse(_field("owner"), bad)


def test_times_are_read_in_the_instance_zone():
    created = CreatedAtType()
    value = created.filter_value(_field("created_at"), "gte", "2026-03-01 08:00")
    assert value == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert created.display(_field("created_at"), value) == "2026-03-01 08:00"

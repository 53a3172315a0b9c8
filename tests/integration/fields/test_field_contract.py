"""One contract, checked the same way for every registered field type."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator, FormatChecker

from builder import fields
from builder.fields import Field, ValueInvalid

fields.register_all()
TYPES = [t.type for t in fields.all_types()]


def _field(type_key: str) -> Field:
    field_type = fields.get(type_key)
    return Field(id="f_test", type=type_key, label="Test", config=field_type.sample_config())


@pytest.mark.parametrize("type_key", TYPES)
def test_sample_config_validates(app, type_key):
    field_type = fields.get(type_key)
    Draft202012Validator.check_schema(field_type.config_schema)
    Draft202012Validator(field_type.config_schema, format_checker=FormatChecker()).validate(
        field_type.sample_config()
    )


@pytest.mark.parametrize("type_key", TYPES)
def test_sample_values_round_trip_through_coerce_and_json(app, type_key):
    field_type, field = fields.get(type_key), _field(type_key)
    validator = Draft202012Validator(field_type.value_schema(field), format_checker=FormatChecker())
    values = field_type.sample_values(field)
    assert len(values) >= 2 and len(set(map(repr, values))) == len(values)
    for value in values:
        if field_type.readonly:  # users cannot enter it; exports and filters read it back
            with pytest.raises(ValueInvalid):
                field_type.coerce(field, value)
        else:
            assert field_type.coerce(field, value) == value
        assert field_type.parse(field, value) == value
        validator.validate(field_type.to_json(field, value))
        assert field_type.parse(field, field_type.to_json(field, value)) == value
        assert isinstance(field_type.display(field, value), str)
    assert field_type.coerce(field, None) is None
    assert field_type.coerce(field, "   ") is None


@pytest.mark.parametrize("type_key", TYPES)
def test_storage_is_a_column_of_its_own_or_a_system_column(app, type_key):
    from runtime.records.storage import SYSTEM_COLUMNS, TableSpec

    field_type, field = fields.get(type_key), _field(type_key)
    if field_type.system_column is None:
        return
    assert not field_type.stored and field_type.readonly
    column = TableSpec(form_id=1, fields=[]).table().c[field_type.system_column]
    assert field_type.system_column in SYSTEM_COLUMNS
    assert type(field_type.sql_type(field)) is type(column.type)


@pytest.mark.parametrize("type_key", TYPES)
def test_bad_input_is_refused_with_a_message(app, type_key):
    field_type, field = fields.get(type_key), _field(type_key)
    invalid = field_type.sample_invalid(field)
    assert invalid, f"{type_key} lists no invalid samples"
    for raw in invalid:
        with pytest.raises(ValueInvalid) as caught:
            field_type.coerce(field, raw)
        assert caught.value.message.strip()


@pytest.fixture
def value_table(app):
    """Create a one-column table for a field type on the test database, drop it after."""
    from builder.db import db

    created = []

    def make(type_key: str):
        field_type, field = fields.get(type_key), _field(type_key)
        metadata = sa.MetaData()
        table = sa.Table(f"contract_{type_key}", metadata,
                         sa.Column("id", sa.Integer, primary_key=True),
                         sa.Column("v", field_type.sql_type(field)))
        metadata.create_all(db.engine)
        created.append(metadata)
        return table

    yield make
    for metadata in created:
        metadata.drop_all(db.engine)


@pytest.mark.parametrize("type_key", TYPES)
def test_values_survive_the_database(app, value_table, type_key):
    from builder.db import db

    field_type, field = fields.get(type_key), _field(type_key)
    table = value_table(type_key)
    values = field_type.sample_values(field) + [None]
    with db.engine.begin() as conn:
        for i, value in enumerate(values, 1):
            conn.execute(table.insert().values(id=i, v=field_type.to_db(field, value)))
        rows = conn.execute(sa.select(table.c.id, table.c.v).order_by(table.c.id)).all()
    assert [field_type.from_db(field, v) for _, v in rows] == values


@pytest.mark.parametrize("type_key", TYPES)
def test_filter_operators_agree_in_sql_and_python(app, value_table, type_key):
    from builder.db import db

    field_type, field = fields.get(type_key), _field(type_key)
    table = value_table(type_key)
    values = field_type.sample_values(field) + [None]
    with db.engine.begin() as conn:
        for i, value in enumerate(values, 1):
            conn.execute(table.insert().values(id=i, v=field_type.to_db(field, value)))
    samples = field_type.sample_values(field)
    for op_key in field_type.operators:
        operator = field_type.operator(op_key)
        if operator.arity == 0:
            operands = [None]
        elif operator.arity == 2:
            operands = [sorted(pair, key=repr) if type_key == "boolean" else sorted(pair)
                        for pair in itertools.combinations(samples, 2)]
        elif op_key in ("in", "not_in"):
            operands = [[s] for s in samples] + [samples[:2]]
        elif op_key in ("contains", "not_contains"):
            operands = [s[1:3] for s in samples if isinstance(s, str) and len(s) > 2]
        elif op_key in ("has_any", "has_all", "has_none"):
            items = sorted({item for s in samples for item in s})
            operands = [[i] for i in items] + [list(p) for p in itertools.combinations(items, 2)]
        elif op_key == "under":  # each sample, and the province above it
            operands = samples + [s[:2] + "0000" for s in samples]
        else:
            operands = samples
        assert operands, (type_key, op_key, "no operands to test with")
        for operand in operands:
            operand = field_type.filter_value(field, op_key, operand)
            with db.engine.connect() as conn:
                got = {r[0] for r in conn.execute(
                    sa.select(table.c.id).where(operator.sql(table.c.v, operand)))}
            expected = {i for i, v in enumerate(values, 1) if operator.py(v, operand)}
            assert got == expected, (type_key, op_key, operand)

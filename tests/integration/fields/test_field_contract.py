"""One contract, checked the same way for every registered field type."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator, FormatChecker

from builder import fields
from builder.fields import Field, ValueInvalid
from builder.fields.operators import Context

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


@pytest.fixture
def side_tables(app):
    """For a type kept in a side table: a record table with its side table, values stored
    one record each (record id = position in ``values`` + 1); dropped after."""
    from builder.db import db, utcnow
    from runtime.records.storage import TableSpec

    made = []

    def make(type_key: str, values: list):
        field_type, field = fields.get(type_key), _field(type_key)
        metadata = sa.MetaData()
        record = TableSpec(form_id=990, fields=[field]).table(metadata)
        side = metadata.tables[f"rec_990_{field.id}"]
        metadata.create_all(db.engine)
        made.append(metadata)
        with db.engine.begin() as conn:
            for i, value in enumerate(values, 1):
                conn.execute(record.insert().values(id=i, created_at=utcnow(),
                                                    updated_at=utcnow()))
                rows = field_type.to_side_rows(field, value)
                if rows:
                    conn.execute(side.insert(), [{**row, "record_id": i, "position": n}
                                                 for n, row in enumerate(rows)])
        return record, side

    yield make
    for metadata in made:
        metadata.drop_all(db.engine)


@pytest.mark.parametrize("type_key", [t for t in TYPES if fields.get(t).side])
def test_side_values_survive_the_database_and_filter_alike(app, side_tables, type_key):
    from builder.conditions import SideColumn
    from builder.db import db

    field_type, field = fields.get(type_key), _field(type_key)
    values = field_type.sample_values(field) + [None]
    record, side = side_tables(type_key, values)
    with db.engine.connect() as conn:
        for i, value in enumerate(values, 1):
            rows = conn.execute(sa.select(side).where(side.c.record_id == i)
                                .order_by(side.c.position)).mappings().all()
            assert field_type.from_side_rows(field, [dict(r) for r in rows]) == value
        for op_key in field_type.operators:
            operator = field_type.operator(op_key)
            assert operator.arity == 0, (type_key, op_key, "add operands to this test")
            clause = field_type.side_sql(field, op_key, None, SideColumn(side, record.c.id))
            got = {r[0] for r in conn.execute(sa.select(record.c.id).where(clause))}
            assert got == {i for i, v in enumerate(values, 1) if operator.py(v, None)}


@pytest.mark.parametrize("type_key", [t for t in TYPES if not fields.get(t).side])
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


@pytest.mark.parametrize("type_key", [t for t in TYPES if not fields.get(t).side])
def test_filter_operators_agree_in_sql_and_python(app, value_table, type_key):
    from builder.db import db

    field_type, field = fields.get(type_key), _field(type_key)
    table = value_table(type_key)
    values = field_type.sample_values(field) + [None]
    with db.engine.begin() as conn:
        for i, value in enumerate(values, 1):
            conn.execute(table.insert().values(id=i, v=field_type.to_db(field, value)))
    samples = field_type.sample_values(field)
    for op_key in field_type.field_operators(field):
        operator = field_type.operator(op_key)
        if operator.context:
            _check_context_operator(field_type, field, op_key, table, values, samples)
            continue
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


def _contexts(op_key: str, samples: list) -> list[tuple[Context, object]]:
    """(context, typed value) pairs that put each sample inside and outside the operator."""
    if op_key in ("is_me", "my_department"):
        ids = [*samples, 99_999, None]
        return [(Context(user_id=i, department_id=i, today=date(2026, 3, 1)), None)
                for i in ids]
    days = sorted({s.astimezone(ZoneInfo("Asia/Shanghai")).date() if isinstance(s, datetime)
                   else s for s in samples})
    todays = [*days, *(d + timedelta(days=1) for d in days), *(d - timedelta(days=3)
                                                              for d in days)]
    typed = [None] if op_key == "today" else [1, "7", "４００"]
    return [(Context(user_id=1, department_id=1, today=t), n) for t in todays for n in typed]


def _check_context_operator(field_type, field, op_key, table, values, samples) -> None:
    from builder.db import db

    operator = field_type.operator(op_key)
    for context, typed in _contexts(op_key, samples):
        operand = field_type.context_value(field, op_key, typed, context)
        with db.engine.connect() as conn:
            got = {r[0] for r in conn.execute(
                sa.select(table.c.id).where(operator.sql(table.c.v, operand)))}
        expected = {i for i, v in enumerate(values, 1) if operator.py(v, operand)}
        assert got == expected, (field_type.type, op_key, context, typed)


@pytest.mark.parametrize("type_key", [t for t in TYPES if any(
    fields.get(t).operator(op).context for op in fields.get(t).operators)])
def test_context_operators_need_a_context_and_sane_days(app, type_key):
    field_type, field = fields.get(type_key), _field(type_key)
    for op_key in field_type.operators:
        if not field_type.operator(op_key).context:
            continue
        with pytest.raises(ValueInvalid):
            field_type.context_value(field, op_key, "7", None)
        if field_type.operator(op_key).arity == 1:
            for bad in ("0", "-1", "abc", "3651", True, None):
                with pytest.raises(ValueInvalid):
                    field_type.context_value(field, op_key, bad, Context(1, 1, date(2026, 1, 1)))


# ---------------------------------------------------------------- other shapes of config

VARIANTS = [(t.type, index) for t in fields.all_types()
            for index, _config in enumerate(t.sample_configs()) if index > 0]
SIDE_VARIANTS = [(t.type, index) for t in fields.all_types()
                 for index, config in enumerate(t.sample_configs())
                 if t.is_side(Field("f_test", t.type, "Test", config))]


def _variant(type_key: str, index: int) -> Field:
    return Field(id="f_test", type=type_key, label="Test",
                 config=fields.get(type_key).sample_configs()[index])


@pytest.mark.parametrize(("type_key", "index"), VARIANTS)
def test_every_config_shape_round_trips_and_refuses_bad_input(app, type_key, index):
    field_type, field = fields.get(type_key), _variant(type_key, index)
    validator = Draft202012Validator(field_type.value_schema(field), format_checker=FormatChecker())
    values = field_type.sample_values(field)
    assert len(values) >= 2 and len(set(map(repr, values))) == len(values)
    for value in values:
        assert field_type.coerce(field, value) == value
        validator.validate(field_type.to_json(field, value))
        assert field_type.parse(field, field_type.to_json(field, value)) == value
    for raw in field_type.sample_invalid(field):
        with pytest.raises(ValueInvalid):
            field_type.coerce(field, raw)


@pytest.fixture
def side_form(app):
    """A record table with one side field, its side table filled with the sample values."""
    from builder.db import db, utcnow
    from runtime.records import schema, storage

    made = []

    def make(field: Field):
        document = {"fields": [{"id": field.id, "type": field.type, "label": field.label,
                                "config": field.config}]}
        form = schema.PublishedForm(990 + len(made), 1, document)
        made.append(form)
        values = fields.get(field.type).sample_values(field) + [None]
        with db.engine.begin() as conn:
            storage.reconcile(conn, form.spec)
            for i, value in enumerate(values, 1):
                now = utcnow()
                conn.execute(form.table.insert().values(id=i, created_at=now, updated_at=now))
                rows = fields.get(field.type).to_side_rows(field, value)
                if rows:
                    conn.execute(form.side_table(field.id).insert(), [
                        {**row, "record_id": i, "position": p} for p, row in enumerate(rows)])
        return form, values

    yield make
    with db.engine.begin() as conn:
        for form in made:
            form.metadata.drop_all(conn)


@pytest.mark.parametrize(("type_key", "index"), SIDE_VARIANTS)
def test_side_filter_operators_agree_in_sql_and_python(app, side_form, type_key, index):
    from builder import conditions
    from builder.db import db
    from runtime.records import query

    field_type, field = fields.get(type_key), _variant(type_key, index)
    form, values = side_form(field)
    samples = field_type.sample_values(field)
    for op_key in field_type.field_operators(field):
        operator = field_type.operator(op_key)
        # operands are items of the values (many links); sub-tables only test emptiness
        items = [] if operator.arity == 0 else sorted({item for s in samples for item in s})
        operands = [None] if operator.arity == 0 else (
            [[i] for i in items] + [list(p) for p in itertools.combinations(items, 2)])
        for operand in operands:
            cond = {"field": field.id, "op": op_key, "value": operand}
            clause = conditions.to_sql(cond, query.columns(form), form.field_map)
            with db.engine.connect() as conn:
                got = {r[0] for r in conn.execute(sa.select(form.table.c.id).where(clause))}
            expected = {i for i, v in enumerate(values, 1)
                        if conditions.evaluate(cond, {field.id: v}, form.field_map)}
            assert got == expected, (type_key, op_key, operand)

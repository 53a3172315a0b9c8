"""Per-form tables are created and grown at publish, never losing data."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from builder import fields
from builder.db import db, utcnow
from builder.fields import Field
from runtime.records import storage


def _fields(*types: str) -> list[Field]:
    return [Field(id=f"f_{t.replace('_', '')[:4]}{i:02d}", type=t, label=t,
                  config=fields.get(t).sample_config())
            for i, t in enumerate(types)]


@pytest.fixture
def drop_tables(app):
    names: list[str] = []
    yield names
    with db.engine.begin() as conn:
        for name in names:
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}"'))


def test_every_field_type_gets_a_column(app, drop_tables):
    specs = _fields(*(t.type for t in fields.all_types()))
    spec = storage.TableSpec(form_id=901, fields=specs)
    drop_tables.append(spec.name)
    sides = [f for f in specs if fields.get(f.type).side]
    drop_tables.extend(storage.side_table_name(901, f.id) for f in sides)
    with db.engine.begin() as conn:
        assert sorted(storage.reconcile(conn, spec)) == sorted(
            ["create table rec_901"] + [f"create table rec_901_{f.id}" for f in sides])
        columns = set(storage.existing_columns(conn, 901))
    own = {f.id for f in specs if fields.get(f.type).stored}
    assert own | set(storage.SYSTEM_COLUMNS) == columns


def test_adding_a_field_adds_a_column_and_keeps_rows(app, drop_tables):
    first = _fields("text", "decimal")
    spec = storage.TableSpec(form_id=902, fields=first)
    drop_tables.append(spec.name)
    with db.engine.begin() as conn:
        storage.reconcile(conn, spec)
        table = spec.table()
        now = utcnow()
        conn.execute(table.insert().values(created_at=now, updated_at=now,
                                           **{first[0].id: "Acme"}))
    grown = storage.TableSpec(form_id=902, fields=first + _fields("date"), indexed={first[0].id})
    with db.engine.begin() as conn:
        done = storage.reconcile(conn, grown)
        assert "add column f_date00" in done
        assert f"create index ix_rec_902_{first[0].id}" in done
        rows = conn.execute(sa.select(grown.table().c[first[0].id])).scalars().all()
    assert rows == ["Acme"]
    with db.engine.begin() as conn:
        assert storage.reconcile(conn, grown) == []


def test_removing_a_field_keeps_its_column(app, drop_tables):
    both = _fields("text", "integer")
    drop_tables.append("rec_903")
    with db.engine.begin() as conn:
        storage.reconcile(conn, storage.TableSpec(form_id=903, fields=both))
        storage.reconcile(conn, storage.TableSpec(form_id=903, fields=both[:1]))
        assert both[1].id in storage.existing_columns(conn, 903)


@pytest.mark.parametrize("bad", ["name", "f_", "f_ABC123", 'f_abcd"; drop table x; --', "id",
                                 "f_abcdefghijklmnopq"])
def test_field_ids_that_are_not_safe_identifiers_are_refused(bad):
    with pytest.raises(ValueError):
        storage.check_field_id(bad)


@pytest.mark.parametrize("bad", [0, -1, "1", 1.5, None])
def test_table_names_come_only_from_positive_integer_ids(bad):
    with pytest.raises(ValueError):
        storage.table_name(bad)


def test_unique_normalised_field_refuses_a_second_live_row(app, drop_tables):
    name = _fields("text")
    spec = storage.TableSpec(form_id=904, fields=name, unique={name[0].id: True})
    drop_tables.append(spec.name)
    key = storage.unique_key_column(name[0].id)
    with db.engine.begin() as conn:
        storage.reconcile(conn, spec)
    table = spec.table()
    now = utcnow()
    row = {"created_at": now, "updated_at": now, key: "杭州积木科技"}
    with db.engine.begin() as conn:
        conn.execute(table.insert().values(**row))
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(table.insert().values(**row))
    with db.engine.begin() as conn:  # a trashed row does not block a new one
        conn.execute(table.update().values(deleted_at=now))
        conn.execute(table.insert().values(**row))


def test_system_fields_read_their_system_column(app):
    specs = _fields("text", "created_by", "updated_at", "owner")
    table = storage.TableSpec(form_id=905, fields=specs).table()
    assert "f_crea01" not in table.c and "f_upda02" not in table.c
    assert [storage.field_column(table, f).name for f in specs] == [
        "f_text00", "created_by_id", "updated_at", "owner_id"]


def test_composite_indexes_are_created(app, drop_tables):
    three = _fields("single_select", "single_select", "date")
    spec = storage.TableSpec(form_id=905, fields=three,
                             composite={"i_stage1": [f.id for f in three]})
    drop_tables.append(spec.name)
    with db.engine.begin() as conn:
        storage.reconcile(conn, spec)
        indexes = {ix["name"]: ix["column_names"] for ix in sa.inspect(conn).get_indexes(spec.name)}
    assert indexes["ix_rec_905_i_stage1"] == [f.id for f in three]

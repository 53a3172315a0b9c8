"""The metadata core: data-driven schema cases, messages, upgrades."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from builder import metadata, views
from builder.apps import domain  # noqa: F401 - registers the app kind's extra checks
from builder.exceptions import ValidationFailed
from builder.metadata import MetadataError, MetadataInvalid
from builder.roles import domain as _roles  # noqa: F401 - registers the role kind's checks
from builder.views import domain as _view_domain  # noqa: F401 - the view kind's checks

CASES = sorted((Path(__file__).parent / "cases").glob("*/*.json"))


def _case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("path", CASES, ids=_case_id)
def test_schema_case(path):
    views.register_all()
    case = json.loads(path.read_text(encoding="utf-8"))
    errors = metadata.validate(path.parent.name, case["input"])
    if case["valid"]:
        assert errors == [], case["description"]
        return
    assert errors, case["description"]
    got = [(e.path, e.rule) for e in errors]
    assert got == [(e["path"], e["rule"]) for e in case["errors"]], case["description"]
    for error, expected in zip(errors, case["errors"], strict=True):
        if "message" in expected:
            assert error.message == expected["message"]


def test_case_folders_name_known_kinds():
    assert {p.parent.name for p in CASES} <= set(metadata.kinds())
    assert len([p for p in CASES if p.parent.name == "app"]) >= 20


@pytest.mark.parametrize("kind", metadata.kinds())
def test_every_schema_is_valid_2020_12_with_a_schema_version(kind):
    schema = metadata.schema(kind)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "schema_version" in schema["required"]
    assert metadata.current_version(kind) >= 1


def test_unknown_kind_is_refused():
    with pytest.raises(KeyError):
        metadata.validate("../app", {})
    with pytest.raises(KeyError):
        metadata.schema("nothing")


def test_format_checker_is_used():
    # jsonschema ignores "format" unless a FormatChecker is given: the name rule relies on it.
    errors = metadata.validate("app", {**domain.new_document("crm", "CRM"), "name": "a\tb"})
    assert [(e.path, e.rule) for e in errors] == [("$.name", "format")]


def test_metadata_invalid_is_a_422_carrying_every_error():
    errors = [MetadataError("$.name", "maxLength", "at most 80 characters (got 95)"),
              MetadataError("$.icon", "enum", "is not one of the offered choices")]
    exc = MetadataInvalid(errors)
    assert isinstance(exc, ValidationFailed)
    assert exc.status == 422
    assert exc.metadata_errors == errors
    assert exc.errors == {"$.name": ["at most 80 characters (got 95)"],
                          "$.icon": ["is not one of the offered choices"]}
    assert str(errors[0]) == "$.name: at most 80 characters (got 95)"


def test_ensure_valid_raises_with_all_errors():
    with pytest.raises(MetadataInvalid) as info:
        metadata.ensure_valid("app", {"schema_version": 1, "key": "X", "name": "", "icon": "x",
                                      "color": "x", "forms": []})
    assert [e.path for e in info.value.metadata_errors] == ["$.color", "$.icon", "$.key", "$.name"]


@pytest.mark.parametrize(("parts", "expected"), [
    ([], "$"),
    (["name"], "$.name"),
    (["forms", 0, "key"], "$.forms[0].key"),
    (["odd key"], '$["odd key"]'),
])
def test_json_path(parts, expected):
    assert metadata.json_path(parts) == expected


# ---------------------------------------------------------------- upgrades


@pytest.fixture
def fake_v0(monkeypatch):
    """A pretend version 0 of the app format that called the name "title"."""

    def v0_to_v1(doc):
        doc["name"] = doc.pop("title")
        doc.setdefault("forms", [])
        return doc

    monkeypatch.setitem(metadata.UPGRADES, "app", {0: v0_to_v1})
    return v0_to_v1


def test_upgrade_brings_an_old_document_to_the_current_version(fake_v0):
    old = {"schema_version": 0, "key": "crm", "title": "CRM", "icon": "users", "color": "red"}
    new = metadata.upgrade("app", old)
    assert new == {"schema_version": 1, "key": "crm", "name": "CRM", "icon": "users",
                   "color": "red", "forms": []}
    assert metadata.validate("app", new) == []
    assert old["title"] == "CRM"  # the input is not changed


def test_upgrade_leaves_a_current_document_alone(fake_v0):
    doc = domain.new_document("crm", "CRM")
    assert metadata.upgrade("app", doc) == doc


def test_upgrade_without_a_registered_step_is_refused(monkeypatch):
    monkeypatch.setitem(metadata.UPGRADES, "app", {})
    with pytest.raises(MetadataInvalid) as info:
        metadata.upgrade("app", {"schema_version": 0, "name": "x"})
    assert info.value.metadata_errors[0].path == "$.schema_version"


@pytest.mark.parametrize("version", [None, "1", True, 99])
def test_upgrade_refuses_missing_wrong_or_future_versions(version):
    doc = {"name": "x"} if version is None else {"schema_version": version, "name": "x"}
    with pytest.raises(MetadataInvalid) as info:
        metadata.upgrade("app", doc)
    assert info.value.metadata_errors[0].path == "$.schema_version"


def test_registering_the_same_upgrade_twice_raises(monkeypatch):
    monkeypatch.setitem(metadata.UPGRADES, "app", {})
    metadata.register_upgrade("app", 0)(lambda doc: doc)
    with pytest.raises(ValueError, match="exists"):
        metadata.register_upgrade("app", 0)(lambda doc: doc)

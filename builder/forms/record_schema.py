"""The JSON Schema (draft 2020-12) of a published form's records, to download.

A record in JSON is an object of field id → value, as the API and the importer
write it. Each field's schema comes from its type (``value_schema``), titled with
its label; fields nobody fills in (system fields, auto-numbers, formulas) are
``readOnly``. What JSON Schema cannot say plainly — conditions, cross-field rules,
normalised uniqueness, defaults filled in at creation — travels in ``x-jimu-rules``
in the form's own condition grammar, so the entry form, the API and the importer
read one description.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from typing import Any

from .. import fields as field_types
from ..fields import Field
from . import domain

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_FIELD_RULES = ("visible_if", "required_if", "unique", "default")
_EMPTY = {"enum": [None, "", []]}


def record_schema(document: Mapping[str, Any], version: int) -> dict[str, Any]:
    """The schema of the records of ``document`` (published as ``version``)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    field_rules: dict[str, Any] = {}
    for doc in domain.live_fields(dict(document)):
        try:
            field_type = field_types.get(doc["type"])
        except KeyError:
            continue
        field = Field.from_document(doc)
        prop = {**field_type.value_schema(field), "title": doc["label"],
                "x-jimu-type": doc["type"]}
        if doc.get("help"):
            prop["description"] = doc["help"]
        if field_type.readonly:
            prop["readOnly"] = True
        elif doc.get("required") and not doc.get("visible_if"):
            required.append(doc["id"])
            prop["not"] = dict(_EMPTY)
        default = doc.get("default") or {}
        if default.get("kind") == "static":
            prop["default"] = default.get("value")
        properties[doc["id"]] = prop
        rules = {key: doc[key] for key in _FIELD_RULES if doc.get(key) is not None}
        if doc.get("required") and key_needed(doc, required):
            rules["required"] = True
        if rules:
            field_rules[doc["id"]] = rules
    return {
        "$schema": DIALECT,
        "title": document.get("name", ""),
        **({"description": document["description"]} if document.get("description") else {}),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
        "x-jimu-form": {"key": document.get("key"), "version": version,
                        "title_field": document.get("title_field")},
        "x-jimu-rules": {"fields": field_rules, "rules": list(document.get("rules", []))},
    }


def key_needed(doc: Mapping[str, Any], required: list[str]) -> bool:
    """A required field left out of ``required`` (it is required only while visible)."""
    return doc["id"] not in required and not field_types.get(doc["type"]).readonly


def file_name(document: Mapping[str, Any], version: int) -> str:
    """``<form name>-v<version>.schema.json`` with nothing a file system would refuse."""
    name = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', "_", str(document.get("name") or "form"))
    return f"{name.strip()[:80] or 'form'}-v{version}.schema.json"


def schema_download(document: Mapping[str, Any], version: int):
    """The schema as an attachment."""
    from flask import send_file

    body = json.dumps(record_schema(document, version), ensure_ascii=False, indent=2)
    response = send_file(io.BytesIO(body.encode()), mimetype="application/schema+json",
                         as_attachment=True, download_name=file_name(document, version),
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

"""Attachment and image fields: config, references, and what an upload really is."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from builder import fields
from builder.fields import Field, ValueInvalid
from runtime.files import domain
from tests import files_support as samples

fields.register_all()
TOKEN = "Zk3x9qaPw2Lm7Nb4Vc8Xr1Ty5Ud6Ie0Of"


def _field(type_key: str, **config) -> Field:
    return Field(id="f_docs01", type=type_key, label="合同", config=config)


# ---------------------------------------------------------------- config and values


def test_config_limits_and_defaults():
    attachment, image = fields.get("attachment"), fields.get("image")
    validate = Draft202012Validator(attachment.config_schema).is_valid
    assert validate({"multiple": True, "max_files": 50, "max_size_mb": 200,
                     "extensions": ["pdf", "docx"]})
    for bad in ({"max_files": 51}, {"max_size_mb": 201}, {"max_size_mb": 0},
                {"extensions": ["exe"]}, {"extensions": []}, {"extensions": ["pdf", "pdf"]},
                {"path": "/tmp"}):
        assert not validate(bad), bad
    assert not Draft202012Validator(image.config_schema).is_valid({"extensions": ["pdf"]})
    plain = _field("attachment")
    assert attachment.max_files(plain) == 1 and attachment.max_bytes(plain) == 20 * 1024 ** 2
    assert "pdf" in attachment.extensions(plain) and "exe" not in attachment.extensions(plain)
    assert image.extensions(_field("image")) == ["jpg", "jpeg", "png", "gif", "webp"]
    assert attachment.max_files(_field("attachment", multiple=True)) == 10


def test_references_from_tokens_objects_and_json():
    attachment = fields.get("attachment")
    field = _field("attachment", multiple=True, max_files=2)
    assert attachment.coerce(field, TOKEN) == [{"id": TOKEN}]
    assert attachment.coerce(field, ["", TOKEN, TOKEN]) == [{"id": TOKEN}]
    assert attachment.coerce(field, f'[{{"id": "{TOKEN}", "name": "a.pdf"}}]') == [
        {"id": TOKEN, "name": "a.pdf"}]
    assert attachment.coerce(field, []) is None and attachment.coerce(field, [""]) is None
    with pytest.raises(ValueInvalid, match="at most 2 files"):
        attachment.coerce(field, [TOKEN, "B" * 30, "C" * 30])
    with pytest.raises(ValueInvalid, match="at most 1 files"):
        attachment.coerce(_field("attachment"), [TOKEN, "B" * 30])
    assert attachment.display(field, [{"id": TOKEN, "name": "合同.pdf"}, {"id": "B" * 30}]) \
        == "合同.pdf、" + "B" * 30


# ---------------------------------------------------------------- sniffing


@pytest.mark.parametrize(("content", "kind"), [
    (samples.png(), "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"GIF89a\x01\x00", "image/gif"),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
    (samples.pdf(), "application/pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, domain.OLE),
    (samples.program(), "application/x-executable"),
    (b"\x7fELF\x02\x01", "application/x-executable"),
    (b"#!/bin/sh\necho hi", domain.TEXT),  # served as a download, never run
    ("客户,金额\n华为,100\n".encode(), domain.TEXT),
    ("客户,金额\n".encode("gb18030"), domain.TEXT),
    (b"\x00\x01\x02\x03", "application/octet-stream"),
    (b"<svg onload=alert(1)>", domain.TEXT),
])
def test_sniffing_reads_the_bytes(content, kind):
    assert domain.sniff(content) == kind


def test_zip_based_documents_are_told_apart(tmp_path):
    for name, content, kind in (
        ("a.docx", samples.office("docx"), fields.media.EXTENSIONS["docx"]),
        ("a.xlsx", samples.office("xlsx"), fields.media.EXTENSIONS["xlsx"]),
        ("a.zip", samples.plain_zip(), domain.ZIP),
        ("broken.zip", b"PK\x03\x04garbage", domain.ZIP),
    ):
        path = tmp_path / name
        path.write_bytes(content)
        assert domain.sniff(content[:8192], str(path)) == kind, name


def test_check_compares_extension_size_and_content():
    attachment, image = fields.get("attachment"), fields.get("image")
    field = _field("attachment", max_size_mb=1, extensions=["pdf", "docx", "csv"])
    domain.check(attachment, field, "合同.PDF", 100, "application/pdf")
    domain.check(attachment, field, "名单.csv", 100, domain.TEXT)
    cases = [("setup.exe", 100, "application/x-executable", "(got exe)"),
             ("合同.pdf", 2 * 1024 * 1024, "application/pdf", "(got 2 MB)"),
             ("合同.pdf", 100, "application/x-executable", "is not a pdf file"),
             ("合同.docx", 100, domain.ZIP, "is not a docx file"),
             ("合同.pdf", 0, "application/pdf", "is empty"),
             ("README", 10, domain.TEXT, "(got no extension)")]
    for name, size, sniffed, message in cases:
        with pytest.raises(ValueInvalid, match=message.replace("(", r"\(").replace(")", r"\)")):
            domain.check(attachment, field, name, size, sniffed)
    with pytest.raises(ValueInvalid, match="only pdf, docx, csv up to 1 MB are allowed"):
        domain.check(attachment, field, "x.exe", 1, "")
    with pytest.raises(ValueInvalid):
        domain.check(image, _field("image"), "x.svg", 10, domain.TEXT)


def test_served_types_for_documents_without_magic():
    assert domain.content_type("doc", domain.OLE) == "application/msword"
    assert domain.content_type("csv", domain.TEXT) == "text/csv"
    assert domain.content_type("png", "image/png") == "image/png"
    assert "image/svg+xml" not in domain.INLINE_TYPES


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(("raw", "expected"), [
    ("合同.pdf", "合同.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\me\\报价.xlsx", "报价.xlsx"),
    ("a\x00b.pdf", "ab.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),
    ("\u2066x\u2069.pdf", "x.pdf"),
    ("con<>:\"|?*.pdf", "con_______.pdf"),
    ("...", "file"),
    ("", "file"),
    (None, "file"),
    ("长" * 300 + ".pdf", "长" * 196 + ".pdf"),
    ("e\u0301.pdf", "\u00e9.pdf"),
])
def test_safe_names(raw, expected):
    assert domain.safe_name(raw) == expected

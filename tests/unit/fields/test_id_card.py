"""Chinese resident ID numbers: checksum, birth date, region, old 15-digit numbers."""

from __future__ import annotations

import pytest

from builder.fields import Field, ValueInvalid
from builder.fields.identity import IdCardType, birth_date, check_character, upgrade_15, validate

TYPE = IdCardType()


def _field(**config) -> Field:
    return Field(id="f_idno", type="id_card", label="ID", config=config)


@pytest.mark.parametrize(("first17", "check"), [
    ("11010519491231002", "X"),  # GB 11643-1999 example
    ("44052418800101001", "4"),  # GB 11643-1999 example
    ("33010619900307123", "6"),
    ("11010519991230001", "9"),
])
def test_check_character(first17, check):
    assert check_character(first17) == check


@pytest.mark.parametrize("raw", [
    "11010519491231002x", " 110105 19491231 002X ", "１１０１０５１９４９１２３１００２Ｘ",
    "110105-19491231-002X",
])
def test_spacing_width_and_case_are_normalised(raw):
    assert TYPE.coerce(_field(), raw) == "11010519491231002X"


@pytest.mark.parametrize(("raw", "message"), [
    ("110105194912310021", "the check digit should be X (got 1)"),
    ("110105199902300013", "the birth date 19990230 is not a real date"),
    ("110105209901010011", "the birth date 20990101 is in the future"),
    ("990105194912310024", "the first two digits 99 are not a province code"),
    ("11010519491231002", "must be 18 characters"),
    ("1101051949123100212", "(got 19)"),
    ("1101051949123100A2", "only digits"),
    ("110105491231002", "15-digit"),
])
def test_each_failure_says_what_is_wrong(raw, message):
    with pytest.raises(ValueInvalid) as caught:
        TYPE.coerce(_field(), raw)
    assert message in caught.value.message


def test_old_numbers_are_upgraded_when_allowed():
    assert upgrade_15("110105491231002") == "11010519491231002X"
    assert TYPE.coerce(_field(allow_15=True), "110105491231002") == "11010519491231002X"
    with pytest.raises(ValueInvalid, match="not a real date"):
        validate("110105990230001", allow_15=True)


def test_birth_date_is_read_from_the_number():
    assert birth_date("11010519491231002X").isoformat() == "1949-12-31"

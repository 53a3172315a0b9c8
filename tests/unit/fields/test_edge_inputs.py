"""Inputs at the edges found through the entry pages: refused with a message, never a crash."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel

from builder import fields
from builder.fields import Field, ValueInvalid

fields.register_all()
FIELD = Field(id="f_when01", type="datetime", label="When", config={})


@pytest.fixture(autouse=True)
def _ctx():
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield


@pytest.mark.parametrize("raw", ["0001-01-01T00:00", "9999-12-31T23:59-05:00",
                                 "9999-12-31T23:59Z", "0001-01-01T00:00+14:00"])
def test_extreme_datetimes_are_refused(raw):
    with pytest.raises(ValueInvalid):
        fields.get("datetime").coerce(FIELD, raw)


def test_ordinary_datetimes_still_display():
    value = fields.get("datetime").coerce(FIELD, "9000-06-01T08:00")
    assert fields.get("datetime").display(FIELD, value) == "9000-06-01 08:00"


@pytest.mark.parametrize("raw", ["[", "http://[::1", "https://[x]y.com"])
def test_malformed_urls_are_refused(raw):
    url = Field(id="f_link01", type="url", label="Site", config={})
    with pytest.raises(ValueInvalid):
        fields.get("url").coerce(url, raw)

"""Property tests: random input for every field type through the one write path.

Valid values are stored and read back equal; invalid ones are refused with a
message on the field and nothing is stored. Hostile strings never escape as an
unexpected exception.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder import fields
from builder.fields import Field, ValueInvalid
from runtime.records import service
from runtime.records.exceptions import ValidationFailed

fields.register_all()
WRITABLE = [t.type for t in fields.all_types() if (t.stored or t.side) and not t.readonly]
HOSTILE = st.sampled_from([
    "<script>alert(1)</script>", "'; DROP TABLE user_account; --", "\x00nul", "\u202eevil",
    "😀" * 50, "9" * 400, "-1e999999", "2026-02-30", "１２３", "  ", "null", "[]", "{}",
])
_ids = itertools.count(5000)


def _raw_values(type_key: str):
    field_type = fields.get(type_key)
    field = Field("f_value01", type_key, "值", field_type.sample_config())
    samples = [field_type.to_json(field, v) for v in field_type.sample_values(field)]
    return field, st.one_of(st.sampled_from(samples), st.text(max_size=300), HOSTILE,
                            st.integers(), st.booleans(), st.none())


@pytest.mark.parametrize("type_key", WRITABLE)
def test_random_input_is_stored_faithfully_or_refused_cleanly(app, make_form, make_user,
                                                              type_key):
    field, values = _raw_values(type_key)
    document_field = {"id": field.id, "type": type_key, "label": "值", "config": field.config}
    form = make_form(fields=[document_field], rules=[], form_id=next(_ids))
    user = make_user()
    field_type = fields.get(type_key)

    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(raw=values)
    def check(raw):
        with app.test_request_context(headers={"Accept-Language": "en"}):
            before = len(service.page(user, form, limit=500))
            try:
                expected = field_type.coerce(field, raw)
            except ValueInvalid:
                with pytest.raises(ValidationFailed) as caught:
                    service.create(user, form, {field.id: raw})
                assert caught.value.errors[field.id]
                assert len(service.page(user, form, limit=500)) == before
                return
            try:
                record = service.create(user, form, {field.id: raw})
            except ValidationFailed as refused:
                # ids of users or departments that do not exist are refused by the write path
                assert getattr(field_type, "references", None) and refused.errors[field.id]
                assert len(service.page(user, form, limit=500)) == before
                return
            assert service.get(user, form, record.id).values[field.id] == expected

    check()

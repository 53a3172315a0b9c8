"""Simultaneous submissions: the database, not luck, keeps unique values unique."""

from __future__ import annotations

import threading

from runtime.accounts.models import User
from runtime.records import service
from runtime.records.exceptions import ValidationFailed


def _in_threads(app, n, work):
    barrier = threading.Barrier(n)
    outcomes: list[object] = []
    lock = threading.Lock()

    def run(i):
        with app.test_request_context(headers={"Accept-Language": "en"}):
            barrier.wait()
            try:
                result = work(i)
            except Exception as exc:  # collected and asserted on below
                result = exc
            finally:
                from builder.db import db

                db.session.remove()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_fifty_simultaneous_same_company_names_make_one_record(app, make_form, make_user):
    form, user_id = make_form(), make_user().id
    names = ["杭州积木科技有限公司", "杭州积木科技股份有限公司", "杭州积木科技",
             "杭州积木科技 公司"]

    def work(i):
        from builder.db import db

        actor = db.session.get(User, user_id)
        return service.create(actor, form, {"f_name01": names[i % len(names)]})

    outcomes = _in_threads(app, 50, work)
    created = [o for o in outcomes if isinstance(o, service.Record)]
    refused = [o for o in outcomes if isinstance(o, ValidationFailed)]
    assert len(created) == 1, [o for o in outcomes if not isinstance(o, ValidationFailed)][:3]
    others = [o for o in outcomes if not isinstance(o, ValidationFailed | service.Record)]
    assert len(refused) == 49, others
    assert all("f_name01" in o.errors for o in refused)


def test_fifty_simultaneous_distinct_creates_all_succeed(app, make_form, make_user):
    form, user_id = make_form(), make_user().id

    def work(i):
        from builder.db import db

        actor = db.session.get(User, user_id)
        return service.create(actor, form, {"f_name01": f"公司 {i}"})

    outcomes = _in_threads(app, 50, work)
    assert all(isinstance(o, service.Record) for o in outcomes), outcomes[:3]
    assert len({o.id for o in outcomes}) == 50


def test_fifty_simultaneous_creates_get_fifty_gap_free_auto_numbers(app, make_form, make_user):
    fields = [{"id": "f_name01", "type": "text", "label": "名称", "config": {}},
              {"id": "f_serial", "type": "auto_number", "label": "编号", "config": {
                  "parts": [{"kind": "text", "text": "NO-"}, {"kind": "seq", "width": 3}]}}]
    form, user_id = make_form(fields=fields, rules=[]), make_user().id

    def work(i):
        from builder.db import db

        actor = db.session.get(User, user_id)
        return service.create(actor, form, {"f_name01": f"公司 {i}"})

    outcomes = _in_threads(app, 50, work)
    assert all(isinstance(o, service.Record) for o in outcomes), outcomes[:3]
    assert sorted(o.values["f_serial"] for o in outcomes) == [f"NO-{n:03d}" for n in range(1, 51)]

"""Values given in the address of a new-record page: ``?f_cust001=12`` ("add related").

Only link fields are prefilled, and only with records the person may see and choose
(the write path's own check): an id that is not there, is in the trash, is outside
the link's filter or the person's scope is dropped and the field says why.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..permissions import service as permissions
from . import entry, links
from .relations import Targets
from .schema import PublishedForm

MAX_IDS = 20


def _ids(raw: list[str]) -> list[int] | None:
    """Record numbers typed in ASCII digits, or None if any is not one."""
    ids = []
    for item in raw[:MAX_IDS]:
        text = item.strip()
        if not (text.isascii() and text.isdigit() and 0 < len(text) < 17):
            return None
        ids.append(int(text))
    return list(dict.fromkeys(ids))


def values(actor, form: PublishedForm, args: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The new record's form values (defaults, then the address's links) and any problems."""
    found = entry.initial_values(form, actor)
    problems: dict[str, list[str]] = {}
    targets = Targets()
    for f in form.fields:
        if f.type != "link" or f.id not in args or form.type_of(f.id).readonly:
            continue
        ids = _ids([v for v in args.getlist(f.id) if v.strip()])
        message = (_("choose a record by its number (got %(got)s)",
                     got=", ".join(args.getlist(f.id))[:40]) if ids is None else None)
        if ids and message is None:
            message = _checked(actor, f, ids, targets)
        if message:
            problems[f.id] = [message]
        elif ids:
            found[f.id] = [str(i) for i in ids] if f.config.get("multiple") else str(ids[0])
    return found, problems


def _checked(actor, link, ids: list[int], targets: Targets) -> str | None:
    t = targets.get_target(link.config.get("form"))
    if t is not None and not permissions.can(actor, t.published, "view"):
        return _("choose a record of %(form)s that exists", form=t.name)
    return links.problem(actor, link, ids if link.config.get("multiple") else ids[:1], targets)

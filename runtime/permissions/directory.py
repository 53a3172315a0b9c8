"""The people directory builder pages use (``builder.web.directory``), backed by accounts."""

from __future__ import annotations

import sqlalchemy as sa

from builder.db import db

from ..accounts.models import Department, User


class Directory:
    """Active users and live departments, for pickers and member lists."""

    def users(self) -> list[tuple[int, str, str]]:
        """Active users as (id, name, e-mail), by name."""
        rows = db.session.execute(sa.select(User.id, User.name, User.email)
                                  .where(User.is_active.is_(True)).order_by(User.name, User.id))
        return [(r.id, r.name, r.email) for r in rows]

    def departments(self) -> list[tuple[int, str]]:
        """Departments that are not archived as (id, "Parent / Child"), in tree order."""
        rows = db.session.execute(sa.select(Department.id, Department.name, Department.parent_id,
                                            Department.position, Department.archived_at)).all()
        by_parent: dict[int | None, list] = {}
        for row in rows:
            by_parent.setdefault(row.parent_id, []).append(row)
        out: list[tuple[int, str]] = []

        def walk(parent: int | None, prefix: str, depth: int) -> None:
            for row in sorted(by_parent.get(parent, []), key=lambda r: (r.position, r.name)):
                if row.archived_at is not None or depth > 64:
                    continue
                label = f"{prefix}{row.name}"
                out.append((row.id, label))
                walk(row.id, f"{label} / ", depth + 1)

        walk(None, "", 0)
        return out


def init_app(app) -> None:
    """Register the directory for builder pages."""
    app.extensions.setdefault("jimu.directory", Directory())

"""App services: each takes the acting user first and owns its transaction."""

from __future__ import annotations

from sqlalchemy import select

from builder.db import db

from .models import App


def list_apps(actor) -> list[App]:
    """The apps the actor can open, in the builder's order."""
    return list(
        db.session.scalars(
            select(App).where(App.deleted_at.is_(None)).order_by(App.position, App.id)
        )
    )


def seed_app(key: str, name: str, description: str, *, icon: str, color: str) -> App:
    """Add an app without an acting user (demo seeding; no commit)."""
    from sqlalchemy import func

    position = (db.session.scalar(select(func.max(App.position))) or 0) + 1
    document = {"schema_version": 1, "key": key, "name": name, "description": description,
                "icon": icon, "color": color, "forms": []}
    app = App(key=key, name=name, position=position, document=document)
    db.session.add(app)
    return app

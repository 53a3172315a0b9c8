"""Flask extensions, created unbound and attached in :func:`runtime.create_app`."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from builder.db import db

__all__ = ["babel", "csrf", "db", "htmx", "migrate"]

babel = Babel()
csrf = CSRFProtect()
htmx = Htmx()


class LazyMigrate:
    """Flask-Migrate, set up the first time something asks for it.

    Flask-Migrate imports Alembic (about 10 MiB per process); web workers never
    migrate, so ``app.extensions["migrate"]`` is only made when
    ``flask_migrate.upgrade()`` or migrations/env.py looks it up, or when the
    ``jimu`` command line asks for its ``db`` commands (:meth:`set_up`).
    """

    def init_app(self, app: Flask, db: Any, directory: str) -> None:
        """Arrange for Flask-Migrate to be set up on ``app`` on first use."""
        app.extensions = _MigrateOnDemand(app.extensions, (app, db, directory))

    @staticmethod
    def set_up(app: Flask) -> None:
        """Set Flask-Migrate up now (it adds the ``db`` commands to ``app.cli``)."""
        app.extensions["migrate"]  # noqa: B018  (the lookup does it)


class _MigrateOnDemand(dict):
    """``app.extensions``, creating the "migrate" entry when it is first read."""

    def __init__(self, items: dict[str, Any], migrate_args: tuple[Flask, Any, str]):
        super().__init__(items)
        self.migrate_args = migrate_args

    def __missing__(self, key: str) -> Any:
        if key != "migrate":
            raise KeyError(key)
        from flask_migrate import Migrate

        app, db, directory = self.migrate_args
        Migrate(app, db, directory=directory)  # stores self["migrate"]
        return self["migrate"]


migrate = LazyMigrate()

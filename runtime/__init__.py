"""Run time: accounts, pages, records, jobs. ``create_app`` builds the web app."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import config as config_module
from .extensions import babel, csrf, db, htmx, migrate


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application; ``config`` overrides the environment."""
    app = Flask(
        __name__,
        template_folder=str(config_module.ROOT / "templates"),
        static_folder=str(config_module.ROOT / "static"),
    )
    app.config.from_mapping(config_module.from_env())
    if config:
        app.config.from_mapping(config)
    _init_extensions(app)
    _register_models()
    _register_blueprints(app)
    from builder import fields, views

    from .audit import listeners as audit_listeners
    from .jobs import registry as job_registry
    from .permissions import directory as permissions_directory
    from .permissions import listeners as permissions_listeners
    from .records import publishing
    from .views import audience as view_audience
    from .views import cells as view_cells

    fields.register_all()
    views.register_all()
    view_cells.register_all()
    job_registry.register_all()
    publishing.init_app(app)
    audit_listeners.init_app()
    permissions_listeners.init_app()
    permissions_directory.init_app(app)
    view_audience.init_app(app)
    from .shell import web

    web.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from pathlib import Path

    from .i18n import select_locale

    Path(app.config["JIMU_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    elif uri.startswith("postgres"):
        # No server-side prepared statements: a field's type change swaps its column under
        # the same name, and a statement prepared before fails ("cached plan must not
        # change result type") on every pooled connection that had prepared it.
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("prepare_threshold", None)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.ROOT / "migrations"))
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_locale=app.config["JIMU_DEFAULT_LANGUAGE"],
        default_translation_directories=";".join(_translation_dirs()),
    )
    csrf.init_app(app)
    htmx.init_app(app)


def _translation_dirs() -> list[str]:
    """Every package keeps its own catalog in a ``translations`` folder; Babel merges them."""
    root = config_module.ROOT
    found = sorted({str(p.parent.parent) for pkg in ("builder", "runtime") for p in
                    (root / pkg).glob("**/translations/*/LC_MESSAGES")})
    return found or [str(root / "runtime" / "translations")]


def _register_models() -> None:
    # Importing the model modules registers their tables on db.metadata.
    from builder.apps import models as _apps  # noqa: F401
    from builder.forms import models as _forms  # noqa: F401
    from builder.roles import models as _roles  # noqa: F401
    from builder.views import domain as _view_checks  # noqa: F401
    from builder.views import models as _views  # noqa: F401

    from .accounts import models as _accounts  # noqa: F401
    from .audit import models as _audit  # noqa: F401
    from .files import models as _files  # noqa: F401
    from .jobs import models as _jobs  # noqa: F401
    from .mail import models as _mail  # noqa: F401
    from .org import models as _org  # noqa: F401
    from .permissions import models as _permissions  # noqa: F401
    from .records import counters as _record_counters  # noqa: F401
    from .records import models as _records  # noqa: F401
    from .transfer import models as _transfer  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from builder.apps.routes import bp as builder_apps_bp
    from builder.forms.routes import bp as builder_forms_bp
    from builder.roles.routes import bp as builder_roles_bp

    from .accounts.admin_routes import bp as users_admin_bp
    from .accounts.routes import bp as accounts_bp
    from .audit.routes import bp as audit_bp
    from .files.routes import bp as files_bp
    from .jobs.routes import bp as jobs_bp
    from .mail.routes import bp as mail_bp
    from .org.routes import bp as org_bp
    from .permissions.routes import bp as permissions_bp
    from .records.routes import bp as records_bp
    from .records.widgets import bp as fields_bp
    from .shell.routes import bp as shell_bp
    from .transfer.routes import bp as transfer_bp
    from .views.board_routes import bp as boards_bp
    from .views.routes import bp as views_bp
    from .workspace.routes import bp as workspace_bp

    for bp in (shell_bp, accounts_bp, users_admin_bp, jobs_bp, mail_bp, builder_apps_bp,
               workspace_bp, builder_forms_bp, records_bp, fields_bp, views_bp, org_bp,
               audit_bp, files_bp, builder_roles_bp, permissions_bp, transfer_bp, boards_bp):
        app.register_blueprint(bp)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL, foreign keys and a busy timeout on every SQLite connection."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


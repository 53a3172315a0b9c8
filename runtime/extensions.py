"""Flask extensions, created unbound and attached in :func:`runtime.create_app`."""

from __future__ import annotations

from flask_babel import Babel
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from builder.db import db

__all__ = ["babel", "csrf", "db", "htmx", "migrate"]

babel = Babel()
csrf = CSRFProtect()
htmx = Htmx()
migrate = Migrate()

"""Configuration from environment variables (documented in README.md)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from .exceptions import ConfigurationError

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "jimu-development-key-do-not-use-in-production"  # noqa: S105
LANGUAGES = ("zh_CN", "en")


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_env(env: dict[str, str] | None = None) -> dict:
    """Build the Flask config mapping from environment variables."""
    env = dict(os.environ if env is None else env)
    mode = env.get("JIMU_ENV", "development").lower()
    data_dir = Path(env.get("JIMU_DATA_DIR", ROOT / "data")).resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'jimu.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://") :]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    secret = env.get("SECRET_KEY") or ""
    if mode == "production" and (not secret or secret == DEV_SECRET_KEY or len(secret) < 32):
        raise ConfigurationError(
            "SECRET_KEY must be set to a random value of at least 32 characters "
            "when JIMU_ENV=production (e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')."
        )
    language = env.get("JIMU_DEFAULT_LANGUAGE", "zh_CN")
    if language not in LANGUAGES:
        raise ConfigurationError(
            f"JIMU_DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)} (got {language!r})."
        )
    production = mode == "production"
    return {
        "JIMU_ENV": mode,
        "SECRET_KEY": secret or DEV_SECRET_KEY,
        "JIMU_DATA_DIR": str(data_dir),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": env.get("REDIS_URL") or None,
        "JIMU_QUEUE": env.get("JIMU_QUEUE", "jimu"),
        "JIMU_BASE_URL": env.get("JIMU_BASE_URL", "http://127.0.0.1:5000"),
        "JIMU_DEFAULT_LANGUAGE": language,
        "JIMU_EMBEDDED_WORKER": _bool(env.get("JIMU_EMBEDDED_WORKER"), True),
        "JIMU_JOB_LEASE_SECONDS": int(env.get("JIMU_JOB_LEASE_SECONDS", "300")),
        "JIMU_DISPATCH_INTERVAL": float(env.get("JIMU_DISPATCH_INTERVAL", "2")),
        "JIMU_REDISPATCH_AFTER": int(env.get("JIMU_REDISPATCH_AFTER", "60")),
        "SMTP_HOST": env.get("SMTP_HOST") or None,
        "SMTP_PORT": int(env.get("SMTP_PORT", "587")),
        "SMTP_USERNAME": env.get("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS"), True),
        "SMTP_SSL": _bool(env.get("SMTP_SSL"), False),
        "MAIL_FROM": env.get("MAIL_FROM", "Jimu <no-reply@localhost>"),
        "SESSION_COOKIE_SECURE": _bool(env.get("JIMU_SECURE_COOKIES"), production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "jimu_session",
        # "Keep me signed in" makes the cookie permanent for this long (matches
        # accounts.service.REMEMBER_DAYS); otherwise it is a browser-session cookie.
        "PERMANENT_SESSION_LIFETIME": timedelta(days=30),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": int(env.get("JIMU_MAX_UPLOAD_MB", "64")) * 1024 * 1024,
    }

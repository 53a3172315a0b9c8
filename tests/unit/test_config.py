"""Configuration from the environment."""

from __future__ import annotations

import pytest

from runtime.config import DEV_SECRET_KEY, from_env
from runtime.exceptions import ConfigurationError


def test_defaults_are_sqlite_in_the_data_dir_and_embedded_queue(tmp_path):
    config = from_env({"JIMU_DATA_DIR": str(tmp_path)})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'jimu.db'}"
    assert config["REDIS_URL"] is None
    assert config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize("secret", ["", DEV_SECRET_KEY, "short"])
def test_production_refuses_a_missing_default_or_weak_secret(secret):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        from_env({"JIMU_ENV": "production", "SECRET_KEY": secret})


def test_production_with_a_real_secret_uses_secure_cookies():
    config = from_env({"JIMU_ENV": "production", "SECRET_KEY": "x" * 40,
                       "DATABASE_URL": "postgres://u@h/db"})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_unknown_default_language_is_refused():
    with pytest.raises(ConfigurationError, match="JIMU_DEFAULT_LANGUAGE"):
        from_env({"JIMU_DEFAULT_LANGUAGE": "fr"})

"""A web worker stays lean: Alembic loads only where migrations run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _python(code: str, tmp_path: Path) -> str:
    env = dict(os.environ, JIMU_DATA_DIR=str(tmp_path), JIMU_EMBEDDED_WORKER="0")
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=120).stdout


def test_the_wsgi_app_does_not_load_alembic(tmp_path):
    out = _python("import sys, wsgi; print('alembic' in sys.modules, "
                  "'flask_migrate' in sys.modules)", tmp_path)
    assert out.split() == ["False", "False"]


def test_migrations_set_flask_migrate_up_on_first_use(tmp_path):
    out = _python("import sys, wsgi\n"
                  "from flask_migrate import upgrade\n"
                  "with wsgi.app.app_context():\n"
                  "    upgrade()\n"
                  "    print(type(wsgi.app.extensions['migrate']).__name__)\n", tmp_path)
    assert out.split()[-1] == "_MigrateConfig"
    assert (tmp_path / "jimu.db").stat().st_size > 0


def test_the_command_line_offers_the_db_commands(tmp_path):
    env = dict(os.environ, JIMU_DATA_DIR=str(tmp_path))
    env.pop("DATABASE_URL", None)
    jimu = Path(sys.executable).with_name("jimu")
    out = subprocess.run([str(jimu), "db", "--help"], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout
    assert "upgrade" in out and "migrate" in out

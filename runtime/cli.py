"""The ``jimu`` command: run, worker, db, create-admin, demo."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext


def _factory() -> Flask:
    from . import create_app
    from .extensions import migrate

    app = create_app()
    migrate.set_up(app)  # the db commands (web workers leave Alembic unloaded)
    return app


@click.group(cls=FlaskGroup, create_app=_factory, add_default_commands=False,
             add_version_option=False, load_dotenv=False)
def main() -> None:
    """Jimu (积木) — a low-code platform."""



@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo/--no-demo", default=False, help="Seed the demo instance if it is empty.")
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
@with_appcontext
def run_command(host: str, port: int, demo: bool, reload: bool) -> None:
    """Upgrade the database, optionally seed the demo, serve the web app and a worker."""
    from werkzeug.serving import run_simple

    from .demo import print_credentials, seed_demo

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _upgrade()
    if demo:
        seed_demo()
        print_credentials(app)
    in_reloader_child = os.environ.get("WERKZEUG_RUN_MAIN") == "true"
    if (not reload or in_reloader_child) and app.config["JIMU_EMBEDDED_WORKER"]:
        _start_background_work(app)
    click.echo(f" * Jimu is running on http://{host}:{port}/  (Ctrl+C to stop)")
    run_simple(host, port, app, threaded=True, use_reloader=reload, use_debugger=False)


def _start_background_work(app: Flask) -> None:
    if app.config["REDIS_URL"]:
        click.echo(" * Jobs go to Redis; start workers with `jimu worker`.")
        from .jobs import dispatcher

        dispatcher.start_thread(app)
        return
    from .jobs import embedded

    embedded.start(app)
    click.echo(" * Embedded job worker started (no REDIS_URL set).")


def _upgrade() -> None:
    from flask_migrate import upgrade

    upgrade()


@main.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run an RQ worker (with scheduler) and the outbox dispatcher against REDIS_URL."""
    from .jobs import worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["REDIS_URL"]:
        click.echo("REDIS_URL is not set: `jimu run` already runs an embedded worker.", err=True)
        sys.exit(2)
    worker.run(app, burst=burst)


@main.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
@with_appcontext
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create an administrator account."""
    from builder.db import db

    from .accounts import service
    from .accounts.passwords import MIN_LENGTH

    if len(password) < MIN_LENGTH:
        raise click.BadParameter(f"must be at least {MIN_LENGTH} characters", param_hint="password")
    if service.find_user_by_email(email):
        raise click.BadParameter(f"{email} already has an account", param_hint="email")
    service.create_user(email, name, password, is_admin=True)
    db.session.commit()
    click.echo(f"Administrator {email} created.")


@main.command("demo")
@with_appcontext
def demo_command() -> None:
    """Seed the demo instance (departments, users, the sample CRM) if it is empty."""
    from .demo import print_credentials, seed_demo

    _upgrade()
    seed_demo()
    print_credentials(current_app)

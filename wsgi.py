"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from runtime import create_app

app = create_app()

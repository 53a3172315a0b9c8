"""What builder pages need from the web layer, without importing the runtime.

The runtime loads the signed-in user into ``g.user`` before every request and
refuses anonymous requests unless a view is marked :func:`public`.
"""

from __future__ import annotations

from typing import Any, Protocol

from flask import g


class Actor(Protocol):
    """The acting user as the builder sees it."""

    id: int
    is_admin: bool


def public(view: Any) -> Any:
    """Mark a view as reachable without signing in."""
    view.jimu_public = True
    return view


def current_actor() -> Actor:
    """The signed-in user (the runtime guarantees one on non-public views)."""
    return g.user


def render(template: str, *, block: str | None = None, status: int = 200, **context: Any):
    """Render a page, or only its named ``block`` for an htmx request.

    Every response says ``Vary: HX-Request`` because the same URL answers a
    full page or a fragment depending on that header. History-restore requests
    always get the full page.
    """
    from flask import current_app, make_response, render_template, request

    is_htmx = request.headers.get("HX-Request") == "true"
    restore = request.headers.get("HX-History-Restore-Request") == "true"
    if block and is_htmx and not restore:
        app = current_app
        tmpl = app.jinja_env.get_template(template)
        ctx = tmpl.new_context(_template_context(context))
        body = "".join(tmpl.blocks[block](ctx))
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def _template_context(context: dict[str, Any]) -> dict[str, Any]:
    from flask import current_app

    merged: dict[str, Any] = {}
    current_app.update_template_context(merged)
    merged.update(context)
    return merged


def safe_next(target: str | None) -> str:
    """Only follow same-site relative paths."""
    from urllib.parse import urlsplit

    from flask import url_for

    if not target or "\\" in target:
        return url_for("shell.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("shell.home")
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//"):
        return url_for("shell.home")
    return path + (f"?{parts.query}" if parts.query else "")

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
        variables = _template_context(context)
        variables.update(_imported_names(app.jinja_env, template, variables))
        ctx = tmpl.new_context(variables)
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


def _imported_names(env: Any, name: str, variables: dict[str, Any]) -> dict[str, Any]:
    """Macros a template (or a template it extends) imports at its top level.

    Rendering one block skips the template's top-level code, so a block that
    calls ``icon()`` imported above it would fail; bind those imports here.
    """
    from jinja2 import nodes

    names: dict[str, Any] = {}
    for node in reversed(_top_level_imports(env, name)):
        module = env.get_template(node.template.value).make_module(
            variables if node.with_context else None)
        if isinstance(node, nodes.Import):
            names[node.target] = module
            continue
        for item in node.names:
            source, alias = item if isinstance(item, tuple) else (item, item)
            names[alias] = getattr(module, source)
    return names


_IMPORTS_CACHE: dict[tuple[int, str], list[Any]] = {}


def _top_level_imports(env: Any, name: str) -> list[Any]:
    """Import nodes at the top of ``name`` and of the templates it extends, child first."""
    from jinja2 import nodes

    cache_key = (id(env), name)
    if not env.auto_reload and cache_key in _IMPORTS_CACHE:
        return _IMPORTS_CACHE[cache_key]
    found: list[Any] = []
    seen: set[str] = set()
    while name and name not in seen:
        seen.add(name)
        ast = env.parse(env.loader.get_source(env, name)[0])
        parent = None
        for node in ast.body:
            if isinstance(node, nodes.Import | nodes.FromImport) and isinstance(
                    node.template, nodes.Const):
                found.append(node)
            elif isinstance(node, nodes.Extends) and isinstance(node.template, nodes.Const):
                parent = node.template.value
        name = parent
    _IMPORTS_CACHE[cache_key] = found
    return found


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


def user_names(ids: set[int | None]) -> dict[int, str]:
    """Display names of users by id, for history lists.

    Users belong to the runtime, which the builder may not import: the runtime
    registers a resolver as ``app.extensions["jimu.user_names"]``. Without one,
    nobody has a name and pages fall back to "user #id".
    """
    from flask import current_app

    resolver = current_app.extensions.get("jimu.user_names")
    wanted = {i for i in ids if i is not None}
    return dict(resolver(wanted)) if resolver and wanted else {}


class Directory(Protocol):
    """People and departments as builder pages need them (the runtime provides it)."""

    def users(self) -> list[tuple[int, str, str]]:
        """Active users as (id, name, e-mail), by name."""
        ...

    def departments(self) -> list[tuple[int, str]]:
        """Departments that are not archived as (id, path label), in tree order."""
        ...


class _NoDirectory:
    """Nobody and nothing: the builder alone (tests of the builder without the runtime)."""

    def users(self) -> list[tuple[int, str, str]]:
        return []

    def departments(self) -> list[tuple[int, str]]:
        return []


def directory() -> Directory:
    """The people directory registered by the runtime as ``app.extensions["jimu.directory"]``."""
    from flask import current_app

    return current_app.extensions.get("jimu.directory") or _NoDirectory()

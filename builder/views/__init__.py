"""The view-type registry. Types are registered explicitly by :func:`register_all`.

A view is a saved way of looking at one form's records (a table, later a kanban
board, a calendar, a gallery). Its document (``view.schema.json``) holds what
every type shares (name, filter, sort, sharing) and a ``config`` object that the
view's type validates with its own ``config_schema``.
"""

from __future__ import annotations

from .base import ViewType

__all__ = ["ViewType", "all_types", "get", "register", "register_all"]

_registry: dict[str, ViewType] = {}


def register(view_type: ViewType) -> None:
    """Add a type; a key registered twice is a programming error."""
    if view_type.type in _registry:
        raise ValueError(f"view type {view_type.type!r} is already registered")
    _registry[view_type.type] = view_type


def get(key: str) -> ViewType:
    """The type registered as ``key`` (KeyError if none)."""
    return _registry[key]


def all_types() -> list[ViewType]:
    """Every registered type in registration order."""
    return list(_registry.values())


def register_all() -> None:
    """Register the built-in types once (called by the app factory and by tests)."""
    if _registry:
        return
    from .boards import CalendarViewType, GalleryViewType, KanbanViewType
    from .table import TableViewType

    for cls in (TableViewType, KanbanViewType, CalendarViewType, GalleryViewType):
        register(cls())

"""Errors of the views package."""

from __future__ import annotations

from ..exceptions import JimuError, NotFound


class ViewNotFound(NotFound):
    """No such view of this form, or the actor may not see it."""


class ViewChanged(JimuError):
    """Someone saved the view after it was opened; nothing was overwritten (409)."""

    status = 409

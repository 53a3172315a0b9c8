"""Errors of the records package."""

from __future__ import annotations

from typing import Any

from builder.exceptions import JimuError, NotFound, ValidationFailed

__all__ = ["FormNotPublished", "RecordNotFound", "StaleRecord", "ValidationFailed"]


class RecordNotFound(NotFound):
    """No such record in this form, or the actor may not see it."""


class StaleRecord(JimuError):
    """Someone else saved the record after it was opened; nothing was overwritten."""

    status = 409

    def __init__(self, current: Any, submitted: dict[str, Any]):
        self.current = current
        self.submitted = submitted
        super().__init__(f"record {current.id} changed (now version {current.row_version})")


class FormNotPublished(NotFound):
    """The form exists but has no published version yet, so staff cannot use it."""

    def __init__(self, app: Any, form: Any):
        self.app = app
        self.form = form
        super().__init__(f"form {form.key} of app {app.key} is not published")

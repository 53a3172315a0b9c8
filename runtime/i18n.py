"""Language selection: the user's choice, else the browser's, else the default."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session

from .config import LANGUAGES

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def select_locale() -> str:
    """Pick the locale for this request (jobs and scripts get the default)."""
    if not has_request_context():
        return current_app.config["JIMU_DEFAULT_LANGUAGE"]
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    user = g.get("user")
    if user is not None and user.language in LANGUAGES:
        return user.language
    if request.accept_languages:
        best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
        if best:
            return "en" if best == "en" else "zh_CN"
    return current_app.config["JIMU_DEFAULT_LANGUAGE"]


def html_lang(locale: str) -> str:
    """The value for ``<html lang>``."""
    return "zh-CN" if locale.startswith("zh") else "en"

"""Language and time-zone selection, and translating domain errors for the page."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, request, session
from flask_babel import format_datetime, gettext

from ..domain.errors import DomainError
from ..domain.rules import label as rule_label


def select_locale() -> str:
    """The language chosen with the switch, else zh_CN (the centre's default)."""
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Times are shown in Asia/Shanghai."""
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _show(value):
    """Format one message parameter for display (times in Asia/Shanghai)."""
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd HH:mm")
    return value


def error_text(error: DomainError) -> str:
    """The translated message with its parameters, followed by the rule that decided."""
    params = {key: _show(value) for key, value in error.params.items()}
    text = gettext(error.message, **params) if params else gettext(error.message)
    if error.rule:
        try:
            named = rule_label(error.rule)
        except KeyError:
            named = error.rule
        text += " " + gettext("[rule %(rule)s]", rule=named)
    return text


def wants_json() -> bool:
    """True for API calls that want JSON errors instead of pages."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"

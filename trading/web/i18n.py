"""Language and time-zone selection, and translating domain errors for the page."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import current_app, request, session
from flask_babel import format_datetime, gettext

from ..domain.errors import DomainError
from ..domain.money import format_yuan
from .labels import Refusal, code_names


def select_locale() -> str:
    """The language chosen with the switch, else zh_CN (the centre's default)."""
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Times are shown in Asia/Shanghai."""
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _show(key: str, value, names: dict):
    """Format one message parameter for display: times in Asia/Shanghai, codes by their names."""
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd HH:mm")
    if isinstance(value, Decimal):
        return format_yuan(value)
    if isinstance(value, str) and key in names:
        return names[key].get(value, value)
    return value


def message_text(message: str, params: dict) -> str:
    """A domain message (msgid) translated, with its parameters shown (times, money, code names)."""
    names = code_names()
    shown = {key: _show(key, value, names) for key, value in params.items()}
    return gettext(message, **shown) if shown else gettext(message)


def error_text(error: DomainError) -> Refusal:
    """The translated message with its parameters, followed by the rule that decided (its law and article; the
    id and full source in the page's tooltip)."""
    return Refusal(message_text(error.message, error.params), error.rule)


def wants_json() -> bool:
    """True for API calls that want JSON errors instead of pages."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"

"""Errors of the JSON API v1 as RFC 9457 problem documents (``application/problem+json``).

Every refusal names the field it is about and, where a legal rule decided, the rule id (the same ``DomainError``
the pages show); a request that fails the documented parameters lists each field with what is wrong. ``type`` is a
link to the section of the API reference page that explains the kind of problem.
"""

from __future__ import annotations

from http import HTTPStatus

from flask import current_app, json, request

from ...domain.errors import DomainError
from ..i18n import error_text

MEDIA_TYPE = "application/problem+json"
PREFIX = "/api/v1/"
KINDS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
         409: "conflict", 413: "too-large", 415: "unsupported-media-type", 422: "refused", 429: "too-many-requests",
         500: "server-error", 503: "unavailable"}


def is_api_request() -> bool:
    """True for a request to the API v1 (its errors are problem documents)."""
    return request.path.startswith(PREFIX) or request.path == PREFIX.rstrip("/")


def problem(status: int, detail: str | None = None, *, field: str | None = None, rule: str | None = None,
            errors: list[dict] | None = None, headers: dict | None = None):
    """A problem document response."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body = {"type": f"/api/v1/docs#problem-{KINDS.get(status, 'error')}", "title": phrase, "status": status,
            "detail": str(detail) if detail else phrase, "instance": request.path, "field": field, "rule": rule}
    if errors:
        body["errors"] = errors
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_domain(error: DomainError, status: int = 422, headers: dict | None = None):
    """The problem document of a refusal: the translated message with its rule, the field and the rule id."""
    return problem(status, error_text(error), field=error.field, rule=error.rule, headers=headers)


def _flatten(messages, location: str, path: str = "") -> list[dict]:
    """webargs' nested ``{location: {field: [messages]}}`` as a flat list of ``{field, location, detail}``."""
    found: list[dict] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            found += _flatten(value, location, f"{path}.{key}" if path else str(key))
    elif isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        found += [{"field": path, "location": location, "detail": message} for message in messages]
    elif isinstance(messages, list | tuple):
        for message in messages:
            found += _flatten(message, location, path)
    else:
        found.append({"field": path, "location": location, "detail": str(messages)})
    return found


def from_http(error):
    """The problem document of an HTTP error raised in an API view (webargs' 422 lists the fields)."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    errors: list[dict] = []
    if isinstance(messages, dict):
        for location, fields in messages.items():
            errors += _flatten(fields, location)
    headers = dict(data.get("headers") or {})
    if error.code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if errors:
        first = errors[0]
        detail = "; ".join(f"{e['field']}: {e['detail']}" for e in errors)
        return problem(error.code, detail, field=first["field"], errors=errors,
                       headers=headers)
    return problem(error.code or 500, data.get("message") or getattr(error, "description", None), headers=headers)


def dumps(value) -> str:
    """JSON text as the API writes it."""
    return json.dumps(value, ensure_ascii=False)


def refusal(blueprint, status: int, description: str):
    """Document that a route may answer ``status`` with a problem document (``description``: when)."""
    from .schemas import Problem

    return blueprint.alt_response(status, schema=Problem, description=description, content_type=MEDIA_TYPE)

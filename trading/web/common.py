"""Helpers every blueprint uses: the request's time, role checks, safe redirects, form errors."""

from __future__ import annotations

import inspect
from functools import cache, wraps
from urllib.parse import urljoin, urlsplit

from flask import abort, flash, g, request
from flask_login import current_user

from ..clock import current_clock
from ..domain.errors import DomainError
from .fields import Form
from .i18n import error_text

MAX_NEXT = 2000  # characters of a ``next`` address


class ActionForm(Form):
    """A button, or a form whose fields the view reads itself: the CSRF token only."""


def now():
    """The platform time for this request (read once, then reused)."""
    if "now" not in g:
        g.now = current_clock().now()
    return g.now


def choices(pairs) -> list:
    """Select options from (value, label) pairs, in the form WTForms 3.3 expects."""
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice(value, label) for value, label in pairs]


def roles_required(*roles: str):
    """Allow the view only to logged-in users holding one of ``roles`` (else 401 -> login, or 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from ..extensions import login_manager

                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.roles_required = roles
        return wrapped

    return decorator


def is_safe_next(target: str | None) -> bool:
    """True for a relative path on this site (no scheme, no host, no backslash tricks, no control characters or
    spaces, which could split the Location header or hide a host)."""
    if not target or len(target) > MAX_NEXT or "\\" in target or target.startswith("//"):
        return False
    if any(ch.isspace() or not ch.isprintable() for ch in target):
        return False
    here = urlsplit(request.host_url)
    there = urlsplit(urljoin(request.host_url, target))
    return there.scheme in ("http", "https") and there.netloc == here.netloc and target.startswith("/")


def form_error(form, error: DomainError) -> None:
    """Put a domain refusal on the form field it names, or flash it when no field fits."""
    text = error_text(error)
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*list(field.errors), text]
    else:
        flash(text, "danger")


def flash_errors(form) -> None:
    """Flash a form's validation errors, one message per field, for a view that redirects instead of showing the
    form again."""
    for errors in form.errors.values():
        flash("; ".join(str(e) for e in errors), "danger")


@cache
def takes_ctx(service) -> bool:
    """Whether a service takes the platform context first (``def service(ctx, session, actor, now, ...)``)."""
    return next(iter(inspect.signature(service).parameters), None) == "ctx"


def perform(service, *args, form=None, ok: str | None = None, **kwargs):
    """Call ``service(session, current_user, now, ...)``, or ``service(ctx, session, current_user, now, ...)`` with
    the app's platform context for a service that takes one; commit and flash ``ok``, or roll back and show the
    refusal on ``form`` (or flash it). Returns (result, True) or (None, False)."""
    from ..extensions import db
    from ..platform import current_platform

    leading = (current_platform(),) if takes_ctx(service) else ()
    try:
        result = service(*leading, db.session, current_user, now(), *args, **kwargs)
    except DomainError as error:
        db.session.rollback()
        if form is not None:
            form_error(form, error)
        else:
            flash(error_text(error), "danger")
        return None, False
    db.session.commit()
    if ok:
        flash(ok, "success")
    return result, True


def client_address() -> str | None:
    """The client's address as the proxy chain reports it (ProxyFix sets remote_addr)."""
    return request.remote_addr

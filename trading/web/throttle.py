"""Throttling of login attempts (Flask-Limiter, rule ``auth.throttle``), in place of locking accounts.

Only failed attempts count (a view marks one with ``attempt_failed()``). A wrong password is counted per client
address and login name (``LOGIN_RATE_LIMIT``) and per client address whatever the name
(``LOGIN_ADDRESS_RATE_LIMIT``); the login form and the bidder tool's API share the counts. A wrong second-factor
code is counted per client address and user, per client address, and per user from every address
(``SECOND_FACTOR_USER_RATE_LIMIT``: whoever types codes already knows the password). Once a count is full the
next attempt is refused with a 429 page before anything is checked; no account is ever locked, so an attacker's
password guesses never keep its owner out from another address.

The public report form (举报, rule ``report.throttle``) is the one form anyone may send without logging in: the reports
an address saved count against ``REPORT_RATE_LIMIT``, and the follow-up codes it tried that open no report against
``REPORT_LOOKUP_RATE_LIMIT`` (a code has 192 random bits: the limit only keeps a guesser from loading the server).
"""

from __future__ import annotations

import time

from flask import current_app, g, request

from ..domain.errors import N_, DomainError
from ..extensions import limiter
from .common import client_address

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _address() -> str:
    return client_address() or "-"


def _per_name() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _per_address() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def login_name() -> str:
    """The login name a request tries: the form's, or HTTP Basic's (normalised as accounts.authenticate does)."""
    auth = request.authorization
    if auth is not None:
        name = auth.username
    elif request.mimetype in FORM_TYPES:
        name = request.form.get("username")
    else:  # never read a raw body (an envelope) here
        name = ""
    return (name or "").strip().lower()[:64]


def attempt_failed() -> None:
    """Count this request's attempt against its limits (called by the view when a password or code was wrong)."""
    g.attempt_failed = True


def _failed(response) -> bool:
    return bool(g.get("attempt_failed"))


def _per_user() -> str:
    return current_app.config["SECOND_FACTOR_USER_RATE_LIMIT"]


def _by_address(view):
    return limiter.shared_limit(_per_address, scope="login-address", key_func=_address, methods=["POST"],
                                deduct_when=_failed)(view)


def login_throttled(view):
    """Decorator for a route that checks a password: refuse (429) once this address has failed too often, for
    this login name or for all."""
    view = limiter.shared_limit(_per_name, scope="login", key_func=lambda: f"{_address()}|{login_name()}",
                                methods=["POST"], deduct_when=_failed)(view)
    return _by_address(view)


def token_throttled(view):
    """Decorator for an API route that checks a token (any method): refuse (429) once this address has failed too
    often, counted with the failed logins of the address."""
    return limiter.shared_limit(_per_address, scope="login-address", key_func=_address,
                                methods=["GET", "POST"], deduct_when=_failed)(view)


def code_throttled(user_id):
    """Decorator for a route that checks a second-factor code of the user ``user_id()`` names: refuse (429) once
    this address has failed too often for this user or for all, or the user's codes failed too often anywhere."""

    def decorate(view):
        view = limiter.shared_limit(_per_name, scope="second-factor", key_func=lambda: f"{_address()}|{user_id()}",
                                    methods=["POST"], deduct_when=_failed)(view)
        view = limiter.shared_limit(_per_user, scope="second-factor-user", key_func=lambda: f"user-{user_id()}",
                                    methods=["POST"], deduct_when=_failed)(view)
        return _by_address(view)

    return decorate


REPORT_ENDPOINTS = ("public.report_new", "public.report_follow")


def report_saved() -> None:
    """Count this request against the address's public reports (called by the view once a report is saved)."""
    g.report_saved = True


def report_throttled(view):
    """Decorator for the public report form: refuse (429) once this address has sent its share of reports."""
    return limiter.shared_limit(lambda: current_app.config["REPORT_RATE_LIMIT"], scope="public-report",
                                key_func=_address, methods=["POST"],
                                deduct_when=lambda response: bool(g.get("report_saved")))(view)


def lookup_throttled(view):
    """Decorator for the report follow-up page: refuse (429) once this address has tried too many codes that open
    no report."""
    return limiter.shared_limit(lambda: current_app.config["REPORT_LOOKUP_RATE_LIMIT"], scope="report-lookup",
                                key_func=_address, methods=["GET"],
                                deduct_when=lambda response: response.status_code == 404)(view)


def refusal() -> DomainError:
    """What a refused attempt is told: wait, with roughly how long, and the rule."""
    current = limiter.current_limit
    wait = max(1, round((current.reset_at - time.time()) / 60)) if current is not None else 1
    if request.endpoint in REPORT_ENDPOINTS:
        return DomainError(N_("Too many reports or follow-up codes from your address: wait %(minutes)s min and try "
                              "again. A report already sent is kept; follow it with its code."),
                           rule="report.throttle", minutes=wait)
    return DomainError(N_("Too many failed attempts from your address: wait %(minutes)s min and try again. The "
                          "account is not locked: its owner can still log in from elsewhere."),
                       rule="auth.throttle", minutes=wait)

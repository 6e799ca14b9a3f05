"""API tokens on the API v1: ``Authorization: Bearer tpt_...`` of an organisation's token holding the scope the
route needs (services/api_tokens.py). Checking a token writes nothing; a refused token counts against the
address's failed-login limit (trading/web/throttle.py), like the bidder tool's."""

from __future__ import annotations

from functools import wraps

from flask import g, request

from ...domain.errors import N_, DomainError, Forbidden
from ...extensions import db
from ...platform import current_platform
from ...services import api_tokens
from ..throttle import attempt_failed, token_throttled
from .problems import from_domain

CHALLENGE = 'Bearer realm="trading-platform"'


def requires_token(scope: str):
    """Run the view with ``g.api_user`` and ``g.api_token`` set, or answer 401/403 as a problem document."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            auth = request.authorization
            if auth is None or auth.type != "bearer":
                return from_domain(DomainError(N_("Send an API token of your company (Authorization: Bearer "
                                                  "tpt_...); issue one on your account page."), field="token"),
                                   401, {"WWW-Authenticate": CHALLENGE})
            try:
                g.api_user, g.api_token = api_tokens.authenticate(db.session, current_platform().now(), auth.token,
                                                                  scope)
            except Forbidden as error:
                return from_domain(error, 403)
            except DomainError as error:
                attempt_failed()
                return from_domain(error, 401, {"WWW-Authenticate": CHALLENGE})
            return view(*args, **kwargs)

        wrapped._api_scope = scope
        return token_throttled(wrapped)

    return decorate

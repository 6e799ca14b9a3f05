"""The JSON endpoint of the bidder tool: POST the envelope as the raw request body.

Authentication is an API token of the organisation with the ``bids`` scope (``Authorization: Bearer tpt_...``,
issued on the account page): one hash and one indexed lookup, nothing written. HTTP Basic with the bidder's login
still works for a release (it costs the slow password hash on every upload and is refused for accounts with a
second factor). Failures of either are throttled together with the login form's (trading/web/throttle.py). The
body must be sent as ``application/octet-stream``: a page on another site cannot send that type without the
browser asking first, so the endpoint needs no CSRF token.
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from sqlalchemy.exc import DBAPIError

from ...domain.errors import N_, DomainError, Forbidden
from ...extensions import csrf, db
from ...models import Lot
from ...platform import current_platform
from ...services import accounts, api_tokens, bids
from ..common import client_address
from ..edge import CONTROL_ANY
from ..i18n import error_text
from ..requests import large_body
from ..throttle import attempt_failed, login_throttled
from .blueprint import bp


def _plausible(text: str | None, limit: int) -> bool:
    """A login name or password the login form would accept: not too long, no control characters."""
    return bool(text) and len(text) <= limit and not CONTROL_ANY.search(text)


def _refuse(error: DomainError, status: int = 422):
    """A JSON refusal naming the field and rule."""
    return jsonify({"ok": False, "error": error_text(error), "field": error.field, "rule": error.rule}), status


def _caller(scope: str):
    """The user the request's credential names and how (``via`` for the audit), or a JSON refusal."""
    auth = request.authorization
    now = current_platform().now()
    if auth is not None and auth.type == "bearer":
        try:
            user, token = api_tokens.authenticate(db.session, now, auth.token, scope)
        except DomainError as error:
            attempt_failed()
            return None, "", _refuse(error, 403 if isinstance(error, Forbidden) else 401)
        return user, f"api_token:{token.prefix}", None
    if auth is None or auth.type != "basic" or not _plausible(auth.username, 64) or not _plausible(auth.password, 200):
        return None, "", (jsonify({"ok": False, "error": "login required (Authorization: Bearer <API token>)"}), 401)
    try:
        user = accounts.authenticate(db.session, now, username=auth.username or "", password=auth.password or "",
                                     address=client_address())
    except DomainError as error:
        db.session.commit()
        attempt_failed()
        return None, "", _refuse(error, 401)
    db.session.commit()
    if user.second_factor_on:  # HTTP Basic has no code step: such an account uses a token
        return None, "", _refuse(DomainError(N_("This account logs in with a second factor, which HTTP Basic cannot "
                                                "send: use an API token (your account page)."), field="username",
                                             rule="auth.second_factor"), 401)
    return user, "http_basic", None


@bp.route("/api/lots/<int:lot_id>/bids", methods=["POST"])
@large_body("MAX_ENVELOPE_BYTES", before_login=True)  # the credential is checked before the body is read
@csrf.exempt
@login_throttled
def api_submit(lot_id: int):
    """Receive an envelope from the bidder tool and answer with the signed receipt."""
    if request.mimetype != "application/octet-stream":
        return _refuse(DomainError(N_("Send the envelope as application/octet-stream."), field="envelope"), 415)
    user, via, refusal = _caller("bids")
    if refusal is not None:
        return refusal
    lot = db.session.get(Lot, lot_id)
    if lot is None:
        return jsonify({"ok": False, "error": "no such lot"}), 404
    try:
        bid = bids.submit(current_platform(), db.session, user, lot, request.stream, address=client_address() or "",
                          via=via, max_size=current_app.config["MAX_ENVELOPE_BYTES"])
    except DomainError as error:
        return _refuse(error, 409 if error.message == bids.UPLOAD_BUSY else 422)
    except DBAPIError:  # nothing was kept (submit rolled back and removed the envelope): the tool may send again
        current_app.logger.exception("bid upload failed in the database")
        response = jsonify({"ok": False, "error": "The platform could not store the bid and kept nothing of it; "
                                                  "send it again.", "field": "envelope", "rule": None})
        response.headers["Retry-After"] = "2"
        return response, 503
    return jsonify({"ok": True, "receipt": bid.receipt}), 201

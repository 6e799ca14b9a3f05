"""The JSON endpoint of the bidder tool: POST the envelope as the raw request body.

Authentication is HTTP Basic with the bidder's login (failures throttled together with the login form's,
trading/web/throttle.py). The body must be sent as
``application/octet-stream``: a page on another site cannot send that type without the browser asking first,
so the endpoint needs no CSRF token.
"""

from __future__ import annotations

from flask import current_app, jsonify, request

from ...clock import current_clock
from ...domain.errors import N_, DomainError
from ...extensions import csrf, db
from ...models import Lot
from ...services import accounts, bids
from ...storage import BlobTooLarge, blob_store
from ..common import client_address
from ..edge import CONTROL_ANY
from ..i18n import error_text
from ..requests import large_body
from ..throttle import attempt_failed, login_throttled
from .blueprint import bp, platform


def _plausible(text: str | None, limit: int) -> bool:
    """A login name or password the login form would accept: not too long, no control characters."""
    return bool(text) and len(text) <= limit and not CONTROL_ANY.search(text)


def _refuse(error: DomainError, status: int = 422):
    """A JSON refusal naming the field and rule."""
    return jsonify({"ok": False, "error": error_text(error), "field": error.field, "rule": error.rule}), status


@bp.route("/api/lots/<int:lot_id>/bids", methods=["POST"])
@large_body("MAX_ENVELOPE_BYTES", before_login=True)  # HTTP Basic is checked before the body is read
@csrf.exempt
@login_throttled
def api_submit(lot_id: int):
    """Receive an envelope from the bidder tool and answer with the signed receipt."""
    started = current_clock().now()
    auth = request.authorization
    if request.mimetype != "application/octet-stream":
        return _refuse(DomainError(N_("Send the envelope as application/octet-stream."), field="envelope"), 415)
    if auth is None or auth.type != "basic" or not _plausible(auth.username, 64) or not _plausible(auth.password, 200):
        return jsonify({"ok": False, "error": "login required (HTTP Basic)"}), 401
    cfg = current_app.config
    try:
        user = accounts.authenticate(db.session, started, username=auth.username or "", password=auth.password or "",
                                     address=client_address())
    except DomainError as error:
        db.session.commit()
        attempt_failed()
        return _refuse(error, 401)
    if user.second_factor_on:  # HTTP Basic has no code step: such an account uses the web form
        db.session.commit()
        return _refuse(DomainError(N_("This account logs in with a second factor, which the bidder tool cannot "
                                      "send: use an account without one."), field="username",
                                   rule="auth.second_factor"), 401)
    lot = db.session.get(Lot, lot_id)
    if lot is None:
        return jsonify({"ok": False, "error": "no such lot"}), 404
    try:
        guard = bids.begin_upload(db.session, user, started, lot)
    except DomainError as error:
        db.session.rollback()
        return _refuse(error, 409 if error.field == "envelope" else 422)
    db.session.commit()
    guard_id, blob = guard.id, None
    try:
        blob = blob_store().put(request.stream, max_size=cfg["MAX_ENVELOPE_BYTES"])
        bid = bids.accept(db.session, user, current_clock().now(), lot, blob, blob_store(), platform(),
                          guard_id=guard_id, address=client_address() or "")
    except (DomainError, BlobTooLarge) as error:
        db.session.rollback()
        bids.abandon(db.session, blob_store(), blob, guard_id)
        db.session.commit()
        if isinstance(error, BlobTooLarge):
            error = DomainError(N_("The envelope is larger than the limit of %(mib)s MiB."), field="envelope",
                                mib=error.limit // 2**20)
        return _refuse(error)
    db.session.commit()
    return jsonify({"ok": True, "receipt": bid.receipt}), 201

"""A bidder organisation's routes of the API v1, with its API token: its own sign-ups, deposits, bids and receipts
(scope ``read``) and the bid upload (scope ``bids``; the old path ``/api/lots/<id>/bids`` keeps working)."""

from __future__ import annotations

from flask import current_app, g, request
from flask_smorest import Blueprint
from sqlalchemy.exc import DBAPIError

from ...domain.errors import N_, DomainError
from ...extensions import csrf, db
from ...models import Lot
from ...platform import current_platform
from ...services import bids, own_records
from ..common import client_address
from ..requests import large_body
from . import schemas
from .auth import requires_token
from .problems import from_domain, problem, refusal

blp = Blueprint("api_bidder", __name__, url_prefix="/api/v1",
                description="A bidder's own records and the bid upload (API token)")
csrf.exempt(blp)
READ = [{"apiToken": []}]


@blp.route("/me/registrations")
@requires_token("read")
@blp.arguments(schemas.PageArgs, **schemas.QUERY)
@blp.response(200, schemas.RegistrationPage)
@refusal(blp, 401, "No token, or an unknown, expired or revoked one")
@refusal(blp, 403, "The token lacks the scope read")
@blp.doc(security=READ)
def registrations(**args):
    """Your company's sign-ups (报名), oldest first. Scope: read."""
    return own_records.registrations(db.session, g.api_user, **args)


@blp.route("/me/deposits")
@requires_token("read")
@blp.arguments(schemas.PageArgs, **schemas.QUERY)
@blp.response(200, schemas.DepositPage)
@refusal(blp, 401, "No token, or an unknown, expired or revoked one")
@refusal(blp, 403, "The token lacks the scope read")
@blp.doc(security=READ)
def deposits(**args):
    """Your company's deposits (投标保证金): sub-account, amount due and received, refund. Scope: read."""
    return own_records.deposits(db.session, g.api_user, **args)


@blp.route("/me/bids")
@requires_token("read")
@blp.arguments(schemas.PageArgs, **schemas.QUERY)
@blp.response(200, schemas.BidPage)
@refusal(blp, 401, "No token, or an unknown, expired or revoked one")
@refusal(blp, 403, "The token lacks the scope read")
@blp.doc(security=READ)
def bid_list(**args):
    """Your company's bids, standing and withdrawn, with their receipt ids. Scope: read."""
    return own_records.bids(db.session, g.api_user, **args)


@blp.route("/me/receipts/<string(maxlength=64):receipt_id>")
@requires_token("read")
@blp.response(200, schemas.Receipt)
@refusal(blp, 401, "No token, or an unknown, expired or revoked one")
@refusal(blp, 403, "The token lacks the scope read")
@refusal(blp, 404, "No such receipt of your company")
@blp.doc(security=READ)
def receipt(receipt_id: str):
    """One of your company's signed receipts (submission or withdrawal), as issued. Scope: read."""
    return own_records.receipt(db.session, g.api_user, receipt_id)


ENVELOPE_BODY = {"required": True, "description": "The sealed envelope, as the bidder tool writes it "
                 "(`flask bid seal`; docs/ENVELOPE.md)",
                 "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}


@blp.route("/lots/<int:lot_id>/bids", methods=["POST"])
@large_body("MAX_ENVELOPE_BYTES", before_login=True)  # the token is checked before the body is read
@requires_token("bids")
@blp.response(201, schemas.Receipt)
@refusal(blp, 401, "No token, or an unknown, expired or revoked one")
@refusal(blp, 403, "The token lacks the scope bids")
@refusal(blp, 404, "No such lot")
@refusal(blp, 409, "Another upload of your company for this lot is under way")
@refusal(blp, 415, "The body is not application/octet-stream")
@refusal(blp, 422, "Refused: the problem names the field and rule (deadline, deposit, signature...)")
@refusal(blp, 503, "Nothing was kept: send it again")
@blp.doc(security=[{"apiToken": []}], requestBody=ENVELOPE_BODY)
def bid_upload(lot_id: int):
    """Upload a sealed bid (the same as the bidder tool's `/api/lots/<id>/bids`) and get the signed receipt.
    A resubmission before the deadline replaces the standing bid. Scope: bids."""
    if request.mimetype != "application/octet-stream":
        return from_domain(DomainError(N_("Send the envelope as application/octet-stream."), field="envelope"), 415)
    lot = db.session.get(Lot, lot_id)
    if lot is None:
        return from_domain(DomainError(N_("No such lot."), field="lot_id"), 404)
    try:
        bid = bids.submit(current_platform(), db.session, g.api_user, lot, request.stream,
                          address=client_address() or "", via=f"api_token:{g.api_token.prefix}",
                          max_size=current_app.config["MAX_ENVELOPE_BYTES"])
    except DomainError as error:
        return from_domain(error, 409 if error.message == bids.UPLOAD_BUSY else 422)
    except DBAPIError:  # nothing was kept (submit rolled back and removed the envelope): the tool may send again
        current_app.logger.exception("bid upload failed in the database")
        return problem(503, "The platform could not store the bid and kept nothing of it; send it again.",
                       field="envelope", headers={"Retry-After": "2"})
    return {"receipt": bid.receipt}, 201

"""A tenderee's (or its agency's) routes of the API v1, with its API token of the scope ``lots``: its own lots
with their state, timetable and what the party may know of them now (services/party_lots.py; never more than its
lot page shows)."""

from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from ...extensions import csrf, db
from ...services import party_lots
from ..common import now
from . import schemas
from .auth import requires_token
from .problems import refusal

blp = Blueprint("api_tenderee", __name__, url_prefix="/api/v1",
                description="A tenderee's or agency's own lots (API token, scope lots)")
csrf.exempt(blp)
LOTS = [{"apiToken": []}]


@blp.route("/me/lots")
@requires_token("lots")
@blp.arguments(schemas.PartyLotArgs, **schemas.QUERY)
@blp.response(200, schemas.PartyLotPage)
@refusal(blp, 401, "No token, or an unknown, expired or revoked one")
@refusal(blp, 403, "The token lacks the scope lots")
@blp.doc(security=LOTS)
def lots(**args):
    """The lots of the projects your organisation acts for (as tenderee or agency), drafts included, in id order:
    state, timetable, the published facts, and how many signed up, paid and bid once the bid deadline has passed.
    Scope: lots."""
    return party_lots.lots(db.session, g.api_user, now(), **args)


@blp.route("/me/lots/<int:lot_id>")
@requires_token("lots")
@blp.response(200, schemas.PartyLot)
@refusal(blp, 401, "No token, or an unknown, expired or revoked one")
@refusal(blp, 403, "The token lacks the scope lots")
@refusal(blp, 404, "No such lot of your organisation")
@blp.doc(security=LOTS)
def lot(lot_id: int):
    """One of your organisation's lots. Another organisation's lot is "not found", as one that does not exist.
    Scope: lots."""
    return party_lots.lot(db.session, g.api_user, lot_id, now())

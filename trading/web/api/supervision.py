"""The supervisor's routes of the API v1, read-only, with an API token of the scope ``supervision``: the stored
early warnings and the correction orders (services/corrections.py; who reads an order is the visibility policy's
``may_read_correction``)."""

from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from ...extensions import csrf, db
from ...services import corrections
from ..i18n import message_text
from . import schemas
from .auth import requires_token
from .problems import refusal

blp = Blueprint("api_supervision", __name__, url_prefix="/api/v1/supervision",
                description="The supervisor's early warnings and correction orders, read-only (API token, scope "
                            "supervision)")
csrf.exempt(blp)
SUPERVISION = [{"apiToken": []}]


def _shown(warning: dict) -> dict:
    """The warning with its message in the request's language."""
    return {**warning, "message": message_text(warning["message"], warning["params"] or {})}


@blp.route("/warnings")
@requires_token("supervision")
@blp.arguments(schemas.WarningArgs, **schemas.QUERY)
@blp.response(200, schemas.WarningPage)
@refusal(blp, 401, "No token, or an unknown, expired or revoked one")
@refusal(blp, 403, "The token lacks the scope supervision")
@blp.doc(security=SUPERVISION)
def warnings(**args):
    """The early warnings stored by the clock step or taken up by a supervisor, oldest first, with the act, its
    rule and legal basis, the inputs, the threshold and the decision. A warning found but not stored yet is stored
    at the next clock step. Scope: supervision."""
    page = corrections.warnings_page(db.session, g.api_user, **args)
    return {"data": [_shown(row) for row in page.data], "next_cursor": page.next_cursor}


@blp.route("/warnings/<int:warning_id>")
@requires_token("supervision")
@blp.response(200, schemas.Warning)
@refusal(blp, 401, "No token, or an unknown, expired or revoked one")
@refusal(blp, 403, "The token lacks the scope supervision")
@refusal(blp, 404, "No such warning")
@blp.doc(security=SUPERVISION)
def warning(warning_id: int):
    """One stored warning. Scope: supervision."""
    return _shown(corrections.warning_read(db.session, g.api_user, warning_id))


@blp.route("/corrections")
@requires_token("supervision")
@blp.arguments(schemas.CorrectionArgs, **schemas.QUERY)
@blp.response(200, schemas.CorrectionPage)
@refusal(blp, 401, "No token, or an unknown, expired or revoked one")
@refusal(blp, 403, "The token lacks the scope supervision")
@blp.doc(security=SUPERVISION)
def correction_list(**args):
    """The correction orders (整改通知), oldest first: to whom, what, by when, the answer with its evidence's name,
    size and SHA-256, and the outcome. Scope: supervision."""
    return corrections.orders_page(db.session, g.api_user, **args)


@blp.route("/corrections/<int:order_id>")
@requires_token("supervision")
@blp.response(200, schemas.CorrectionOrder)
@refusal(blp, 401, "No token, or an unknown, expired or revoked one")
@refusal(blp, 403, "The token lacks the scope supervision")
@refusal(blp, 404, "No such correction order")
@blp.doc(security=SUPERVISION)
def correction(order_id: int):
    """One correction order. Scope: supervision."""
    return corrections.order_read(db.session, g.api_user, order_id)

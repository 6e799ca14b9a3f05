"""Views of the supervision blueprint."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from ...domain.errors import DomainError
from ...extensions import db
from ...platform import current_platform
from ...services import audit, screens, suspension, visibility
from ..common import error_text, now, perform, roles_required
from ..edge import paginate
from .forms import AuditFilterForm

bp = Blueprint("supervision", __name__, url_prefix="/supervision")
LOCAL = ZoneInfo("Asia/Shanghai")


def _local_midnight(day) -> datetime:
    """Start of a Beijing-time day, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=LOCAL)


@bp.route("/audit")
@roles_required("supervisor", "admin")
def audit_log():
    """The audit log, newest first, filtered by action, actor, object, rule and date."""
    form = AuditFilterForm(request.args)
    filters = {}
    if form.validate():
        filters = {key: (form[key].data or "").strip() or None
                   for key in ("action", "actor", "object_type", "object_id", "rule")}
        if form.since.data:
            filters["since"] = _local_midnight(form.since.data)
        if form.until.data:
            filters["until"] = _local_midnight(form.until.data + timedelta(days=1))
    query = audit.search(db.session, **filters).where(visibility.audit_filter(db.session, current_user, now()))
    rows = paginate(query, per_page=50)
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("supervision/audit.html", form=form, rows=rows, args=args)


@bp.route("/audit/verify")
@roles_required("supervisor", "admin")
def audit_verify():
    """Verify the whole chain now and show the verdict (the same check as ``flask audit verify``)."""
    verdict = audit.verify(db.session)
    return render_template("supervision/audit_verify.html", verdict=verdict)


# What each screen is called and what its figures are, for the screens page.
SCREEN_NAMES = {
    "cv": _l("Coefficient of variation of the prices"), "rd": _l("Relative distance of the two lowest prices"),
    "diffp": _l("Gap between the two lowest prices against earlier lots"), "pattern": _l("Prices in a regular pattern"),
    "shared_account": _l("One account paid several bidders' deposits"),
    "shared_device": _l("One device downloaded for several bidders"),
    "shared_address": _l("One network address used by several bidders"),
    "close_uploads": _l("Bids uploaded from one address within a minute"),
    "rotation": _l("Bidders taking turns to win"), "cover_bidding": _l("A bidder that always loses to one winner"),
}
FIGURES = {
    "mean": _l("mean"), "sd": _l("standard deviation"), "cv": "CV", "b1": _l("lowest price"),
    "b2": _l("second lowest price"), "sd_losers": _l("standard deviation of the losing prices"), "rd": "RD",
    "diffp": "DIFFP", "q1": "Q1", "q3": "Q3", "lower_fence": _l("lower fence"), "upper_fence": _l("upper fence"),
    "kind": _l("pattern"), "gaps": _l("gaps"), "mean_gap": _l("mean gap"), "ratios": _l("ratios"),
    "mean_ratio": _l("mean ratio"), "bidders": _l("bidders"), "pairs": _l("uploads (bidder, bidder, seconds)"),
    "winners": _l("winners in turn"), "losses_to_winner": _l("losses to the winner"), "wins": _l("wins"),
    "prices": _l("prices"), "value": _l("value"), "address": _l("address"), "lots": _l("lots"),
    "history_lots": _l("earlier lots"),
}
PATTERNS = {"equal": _l("equal prices"), "arithmetic": _l("arithmetic"), "geometric": _l("geometric")}


@bp.route("/lots/<int:lot_id>/screens")
@roles_required("supervisor", "admin")
def lot_screens(lot_id: int):
    """The collusion screens of one lot with their inputs and working (条例 第四十条)."""
    from ..lots.blueprint import load_lot

    lot = load_lot(lot_id)
    try:
        found, refused = screens.screen(current_platform(), db.session, current_user, lot), None
    except DomainError as error:
        found, refused = None, error_text(error)
    return render_template("supervision/screens.html", lot=lot, found=found, refused=refused,
                           screen_names=SCREEN_NAMES, figures=FIGURES, patterns=PATTERNS)


@bp.route("/lots/<int:lot_id>/suspend", methods=["POST"])
@roles_required("supervisor")
def lot_suspend(lot_id: int):
    """Suspend a lot in trading, with the reason every party reads on its page."""
    from ..lots.blueprint import load_lot

    lot = load_lot(lot_id)
    perform(suspension.suspend, lot, request.form.get("reason", ""), ok=_("The lot is suspended."))
    return redirect(url_for("lots.lot_view", lot_id=lot.id))


@bp.route("/lots/<int:lot_id>/resume", methods=["POST"])
@roles_required("supervisor")
def lot_resume(lot_id: int):
    """Resume a suspended lot, with the reason; its running time limits move on by the time it was suspended."""
    from ..lots.blueprint import load_lot

    lot = load_lot(lot_id)
    perform(suspension.resume, lot, request.form.get("reason", ""), ok=_("The lot is resumed."))
    return redirect(url_for("lots.lot_view", lot_id=lot.id))

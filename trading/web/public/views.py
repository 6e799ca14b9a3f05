"""Views of the public blueprint."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from ...domain import lifecycle, regions, rules
from ...extensions import db
from ...models import Announcement, Lot, PreDisclosure, Project
from ..common import now
from ..edge import paginate
from ..lots.blueprint import may_see_lot

bp = Blueprint("public", __name__, url_prefix="/public")

# Status filter of the public list: what a visitor can tell apart (every state an announced lot can be in, once).
STATUSES = {
    "open": lifecycle.OPEN,
    "opening": lifecycle.LIVE - lifecycle.OPEN - lifecycle.RESULT,
    "result": lifecycle.RESULT,
    "ended": lifecycle.SIDE_STATES,
}


@bp.route("/announcements")
def announcements():
    """Published announcements, newest first, searchable by keyword, trade type, region and status."""
    query = (sa.select(Announcement).join(Lot, Lot.id == Announcement.lot_id)
             .join(Project, Project.id == Lot.project_id).order_by(Announcement.published_at.desc()))
    keyword = (request.args.get("q") or "").strip()[:50]
    trade_type = request.args.get("trade_type", "")
    region = (request.args.get("region") or "").strip()
    status = request.args.get("status", "")
    region_error = None
    if keyword:
        like = f"%{keyword}%"
        query = query.where(sa.or_(Announcement.title.ilike(like), Lot.deal_code.ilike(like), Project.name.ilike(like)))
    if trade_type in rules.TRADE_TYPES:
        query = query.where(Project.trade_type == trade_type)
    if region:
        if regions.get(region) is None:
            region_error = region
        else:
            query = query.where(Project.region_code.in_(regions.descendants(region)))
    if status in STATUSES:
        query = query.where(Lot.state.in_(STATUSES[status]))
    rows = paginate(query, per_page=20)
    args = {key: value for key, value in request.args.items() if key != "page"}
    from ...services import pre_disclosures

    return render_template("public/announcements.html", rows=rows, args=args, trade_types=rules.TRADE_TYPES,
                           pre_disclosures=pre_disclosures.recent(db.session) if not args else [], at=now(),
                           statuses=STATUSES, states=lifecycle.STATES, region_error=region_error,
                           region_name=regions.name(region) if region and not region_error else "")


@bp.route("/announcements/<int:announcement_id>")
def announcement(announcement_id: int):
    """One announcement's full text, with the lot's current status."""
    row = db.session.get(Announcement, announcement_id)
    if row is None:
        abort(404)
    from ...platform import current_platform
    from ...services import result, rulebook

    publicity = result.publicity_of(db.session, row.lot) if row.lot.round == row.round else None
    award = result.award_of(db.session, row.lot) if publicity else None
    contract = result.contract_of(db.session, award) if row.lot.project.trade_type == "procurement" else None
    return render_template("public/announcement.html", row=row, lot=row.lot, states=lifecycle.STATES,
                           trade_types=rules.TRADE_TYPES, publicity=publicity, award=award, contract=contract,
                           answer_days=rulebook.of_lot(current_platform(), db.session, row.lot).value(
                               "construction.publicity_objection_answer") if publicity else None,
                           sign_up_open=row.lot.round == row.round
                           and lifecycle.open_for_sign_up(row.lot.state, now(), row.lot.deadlines()),
                           lot_visible=current_user.is_authenticated and may_see_lot(row.lot))


@bp.route("/pre-disclosures/<int:pre_disclosure_id>")
def pre_disclosure(pre_disclosure_id: int):
    """One pre-disclosure (信息预披露) of a state property transfer, public, with a link to its formal disclosure once
    published."""
    row = db.session.get(PreDisclosure, pre_disclosure_id)
    if row is None:
        abort(404)
    formal = db.session.scalar(sa.select(Announcement).where(Announcement.lot_id == row.lot_id)
                               .order_by(Announcement.round.desc()).limit(1))
    return render_template("public/pre_disclosure.html", row=row, lot=row.lot, formal=formal)


@bp.route("/blacklist")
def blacklist():
    """The blacklist entries in force now (失信名单), for anyone."""
    from ...services import credit

    return render_template("public/blacklist.html", rows=credit.current_entries(db.session, now()))

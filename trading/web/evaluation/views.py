"""Views of the evaluation blueprint. Members see bids only as 投标人A/B/C; names appear in the report."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from ...domain.errors import DomainError
from ...extensions import db
from ...models import Bid, CommitteeMember, Evaluation, Lot
from ...platform import current_platform
from ...services import evaluation as room, opening, visibility
from ...services.lots import acts_for_tenderee
from ..common import ActionForm, now, perform, roles_required
from ..downloads import send_upload
from ..edge import arg_int
from ..i18n import error_text
from ..labels import RATING_SCALE
from ..lots.blueprint import load_lot

bp = Blueprint("evaluation", __name__)
METHODS = {"lowest_price": _l("lowest evaluated price (经评审的最低投标价法)"),
           "comprehensive": _l("comprehensive scoring (综合评估法)")}
STATUSES = {"open": _l("in progress"), "reported": _l("report submitted, awaiting confirmation"),
            "confirmed": _l("report confirmed")}


def _evaluation(evaluation_id: int):
    """The evaluation, or 404."""
    row = db.session.get(Evaluation, evaluation_id)
    if row is None:
        abort(404)
    return row


def _member(evaluation):
    """The current user's seat, or 404 for anyone not on the committee."""
    member = room.member_of(evaluation, current_user)
    if member is None:
        abort(404)
    return member


@bp.route("/evaluations")
@roles_required("expert")
def mine():
    """The evaluations the current expert sits on (or waits for as a backup)."""
    rows = db.session.scalars(sa.select(CommitteeMember).where(CommitteeMember.user_id == current_user.id)
                              .order_by(CommitteeMember.id.desc())).all()
    return render_template("evaluation/mine.html", rows=rows, statuses=STATUSES,
                           lots={m.id: db.session.get(Lot, m.evaluation.lot_id) for m in rows})


@bp.route("/lots/<int:lot_id>/evaluation/start", methods=["POST"])
@roles_required("staff")
def start(lot_id: int):
    """Staff open the evaluation; the sign-in sheet with one-time room passwords is shown once."""
    lot = load_lot(lot_id)
    hours = int(current_app.config.get("EVALUATION_WINDOW_HOURS", 48))
    done, ok = perform(room.start, lot, window=timedelta(hours=hours), form=None)
    if not ok:
        return redirect(url_for("lots.lot_view", lot_id=lot.id))
    evaluation, passwords = done
    return render_template("evaluation/signin.html", lot=lot, evaluation=evaluation, passwords=passwords)


@bp.route("/lots/<int:lot_id>/fail", methods=["POST"])
@roles_required("staff")
def fail(lot_id: int):
    """Staff declare the lot failed (流标) when too few bids could be opened."""
    lot = load_lot(lot_id)
    if ActionForm().validate_on_submit():
        perform(room.declare_failed, lot, ok=_("The lot has failed; the tenderee may re-trade it."))
    return redirect(url_for("lots.lot_view", lot_id=lot.id))


@bp.route("/lots/<int:lot_id>/evaluation")
@roles_required("staff", "supervisor", "tenderee", "expert")
def overview(lot_id: int):
    """Progress of the lot's evaluation: staff and supervisor see the seats; members go to the room."""
    lot = db.session.get(Lot, lot_id) or abort(404)
    evaluation = room.evaluation_of(db.session, lot)
    if evaluation is None:
        abort(404)
    if room.member_of(evaluation, current_user) is not None:
        return redirect(url_for("evaluation.room_page", evaluation_id=evaluation.id))
    if not (current_user.has_role("staff", "supervisor") or acts_for_tenderee(current_user, lot.project)):
        abort(404)
    short = room.short_of_members(current_platform(), db.session, evaluation)
    counts: dict[int, int] = {}
    for mark in room.marks(db.session, evaluation):
        counts[mark.member_id] = counts.get(mark.member_id, 0) + 1
    return render_template("evaluation/overview.html", lot=lot, evaluation=evaluation, statuses=STATUSES,
                           rating_scale=[(n, str(meaning)) for n, meaning in RATING_SCALE],
                           methods=METHODS, short=error_text(short) if short else None,
                           complete=room.compliance_complete(db.session, evaluation), form=ActionForm(), counts=counts,
                           internal=current_user.has_role("staff", "supervisor"))


@bp.route("/evaluations/<int:evaluation_id>/ratings", methods=["POST"])
@roles_required("staff")
def rate(evaluation_id: int):
    """Staff rate a member's work after the evaluation (评标专家考评)."""
    evaluation = _evaluation(evaluation_id)
    if ActionForm().validate_on_submit():
        perform(room.rate_member, evaluation, arg_int("member", 0, source=request.form),
                arg_int("rating", 0, source=request.form), ok=_("Rating recorded."))
    return redirect(url_for("evaluation.overview", lot_id=evaluation.lot_id))


def _preview(evaluation):
    """The report the marks so far give, or why there is none yet."""
    try:
        return room.compute(current_platform(), db.session, evaluation), None
    except DomainError as error:
        return None, error_text(error)


@bp.route("/evaluations/<int:evaluation_id>/room")
@roles_required("expert")
def room_page(evaluation_id: int):
    """The closed room: statement, chair, the anonymised bids with my marks, low prices, the report."""
    evaluation = _evaluation(evaluation_id)
    member = _member(evaluation)
    lot = db.session.get(Lot, evaluation.lot_id)
    try:
        room.require_member(db.session, current_user, now(), evaluation, signed=False)
        closed = None
    except DomainError as error:
        closed = error_text(error)
    entries = room.opened_entries(db.session, lot)
    labels = room.labels_of(db.session, lot)
    marks = {(m.bid_id, m.criterion): m for m in room.marks(db.session, evaluation) if m.member_id == member.id}
    cases = room.low_price_cases(db.session, evaluation)
    preview, missing = _preview(evaluation) if evaluation.status == "open" and not closed else (None, None)
    criteria = [c for c in evaluation.criteria if not c.get("price")] if evaluation.method == "comprehensive" else []
    return render_template("evaluation/room.html", lot=lot, evaluation=evaluation, member=member, closed=closed,
                           entries=entries, labels=labels, marks=marks, cases=cases, criteria=criteria,
                           preview=preview, missing=missing, methods=METHODS, statuses=STATUSES,
                           chair=room.chair_of(evaluation), form=ActionForm(),
                           seated=[m for m in evaluation.members if m.status == "seated"])


def _back(evaluation):
    return redirect(url_for("evaluation.room_page", evaluation_id=evaluation.id))


@bp.route("/evaluations/<int:evaluation_id>/statement", methods=["POST"])
@roles_required("expert")
def statement(evaluation_id: int):
    """Sign the no-conflict statement, or declare a conflict (the member leaves, a backup takes the seat)."""
    evaluation = _evaluation(evaluation_id)
    _member(evaluation)
    form = ActionForm()
    if form.validate_on_submit():
        conflict = request.form.get("conflict") == "1"
        perform(room.sign_statement, evaluation, conflict=conflict, reason=request.form.get("reason", ""),
                ok=_("Conflict declared: you have left the committee.") if conflict else _("Statement signed."))
    return _back(evaluation)


@bp.route("/evaluations/<int:evaluation_id>/chair", methods=["POST"])
@roles_required("expert")
def chair(evaluation_id: int):
    """Vote for the committee's chair."""
    evaluation = _evaluation(evaluation_id)
    _member(evaluation)
    if ActionForm().validate_on_submit():
        perform(room.vote_chair, evaluation, arg_int("candidate", 0, source=request.form), ok=_("Vote recorded."))
    return _back(evaluation)


@bp.route("/evaluations/<int:evaluation_id>/marks", methods=["POST"])
@roles_required("expert")
def mark(evaluation_id: int):
    """My compliance votes and (comprehensive scoring) my scores for every bid on the page, all or nothing."""
    evaluation = _evaluation(evaluation_id)
    _member(evaluation)
    if ActionForm().validate_on_submit():
        lot = db.session.get(Lot, evaluation.lot_id)
        bid_ids = [e.bid_id for e in room.opened_entries(db.session, lot)]

        def save(session, actor, at):
            for bid_id in bid_ids:
                if f"compliant-{bid_id}" not in request.form:
                    continue
                compliant = request.form.get(f"compliant-{bid_id}") == "1"
                room.vote_compliance(session, actor, at, evaluation, bid_id, compliant,
                                     request.form.get(f"note-{bid_id}", ""))
                if evaluation.method == "comprehensive":
                    prefix = f"score-{bid_id}-"
                    room.score(session, actor, at, evaluation, bid_id,
                               {k[len(prefix):]: v for k, v in request.form.items() if k.startswith(prefix)})

        perform(save, ok=_("Marks saved."))
    return _back(evaluation)


@bp.route("/evaluations/<int:evaluation_id>/bids/<int:bid_id>/files/<int:index>")
@roles_required("expert")
def bid_file(evaluation_id: int, bid_id: int, index: int):
    """A decrypted document of an opened bid, for the committee only, while the room is open."""
    evaluation = _evaluation(evaluation_id)
    _member(evaluation)
    try:
        room.require_member(db.session, current_user, now(), evaluation, signed=True)
    except DomainError:
        abort(403)
    lot = db.session.get(Lot, evaluation.lot_id)
    entry = next((e for e in room.opened_entries(db.session, lot) if e.bid_id == bid_id), None)
    if entry is None or not 0 <= index < len(entry.files):
        abort(404)
    name, data = opening.read_document(current_platform(), db.session, now(), lot, entry, index)
    label = room.labels_of(db.session, lot)[bid_id]
    # streamed chunk by chunk as it is decrypted: never written to disk
    response = send_upload(data, f"{label}-{name}", conditional=False, etag=False)
    response.content_length = data.size
    return response


@bp.route("/evaluations/<int:evaluation_id>/cases/<int:case_id>", methods=["POST"])
@roles_required("expert")
def decide(evaluation_id: int, case_id: int):
    """The chair records the committee's decision on an abnormally low price."""
    evaluation = _evaluation(evaluation_id)
    _member(evaluation)
    if ActionForm().validate_on_submit():
        perform(room.decide_low_price, evaluation, case_id, request.form.get("decision", ""),
                request.form.get("reason", ""), ok=_("Decision recorded."))
    return _back(evaluation)


@bp.route("/evaluations/<int:evaluation_id>/report", methods=["POST"])
@roles_required("expert")
def submit(evaluation_id: int):
    """The chair submits the report."""
    evaluation = _evaluation(evaluation_id)
    _member(evaluation)
    if ActionForm().validate_on_submit():
        perform(room.submit_report, evaluation, ok=_("Report submitted: every member now confirms it."))
    return _back(evaluation)


@bp.route("/evaluations/<int:evaluation_id>/confirm", methods=["POST"])
@roles_required("expert")
def confirm(evaluation_id: int):
    """A member confirms the report."""
    evaluation = _evaluation(evaluation_id)
    _member(evaluation)
    if ActionForm().validate_on_submit():
        perform(room.confirm_report, evaluation, ok=_("You have confirmed the report."))
    return _back(evaluation)


@bp.route("/lots/<int:lot_id>/evaluation/report")
@roles_required("staff", "supervisor", "tenderee", "expert")
def report(lot_id: int):
    """The evaluation report (评标报告), printable: candidates, rejections, every member's marks, working."""
    lot = db.session.get(Lot, lot_id) or abort(404)
    evaluation = room.evaluation_of(db.session, lot)
    if not room.may_read_report(db.session, current_user, lot, evaluation):
        abort(404)
    names = room.member_of(evaluation, current_user) is not None or visibility.sees(
        db.session, current_user, lot, visibility.Fact.PANEL_NAMES, now())
    return render_template("evaluation/report.html", lot=lot, evaluation=evaluation, data=evaluation.report,
                           methods=METHODS, statuses=STATUSES, names=names)


@bp.route("/lots/<int:lot_id>/explanations", methods=["GET", "POST"])
@roles_required("bidder")
def explanations(lot_id: int):
    """A bidder's requests for a written explanation of an abnormally low price, and its answers."""
    lot = load_lot(lot_id)
    evaluation = room.evaluation_of(db.session, lot)
    mine = [c for c in (room.low_price_cases(db.session, evaluation) if evaluation else [])
            if db.session.get(Bid, c.bid_id).bidder_id == current_user.organisation_id]
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        case_id = arg_int("case", 0, source=request.form)
        if case_id not in {c.id for c in mine}:
            abort(404)
        perform(room.explain_low_price, case_id, request.form.get("explanation", ""),
                ok=_("Explanation sent to the committee."))
        return redirect(url_for("evaluation.explanations", lot_id=lot.id))
    return render_template("evaluation/explanations.html", lot=lot, cases=mine, form=form)

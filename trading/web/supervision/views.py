"""Views of the supervision blueprint: the dashboard (实时监控), the audit log, the screens, suspensions, credit and
complaints."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime, gettext as _, lazy_gettext as _l
from flask_login import current_user

from ... import live
from ...domain.errors import DomainError
from ...extensions import db
from ...models import BlacklistEntry, Complaint, CreditEvent, ScreenSignal
from ...platform import current_platform
from ...services import audit, complaints, credit, monitoring, screens, suspension, visibility
from .. import labels
from ..common import choices, error_text, now, perform, roles_required
from ..edge import form_date, paginate
from ..live import stream
from ..lots.forms import ActionForm
from .forms import SUBJECTS, AuditFilterForm, BlacklistForm, CreditEventForm

bp = Blueprint("supervision", __name__, url_prefix="/supervision")
LOCAL = ZoneInfo("Asia/Shanghai")


@bp.app_template_filter("lastday")
def lastday_filter(value: datetime | None) -> str:
    """The Beijing date of the last day before a deadline that falls at a midnight (a correction order's)."""
    return (value - timedelta(microseconds=1)).astimezone(LOCAL).date().isoformat() if value else ""


def _local_midnight(day) -> datetime:
    """Start of a Beijing-time day, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=LOCAL)


# What each due act is, on the dashboard (domain/monitoring.py KINDS).
DUE_KINDS = {
    "objection": _l("Objection to the candidates answered"), "documents_objection": _l("Objection to the documents "
                                                                                         "answered"),
    "evaluation": _l("Evaluation report confirmed before the room closes"),
    "report": _l("Evaluation report in the purchaser's hands"), "publication": _l("Candidates or result published"),
    "contract": _l("Contract signed"), "refund": _l("Deposit refunded"),
    "contract_publication": _l("Contract published"), "complaint": _l("Complaint handled"),
    "correction": _l("Correction order answered"), "question": _l("Question (质疑) answered by the purchaser"),
    "land_payment": _l("Land price instalment paid"),
    "payment": _l("Property buyer's payment under the contract"),
    "public_report": _l("Public report accepted or declined"),
}


def _dashboard():
    filters = monitoring.check_filters(db.session, request.args.get("region"), request.args.get("trade_type"),
                                       request.args.get("agency"))
    return monitoring.dashboard(current_platform(), db.session, now(), filters, current_user)


def _correction_names() -> dict:
    from .. import labels

    return {"addressees": labels.CORRECTION_ADDRESSEES, "order_statuses": labels.CORRECTION_STATUSES,
            "report_categories": labels.REPORT_CATEGORIES}


def _dashboard_args() -> dict:
    return {key: request.args[key] for key in ("region", "trade_type", "agency") if request.args.get(key)}


@bp.route("/")
@roles_required("supervisor")
def dashboard():
    """The supervisor's dashboard (实时监控): every lot by stage and state, what is overdue and what is due today,
    filtered by region, trade type and agency; it follows the supervision channel live (polling when it is down)."""
    board = _dashboard()
    after = current_platform().live.resume_point(live.SUPERVISION)  # the stream goes on from this render
    return render_template("supervision/dashboard.html", board=board, kinds=DUE_KINDS, args=_dashboard_args(),
                           after=after, **_correction_names())


@bp.route("/dashboard.json")
@roles_required("supervisor")
def dashboard_json():
    """The dashboard's body as the page redraws it (after a live event, or polled when the channel is down)."""
    board = _dashboard()
    return jsonify({"now": board.now.isoformat(), "overdue": len(board.overdue), "today": len(board.today),
                    "html": render_template("supervision/_dashboard_body.html", board=board, kinds=DUE_KINDS,
                                            **_correction_names())})


@bp.route("/live")
@roles_required("supervisor")
def dashboard_live():
    """The supervision channel as Server-Sent Events: which lots changed (the page then reads dashboard.json)."""
    return stream(current_platform().live, live.SUPERVISION)


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


# What each screen is called (labels.SCREEN_NAMES) and what its figures are, for the screens page.
SCREEN_NAMES = labels.SCREEN_NAMES
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
    """The collusion screens of one lot (条例 第四十条) as stored at its opening (or when the supervisor ran them
    again): each signal with its inputs, working, rule and the supervisor's decision, and the price figures judged
    against the lots of the same kind. Reading it writes nothing."""
    from ..lots.blueprint import load_lot

    lot = load_lot(lot_id)
    try:
        found, refused = screens.view(current_platform(), db.session, current_user, lot), None
    except DomainError as error:
        found, refused = None, error_text(error)
    return render_template("supervision/screens.html", lot=lot, found=found, signals=found.signals if found else [],
                           names=found.names if found else {}, refused=refused, screen_names=SCREEN_NAMES,
                           figures=FIGURES, patterns=PATTERNS, statuses=SIGNAL_STATUSES,
                           deciding=current_user.has_role("supervisor"))


@bp.route("/lots/<int:lot_id>/screens/recompute", methods=["POST"])
@roles_required("supervisor")
def screen_recompute(lot_id: int):
    """The supervisor runs the lot's screens again (the documents' signals stay as the opening stored them)."""
    from ..lots.blueprint import load_lot

    lot = load_lot(lot_id)
    raised, done = perform(screens.recompute, lot)
    if done:
        flash(_("The screens ran again: %(n)s new signals.", n=len(raised)), "success")
    return redirect(url_for("supervision.lot_screens", lot_id=lot.id))


SIGNAL_STATUSES = {"open": _l("To decide"), "dismissed": _l("Dismissed"), "referred": _l("Referred")}


@bp.route("/lots/<int:lot_id>/screens/<int:signal_id>/decide", methods=["POST"])
@roles_required("supervisor")
def screen_decide(lot_id: int, signal_id: int):
    """The supervisor's decision on a signal: dismissed with a reason, or referred (perhaps with a collusion finding
    recorded as a credit event of each bidder it names)."""
    from ..lots.blueprint import load_lot

    lot = load_lot(lot_id)
    row = db.session.get(ScreenSignal, signal_id)
    if row is None or row.lot_id != lot.id:
        abort(404)
    ok = _("The signal is dismissed.") if request.form.get("decision") == "dismissed" else _("The signal is referred.")
    perform(screens.decide, signal_id, request.form.get("decision", ""), request.form.get("reason", ""),
            request.form.get("finding") == "1", request.form.get("finding_decision", ""), ok=ok)
    return redirect(url_for("supervision.lot_screens", lot_id=lot.id, _anchor=f"signal-{signal_id}"))


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


CREDIT_KINDS = {
    "withdrawal_after_deadline": _l("Bid withdrawn after the deadline"), "refused_contract": _l("Refused to sign the "
                                                                                                 "contract"),
    "false_materials": _l("False materials"), "collusion_finding": _l("Collusion found"),
    "agency_misconduct": _l("Agency misconduct"), "expert_absence": _l("Expert absent from an evaluation"),
    "expert_deviation": _l("Expert's marks deviating without reason"),
    "refused_land_contract": _l("Land winner did not sign the land contract"),
    "late_land_payment": _l("Land price paid late"),
    "late_property_payment": _l("Property buyer paid late under the transaction contract"),
}


def _credit_forms(event_form=None, blacklist_form=None):
    """The two forms of the credit page with their choices."""
    event_form, blacklist_form = event_form or CreditEventForm(prefix="event"), blacklist_form or BlacklistForm(
        prefix="entry")
    event_form.kind.choices = choices(CREDIT_KINDS.items())
    for form in (event_form, blacklist_form):
        form.subject_type.choices = choices(SUBJECTS.items())
    return event_form, blacklist_form


def _credit_page(event_form=None, blacklist_form=None, status: int = 200):
    event_form, blacklist_form = _credit_forms(event_form, blacklist_form)
    at = now()
    events = db.session.scalars(sa.select(CreditEvent).order_by(CreditEvent.id.desc()).limit(100)).all()
    entries = db.session.scalars(sa.select(BlacklistEntry).order_by(BlacklistEntry.id.desc()).limit(100)).all()
    names = {(kind, i): credit.subject_name(db.session, kind, i)
             for kind, i in {(e.subject_type, e.subject_id) for e in [*events, *entries]}}
    scores = {key: credit.score_of(db.session, *key, at) for key in names}
    return render_template("supervision/credit.html", event_form=event_form, blacklist_form=blacklist_form,
                           events=events, entries=entries, names=names, scores=scores, kinds=CREDIT_KINDS, at=at,
                           lift=ActionForm()), status


@bp.route("/credit")
@roles_required("supervisor")
def credit_page():
    """Credit events and the blacklist: record, bar, lift (信用记录与失信名单)."""
    return _credit_page()


def _record_event(session, actor, at, form):
    subject = credit.find_subject(session, form.subject_type.data, form.subject.data)
    return credit.record_event(session, actor, at, form.subject_type.data, subject, form.kind.data,
                               form.evidence.data, form.decision.data)


def _blacklist(ctx, session, actor, at, form):
    subject = credit.find_subject(session, form.subject_type.data, form.subject.data)
    starts, ends = (_local_midnight(d) for d in (form.starts_on.data, form.ends_on.data))
    return credit.add_to_blacklist(ctx, session, actor, at, form.subject_type.data, subject, form.reason.data,
                                   form.decision.data, starts, ends)


@bp.route("/credit/events", methods=["POST"])
@roles_required("supervisor")
def credit_event():
    """Record a credit event."""
    form = _credit_forms()[0]
    if form.validate_on_submit():
        _row, done = perform(_record_event, form, form=form, ok=_("The credit event is recorded."))
        if done:
            return redirect(url_for("supervision.credit_page"))
    return _credit_page(event_form=form, status=422)


@bp.route("/credit/blacklist", methods=["POST"])
@roles_required("supervisor")
def credit_blacklist():
    """Put an organisation or an expert on the blacklist for a period."""
    form = _credit_forms()[1]
    if form.validate_on_submit():
        _row, done = perform(_blacklist, form, form=form, ok=_("The entry is on the blacklist."))
        if done:
            return redirect(url_for("supervision.credit_page"))
    return _credit_page(blacklist_form=form, status=422)


@bp.route("/credit/blacklist/<int:entry_id>/lift", methods=["POST"])
@roles_required("supervisor")
def credit_lift(entry_id: int):
    """End a blacklist entry early, with the reason."""
    perform(credit.lift, entry_id, request.form.get("reason", ""), ok=_("The entry is lifted."))
    return redirect(url_for("supervision.credit_page"))


@bp.route("/lots/<int:lot_id>/complaints", methods=["POST"])
@roles_required("bidder", "tenderee")
def complaint_submit(lot_id: int):
    """A party complains about the lot to the supervisor."""
    from ..lots.blueprint import load_lot

    lot = load_lot(lot_id)
    row, done = perform(complaints.submit, lot, request.form.get("matter", ""), request.form.get("text", ""),
                        form_date("known_on"))
    if done:
        flash(_("Your complaint is received: the supervisor accepts or refuses it by %(due)s.",
                due=format_datetime(row.accept_due, "yyyy-MM-dd HH:mm")), "success")
    return redirect(url_for("lots.lot_view", lot_id=lot.id) + "#complaints")


def _complaint_lot(complaint_id: int) -> int:
    row = db.session.get(Complaint, complaint_id)
    if row is None:
        abort(404)
    return row.lot_id


@bp.route("/complaints/<int:complaint_id>/<any(accept, refuse, decide):step>", methods=["POST"])
@roles_required("supervisor")
def complaint_handle(complaint_id: int, step: str):
    """The supervisor accepts (optionally suspending the lot), refuses or decides a complaint."""
    lot_id = _complaint_lot(complaint_id)
    if step == "accept":
        perform(complaints.accept, complaint_id, suspend=bool(request.form.get("suspend")), ok=_("Accepted."))
    elif step == "refuse":
        perform(complaints.refuse, complaint_id, request.form.get("reason", ""), ok=_("Refused."))
    else:
        perform(complaints.decide, complaint_id, request.form.get("outcome", ""), request.form.get("decision", ""),
                ok=_("The decision is recorded."))
    return redirect(url_for("lots.lot_view", lot_id=lot_id) + "#complaints")

"""The supervision blueprint's warnings and corrections (预警 → 整改): a stored warning with its rule, inputs,
threshold and basis, dismissed or followed by a correction order; the addressee's answer with its evidence; the
order closed or escalated. Who reads an order is the policy's (``services.corrections.may_read``)."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from ...domain import calendar
from ...domain.errors import DomainError
from ...extensions import db
from ...models import EarlyWarning, Lot
from ...platform import current_platform
from ...services import corrections
from .. import labels
from ..common import now, perform, roles_required
from ..downloads import send_upload
from ..edge import form_date
from ..lots.forms import ActionForm
from ..result.views import WARNING_STATUSES
from .views import DUE_KINDS, bp

ADDRESSEES = labels.CORRECTION_ADDRESSEES
ORDER_STATUSES = labels.CORRECTION_STATUSES
INPUTS = {"start": _l("Counted from"), "due": _l("Due"), "done_at": _l("Done"),
          "objection_id": _l("Objection record no."), "evaluation_id": _l("Evaluation record no."),
          "award_id": _l("Award record no."), "deposit_id": _l("Deposit record no."),
          "contract_id": _l("Contract record no."), "complaint_id": _l("Complaint no."),
          "question_id": _l("Question no."), "correction_id": _l("Correction order no."),
          "bid_id": _l("Bid record no."), "reason": _l("Reason"),
          "report_id": _l("Report record no."), "number": _l("Report No."),
          "step": _l("Step")}
STEPS = {"accept": _l("acceptance"), "decide": _l("decision")}
UNITS = {"days": _l("days"), "working_days": _l("working days"), "count": _l("members"), "percent": "%"}


def _names() -> dict:
    return {"addressees": ADDRESSEES, "warning_statuses": WARNING_STATUSES, "order_statuses": ORDER_STATUSES,
            "inputs": INPUTS, "units": UNITS, "kinds": DUE_KINDS, "steps": STEPS}


@bp.route("/warnings/take", methods=["POST"])
@roles_required("supervisor")
def warning_take():
    """Take a warning up from the list (stored now if the clock step has not stored it yet)."""
    row, done = perform(corrections.take, request.form.get("key", ""))
    if done:
        return redirect(url_for("supervision.warning_view", warning_id=row.id))
    return redirect(url_for("result.warnings"))


@bp.route("/warnings/<int:warning_id>")
@roles_required("supervisor")
def warning_view(warning_id: int):
    """One warning: the act, its rule, inputs, threshold and legal basis; the decision and the correction orders."""
    row = db.session.get(EarlyWarning, warning_id) or abort(404)
    lot = db.session.get(Lot, row.lot_id) if row.lot_id is not None else None  # None: a public report's warning
    orders = [o for o in corrections.visible(db.session, current_user, lot) if o.warning_id == row.id] if lot else []
    return render_template("supervision/warning.html", w=row, lot=lot, orders=orders, f=ActionForm(),
                           today=calendar.local_date(now()), **_names())


@bp.route("/warnings/<int:warning_id>/dismiss", methods=["POST"])
@roles_required("supervisor")
def warning_dismiss(warning_id: int):
    """Dismiss the warning with the reason."""
    perform(corrections.dismiss, warning_id, request.form.get("reason", ""), ok=_("The warning is dismissed."))
    return redirect(url_for("supervision.warning_view", warning_id=warning_id))


@bp.route("/warnings/<int:warning_id>/order", methods=["POST"])
@roles_required("supervisor")
def correction_issue(warning_id: int):
    """Issue a correction order (整改通知) on the warning, to the tenderee, its agency or the centre, by a deadline."""
    perform(corrections.issue, warning_id, request.form.get("addressee", ""), request.form.get("text", ""),
            form_date("due_on"), ok=_("The correction order is issued."))
    return redirect(url_for("supervision.warning_view", warning_id=warning_id))


@bp.route("/corrections")
@roles_required("supervisor", "staff", "tenderee")
def correction_list():
    """The correction orders the user may read: all of them for the supervisor, its own for an addressee."""
    rows = corrections.visible(db.session, current_user)
    lots = {o.lot_id: db.session.get(Lot, o.lot_id) for o in rows}
    return render_template("supervision/corrections.html", rows=rows, lots=lots, **_names())


def _order(order_id: int):
    try:
        return corrections.order_of(db.session, current_user, order_id)
    except DomainError:
        abort(404)


@bp.route("/corrections/<int:order_id>")
@roles_required("supervisor", "staff", "tenderee")
def correction_view(order_id: int):
    """One correction order, the warning behind it, the answer and its evidence; the forms its reader may use."""
    order = _order(order_id)
    warning = db.session.get(EarlyWarning, order.warning_id)
    return render_template("supervision/correction.html", order=order, w=warning,
                           lot=db.session.get(Lot, order.lot_id), f=ActionForm(),
                           may_answer=corrections.may_answer(current_user, order), **_names())


@bp.route("/corrections/<int:order_id>/answer", methods=["POST"])
@roles_required("staff", "tenderee")
def correction_answer(order_id: int):
    """The addressee answers with what it did and, optionally, a file of evidence."""
    order = _order(order_id)
    upload = request.files.get("evidence")
    if upload is not None and upload.filename:
        perform(corrections.answer, order.id, request.form.get("answer", ""), upload.filename, upload.stream,
                current_app.config["MAX_ATTACHMENT_BYTES"], ok=_("Your answer is sent to the supervisor."))
    else:
        perform(corrections.answer, order.id, request.form.get("answer", ""),
                ok=_("Your answer is sent to the supervisor."))
    return redirect(url_for("supervision.correction_view", order_id=order.id))


@bp.route("/corrections/<int:order_id>/<any(closed, escalated):outcome>", methods=["POST"])
@roles_required("supervisor")
def correction_conclude(order_id: int, outcome: str):
    """The supervisor closes the order (corrected) or escalates it, with a note."""
    perform(corrections.conclude, order_id, outcome, request.form.get("note", ""),
            ok=_("The order is closed.") if outcome == "closed" else _("The order is escalated."))
    return redirect(url_for("supervision.correction_view", order_id=order_id))


@bp.route("/corrections/<int:order_id>/evidence")
@roles_required("supervisor", "staff", "tenderee")
def correction_evidence(order_id: int):
    """The evidence file of the answer (the supervisor and the addressee)."""
    order = _order(order_id)
    if not order.evidence_key:
        abort(404)
    return send_upload(current_platform().store.open(order.evidence_key), order.evidence_name)


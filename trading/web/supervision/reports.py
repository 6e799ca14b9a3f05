"""The supervisor's public reports (举报): the list, one report, and its handling (accept with a reason and an
assignee, decline with a reason, reassign, conclude with the outcome the reporter reads). Only the supervisor reaches
these routes, and the service checks again (``visibility.may_read_report``)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import jobs
from ...domain import reports as rules_of_reports
from ...domain.errors import DomainError
from ...extensions import db
from ...models import Lot, User
from ...platform import current_platform
from ...services import outbox, reports
from .. import labels
from ..common import now, perform, roles_required
from ..lots.forms import ActionForm
from .views import bp


def _names() -> dict:
    return {"categories": labels.REPORT_CATEGORIES, "statuses": labels.REPORT_STATUSES,
            "channels": labels.MESSAGE_CHANNELS, "outbox_statuses": labels.OUTBOX_STATUSES}


@bp.route("/reports")
@roles_required("supervisor")
def report_list():
    """Every public report, newest first, filtered by status; those past the centre's acceptance period marked."""
    status = request.args.get("status", "")
    status = status if status in rules_of_reports.STATUSES else ""
    rows = reports.listed(db.session, current_user, status or None)
    at = now()
    return render_template("supervision/reports.html", rows=rows, status=status, at=at,
                           overdue={row.id for row in rows if reports.overdue(row, at)}, **_names())


@bp.route("/reports/<int:report_id>")
@roles_required("supervisor")
def report_view(report_id: int):
    """One report, in full, with the forms of its next step."""
    try:
        row = reports.get(db.session, current_user, report_id)
    except DomainError:
        abort(404)
    people = {i: db.session.get(User, i) for i in (row.assignee_id, row.handled_by_id, row.concluded_by_id) if i}
    return render_template("supervision/report.html", row=row, f=ActionForm(), people=people,
                           notices=outbox.of_report(db.session, row.id),
                           supervisors=reports.supervisors(db.session), overdue=reports.overdue(row, now()),
                           lot=db.session.get(Lot, row.lot_id) if row.lot_id else None, **_names())


@bp.route("/reports/<int:report_id>/<any(accept, decline, assign, conclude):step>", methods=["POST"])
@roles_required("supervisor")
def report_handle(report_id: int, step: str):
    """Take one step on a report; a refusal comes back on the report's page with its reason. Accepted, declined or
    concluded, the reporter's notice is sent (the job, after the commit)."""
    form = request.form
    if step == "assign":  # the reporter is not told of a reassignment
        perform(reports.assign, report_id, form.get("assignee", ""), ok=_("The report is assigned."))
        return redirect(url_for("supervision.report_view", report_id=report_id))
    if step == "accept":
        done = perform(reports.accept, report_id, form.get("reason", ""), form.get("assignee", ""),
                       ok=_("The report is accepted."))[1]
    elif step == "decline":
        done = perform(reports.decline, report_id, form.get("reason", ""), ok=_("The report is declined."))[1]
    else:
        done = perform(reports.conclude, report_id, form.get("outcome", ""), ok=_("The outcome is recorded."))[1]
    if done:  # the reporter's notice, queued with the change, is sent by the job
        jobs.enqueue_messages(current_platform())
    return redirect(url_for("supervision.report_view", report_id=report_id))

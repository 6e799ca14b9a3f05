"""The supervisor's public reports (举报): the list, one report, and its handling (accept with a reason and an
assignee, decline with a reason, reassign, conclude with the outcome the reporter reads). Only the supervisor reaches
these routes, and the service checks again (``visibility.may_read_report``)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...domain import reports as rules_of_reports
from ...domain.errors import DomainError
from ...extensions import db
from ...models import Lot, User
from ...services import reports
from .. import labels
from ..common import now, perform, roles_required
from ..lots.forms import ActionForm
from .views import bp


def _names() -> dict:
    return {"categories": labels.REPORT_CATEGORIES, "statuses": labels.REPORT_STATUSES}


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
                           supervisors=reports.supervisors(db.session), overdue=reports.overdue(row, now()),
                           lot=db.session.get(Lot, row.lot_id) if row.lot_id else None, **_names())


@bp.route("/reports/<int:report_id>/<any(accept, decline, assign, conclude):step>", methods=["POST"])
@roles_required("supervisor")
def report_handle(report_id: int, step: str):
    """Take one step on a report; a refusal comes back on the report's page with its reason."""
    form = request.form
    if step == "accept":
        perform(reports.accept, report_id, form.get("reason", ""), form.get("assignee", ""),
                ok=_("The report is accepted."))
    elif step == "decline":
        perform(reports.decline, report_id, form.get("reason", ""), ok=_("The report is declined."))
    elif step == "assign":
        perform(reports.assign, report_id, form.get("assignee", ""), ok=_("The report is assigned."))
    else:
        perform(reports.conclude, report_id, form.get("outcome", ""), ok=_("The outcome is recorded."))
    return redirect(url_for("supervision.report_view", report_id=report_id))

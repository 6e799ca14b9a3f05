"""The public report form (举报) and its follow-up page, for anyone, without a login (``services.reports``).

The form answers with the acknowledgement number and a follow-up link holding a random code; the follow-up page shows
that one report's status and the supervisor's published answer, and nothing about any other report. Both are
throttled per client address (rule ``report.throttle``); the follow-up page is never cached and sends no referrer,
so its code does not leave the browser."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...domain import reports as rules_of_reports
from ...domain.errors import DomainError
from ...extensions import db
from ...services import reports
from .. import labels
from ..common import choices, perform
from ..throttle import lookup_throttled, report_saved, report_throttled
from .forms import ReportForm
from .views import bp


def _form() -> ReportForm:
    form = ReportForm()
    form.category.choices = choices((code, labels.REPORT_CATEGORIES[code]) for code in rules_of_reports.CATEGORIES)
    return form


@bp.route("/reports/new", methods=["GET", "POST"])
@report_throttled
def report_new():
    """The public report form: category, the lot and party (optional), what happened, a contact (optional)."""
    form = _form()
    if form.validate_on_submit():
        result, done = perform(reports.submit, form.category.data, form.lot.data, form.party.data, form.text.data,
                               form.contact.data, form=form)
        if done:
            row, token = result
            report_saved()
            flash(_("Your report is received as No. %(number)s. Keep this page's address: it is the only way to "
                    "follow the report.", number=row.number), "success")
            return redirect(url_for("public.report_follow", token=token))
    status = 422 if request.method == "POST" else 200
    return render_template("public/report_new.html", form=form,
                           days=_acceptance_days()), status


def _acceptance_days() -> int:
    """The centre's acceptance period, in working days, as the form states it."""
    from ...platform import current_platform
    from ...services import rulebook

    return int(rulebook.in_force(current_platform(), db.session).value(rules_of_reports.ACCEPTANCE))


@bp.route("/reports/<string(maxlength=100):token>")
@lookup_throttled
def report_follow(token: str):
    """One report's status and the supervisor's answer, for whoever holds its follow-up code."""
    try:
        row = reports.follow(db.session, token)
    except DomainError:
        abort(404)
    response = make_response(render_template("public/report_follow.html", row=row,
                                             categories=labels.REPORT_CATEGORIES,
                                             statuses=labels.REPORT_STATUSES))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response

"""The supervisor's performance page (绩效) and marks review (评分偏离复核), on the supervision blueprint: both read
only on GET; a decision on flagged marks is a POST."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
from flask import abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from ...domain import mark_review as marks_rule, performance as stages
from ...domain.errors import DomainError
from ...domain.rules import TRADE_TYPES
from ...extensions import db
from ...platform import current_platform
from ...services import mark_review, performance
from ..common import ActionForm, now, perform, roles_required
from ..i18n import error_text
from ..labels import chinese, named, trade_type_name
from ..spreadsheets import append
from .views import bp

UNITS = {"days": _l("days"), "working_days": _l("working days"), "hours": _l("hours")}
KINDS = {"within": _l("within"), "at_least": _l("at least"), "window": _l("within the room's window")}
DECISIONS = {"confirmed": _l("confirmed: credit event"), "dismissed": _l("dismissed")}


def _report():
    """The month's report for the page's filters, or (an empty report of this month, the refusal)."""
    args = request.args
    try:
        filters = performance.check_filters(now(), args.get("month"), args.get("trade_type"), args.get("stage"),
                                            args.get("staff"))
        error = None
    except DomainError as refused:
        filters, error = performance.Filters(performance.this_month(now())), error_text(refused)
    found = performance.report(current_platform(), db.session, current_user, now(), filters)
    return found, error


def figure(value) -> str:
    """A time taken as the page shows it: whole numbers without decimals (4, not 4.0), else one decimal; — for none."""
    if value is None:
        return "—"
    return format(value.normalize(), "f") if value == value.to_integral_value() else f"{value:.1f}"


def paused_days(span) -> str:
    """The time a lot was suspended during a stage, in days (one decimal), or "" for none."""
    if not span.paused:
        return ""
    return figure((Decimal(span.paused.total_seconds()) / 86400).quantize(Decimal("0.1")))


def _page_names() -> dict:
    return {"stages": stages.STAGES, "by_code": stages.BY_CODE, "units": UNITS, "kinds": KINDS, "figure": figure,
            "paused_days": paused_days,
            "trade_types": [(code, trade_type_name(code)) for code in TRADE_TYPES]}


@bp.route("/performance")
@roles_required("supervisor")
def performance_page():
    """Per stage of a lot: how many lots, the median and p90 time, how many outside the legal or centre limit, by
    month, trade type, stage and person; each lot outside its limit links to the lot."""
    found, error = _report()
    args = {k: v for k, v in request.args.items() if v}
    return render_template("supervision/performance.html", report=found, error=error, args=args, **_page_names())


def limit_text(limit) -> str:
    """A stage's limit in words: "within 30 days", "at least 3 working days", the room's window, or no limit."""
    if limit is None:
        return _("no legal limit")
    if limit.kind == "window":
        return str(KINDS["window"])
    return f"{KINDS[limit.kind]} {limit.value} {UNITS[limit.unit]}"


@bp.route("/performance.xlsx")
@roles_required("supervisor")
def performance_export():
    """The same month, filtered as the page, as an Excel workbook: the summary per stage and per person, and every
    stage of every lot with its time, limit and verdict."""
    found, _error = _report()
    book = openpyxl.Workbook()
    zh = chinese()
    summary = book.active
    summary.title = "汇总" if zh else "Summary"
    head = [_("Stage"), _("Limit"), _("Rule"), _("Unit"), _("Lots"), _("Median"), "P90", _("Outside the limit")]
    append(summary, [_("Performance of the centre's steps"), found.filters.month])
    append(summary, head)
    for row in found.stages:
        append(summary, _cells(row))
    append(summary, [])
    append(summary, [_("Person"), *head])
    for row in found.people:
        append(summary, [found.names.get(row.actor_id, row.actor), *_cells(row)])
    detail = book.create_sheet("明细" if zh else "Lots")
    append(detail, [_("Stage"), _("Deal code"), _("Lot"), _("Round"), _("Trade type"), _("Person"), _("Began"),
                    _("Finished"), _("Time taken"), _("Unit"), _("Limit"), _("Rule"), _("Outside the limit")])
    for span in found.spans:
        lot = found.lots[span.lot_id]
        append(detail, [named(stages.BY_CODE[span.stage]), lot.deal_code or "", f"{lot.project.name} {lot.name}",
                        span.round, trade_type_name(span.trade_type), found.names.get(span.actor_id, span.actor),
                        _local(span.start), _local(span.end), float(span.taken), str(UNITS[span.unit]),
                        limit_text(span.limit), span.limit.rule_id or "" if span.limit else "",
                        _("yes") if span.outside else _("no")])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    name = f"绩效-{found.filters.month}.xlsx" if zh else f"performance-{found.filters.month}.xlsx"
    return send_file(out, as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _cells(row) -> list:
    return [named(stages.BY_CODE[row.stage]), limit_text(row.limit),
            row.limit.rule_id or "" if row.limit else "", str(UNITS[row.unit]), row.lots,
            float(row.median) if row.median is not None else None, float(row.p90) if row.p90 is not None else None,
            row.outside]


def _local(moment) -> str:
    from ...domain.calendar import to_local

    return to_local(moment).strftime("%Y-%m-%d %H:%M")


@bp.route("/lots/<int:lot_id>/marks")
@roles_required("supervisor")
def marks_review(lot_id: int):
    """Experts' marks reviewed: each member's deviation from the committee's mean per bid and factor, with the
    working; flagged marks to confirm (a credit event) or dismiss, each with a reason."""
    from ..lots.blueprint import load_lot

    lot = load_lot(lot_id)
    try:
        found, refused = mark_review.review(current_platform(), db.session, current_user, now(), lot), None
    except DomainError as error:
        found, refused = [], error_text(error)
    return render_template("supervision/marks.html", lot=lot, reviews=found, refused=refused, form=ActionForm(),
                           decisions=DECISIONS, rule_id=marks_rule.RULE)


def _keys(values: list[str]) -> list[tuple[int, str]]:
    """The chosen flags, ``<bid id>:<factor>`` each (a malformed one is left out, then refused as not flagged)."""
    keys = []
    for value in values[:200]:
        bid, _sep, factor = value.partition(":")
        if bid.isdigit() and len(bid) < 12 and factor:
            keys.append((int(bid), factor[:100]))
    return keys


@bp.route("/evaluations/<int:evaluation_id>/marks", methods=["POST"])
@roles_required("supervisor")
def marks_decide(evaluation_id: int):
    """Confirm a member's flagged marks as an expert_deviation credit event, or dismiss them, with a reason."""
    from ...models import Evaluation

    evaluation = db.session.get(Evaluation, evaluation_id)
    if evaluation is None:
        abort(404)
    form = request.form
    member = form.get("member", "")
    member = member if member.isdigit() and len(member) < 12 else ""
    if ActionForm().validate_on_submit():
        decision = form.get("decision", "")
        perform(mark_review.decide, evaluation.id, int(member or 0),
                _keys(form.getlist("flag")), decision, form.get("reason", ""), form.get("decision_number", ""),
                ok=_("The decision is recorded.") if decision != "confirmed"
                else _("The decision is recorded: a credit event of the expert."))
    return redirect(url_for("supervision.marks_review", lot_id=evaluation.lot_id) + f"#member-{member}")

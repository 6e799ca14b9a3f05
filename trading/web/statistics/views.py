"""Views of the statistics blueprint: every figure links to its working and the lots behind it."""

from __future__ import annotations

import hashlib
import io

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField

from ...domain import history as historical, regions, rules, scenarios, statistics as defs
from ...domain.errors import DomainError
from ...extensions import db
from ...platform import current_platform
from ...services import history, statistics as stats
from ..common import ActionForm, now, perform, roles_required
from ..edge import MAX_PAGE, arg_int
from ..fields import Form
from ..i18n import error_text, message_text
from ..labels import trade_type_name
from ..requests import large_body
from .export import workbook

bp = Blueprint("stats", __name__)
FILTER_ARGS = ("period_kind", "period", "region", "subs", "trade_type", "method", "funding", "imported")
PERIOD_NAMES = {"year": _l("year"), "quarter": _l("quarter"), "month": _l("month"), "dates": _l("dates")}
KIND_OF = {"savings_rate": "savings", "savings_rate_mean": "savings", "savings_rate_award_base": "savings",
           "savings": "savings", "premium_rate": "premium", "premium_rate_mean": "premium",
           "premium_rate_deal_base": "premium", "premium": "premium", "amount": "all", "lots": "all"}


def _filters() -> tuple[stats.Filters, str | None]:
    """The filters of the query string, or no filter and the refusal's text."""
    args = request.args
    others = {"region": (args.get("region") or "").strip() or None, "include_subordinates": args.get("subs") != "0",
              "trade_type": args.get("trade_type") or None, "method": args.get("method") or None,
              "funding_source": args.get("funding") or None,
              "imported": {"1": True, "0": False}.get(args.get("imported", ""))}
    try:
        if (args.get("period") or "").strip():
            return stats.Filters.period(args.get("period_kind") or "year", args["period"].strip(), **others), None
        return stats.Filters(**others), None
    except DomainError as error:
        return stats.Filters(), error_text(error)


def _query() -> dict[str, str]:
    """The filter arguments as given, to carry into links."""
    return {k: request.args[k] for k in FILTER_ARGS if request.args.get(k)}


def _zh() -> bool:
    return str(get_locale()).startswith("zh")


def _region_name(code: str) -> str:
    return regions.name_or_code(code)


@bp.route("/statistics")
@roles_required("supervisor", "staff")
def report():
    """The report: definitions, figures with links to their working, breakdowns, charts."""
    filters, error = _filters()
    data = stats.report(db.session, filters)
    parcels = stats.lots(db.session, filters, kind="premium", sort="premium", descending=True, per_page=30)
    charts = {
        "months": [b.key for b in data.by_month],
        "savings_rate": [float(b.savings["savings_rate"].value * 100) if b.savings["savings_rate"].value is not None
                         else None for b in data.by_month],
        "types": [trade_type_name(b.key) for b in data.by_trade_type],
        "amounts": [float(b.amount / 10**4) for b in data.by_trade_type],
        "parcels": [d.lot_name for d in parcels.deals],
        "premiums": [float((d.price - d.starting_price) / 10**4) for d in parcels.deals],
    }
    return render_template("statistics/report.html", data=data, error=error, query=_query(), args=request.args,
                           zh=_zh(), trade_types=rules.TRADE_TYPES, methods=rules.METHODS, periods=PERIOD_NAMES,
                           region_name=_region_name, charts=charts, definitions=defs.DEFINITIONS,
                           rate=defs.format_rate)


@bp.route("/statistics/working")
@roles_required("supervisor", "staff")
def working():
    """A figure's formula with the sums substituted, and the lots behind it (paged, sortable)."""
    filters, error = _filters()
    code = request.args.get("figure", "savings_rate")
    kind = KIND_OF.get(code, "all")
    data = stats.report(db.session, filters)
    figure = (data.savings if kind == "savings" else data.premium if kind == "premium" else {}).get(code)
    sort = request.args.get("sort", "date")
    try:
        page = stats.lots(db.session, filters, kind=kind, sort=sort, descending=request.args.get("desc") == "1",
                          page=arg_int("page", 1, low=1, high=MAX_PAGE), per_page=50)
    except DomainError as err:
        error = error_text(err)
        page = stats.lots(db.session, filters, kind=kind)
    return render_template("statistics/working.html", data=data, figure=figure, code=code, kind=kind, page=page,
                           sort=sort, error=error, query=_query(), zh=_zh(), definition=defs.DEFINITIONS.get(code),
                           trade_types=rules.TRADE_TYPES, region_name=_region_name, args=request.args)


@bp.route("/statistics.xlsx")
@roles_required("supervisor", "staff")
def export():
    """The lots and the figures as an Excel workbook whose rates are live formulas over the lot sheet."""
    filters, _error = _filters()
    data = stats.report(db.session, filters)
    deals, complete = stats.export_deals(db.session, filters)
    book = workbook(data, deals, complete=complete, zh=_zh(), made_at=now(),
                    made_by=f"{current_user.display_name}（{current_user.username}）" if _zh()
                    else f"{current_user.display_name} ({current_user.username})")
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return send_file(out, as_attachment=True, download_name="统计报表.xlsx" if _zh() else "statistics.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/statistics/calibration")
@roles_required("supervisor", "staff")
def calibration():
    """Every published figure of the source documents beside the platform's, with the difference and why."""
    rows = stats.calibration(db.session)
    links = {s.code: url_for("stats.report", period_kind=s.period_kind, period=s.period_value, region=s.region,
                             subs="1" if s.subordinates else "0") for s in defs.SCOPES.values()}
    return render_template("statistics/calibration.html", rows=rows, zh=_zh(), scopes=defs.SCOPES, links=links,
                           definitions=defs.DEFINITIONS, sources=defs.SOURCE_NAMES)


class ImportForm(Form):
    """A file of past deals (.csv or .xlsx); after its warnings were shown, their confirmation for that file."""

    file = FileField(validators=[FileRequired()])
    accept_warnings = BooleanField()
    confirmed = HiddenField()  # the SHA-256 of the file whose warnings were shown


def _digest(stream, limit: int) -> str:
    """The SHA-256 of an upload (its first ``limit`` + 1 bytes: a larger file is refused anyway), stream rewound."""
    digest = hashlib.sha256()
    stream.seek(0)
    left = limit + 1
    while left > 0 and (chunk := stream.read(min(left, 2**20))):
        digest.update(chunk)
        left -= len(chunk)
    stream.seek(0)
    return digest.hexdigest()


def _listed(items: list[dict]) -> list[dict]:
    """Errors or warnings of an import for the page: line, column (letter and header), text, rule."""
    return [{"line": e["line"], "column": e.get("column"), "header": e.get("header") or "",
             "text": message_text(e["message"], e["params"]), "rule": e.get("rule")} for e in items]


@bp.route("/statistics/import", methods=["GET", "POST"])
@large_body("MAX_IMPORT_BYTES")
@roles_required("staff", "admin")
def import_file():
    """Import past deals from a file, all or nothing, listing every bad row and every warning (confirmed by ticking
    the box and choosing the same file again); or load a calibration scenario."""
    form = ImportForm()
    problems, warnings, how, digest = [], [], None, None
    if form.validate_on_submit():
        upload = form.file.data
        limit = current_app.config["HISTORY_IMPORT_MAX_BYTES"]
        accept = False
        if form.accept_warnings.data:
            accept = form.confirmed.data == _digest(upload.stream, limit)
            if not accept:
                flash(_("This is not the file whose warnings you confirmed: check its warnings first."), "warning")
        try:
            rows = history.read_rows(upload.filename or "", upload.stream, max_bytes=limit)
            done = history.import_history(current_platform(), db.session, current_user, now(), rows,
                                          upload.filename or "", accept_warnings=accept)
        except DomainError as error:
            db.session.rollback()
            flash(error_text(error), "warning" if error.field == "accept_warnings" else "danger")
            problems = _listed(error.params.get("errors", []))
            warnings = _listed(error.params.get("warnings", []))
            how = {k: error.params[k] for k in ("encoding", "header_line", "units") if k in error.params} or None
            if error.field == "accept_warnings":
                digest = _digest(upload.stream, limit)
        else:
            db.session.commit()
            said = [_("%(lots)s deals imported from %(source)s.", lots=done.lots, source=done.source),
                    _how_text({"encoding": done.encoding, "header_line": done.header_line, "units": done.units})]
            if done.warnings:
                said.append(_("%(count)s warnings were confirmed; the audit log records them.", count=done.warnings))
            flash(" ".join(said), "success")
            return redirect(url_for("stats.import_file"))
    loaded = history.loaded_scenarios(db.session)
    return render_template("statistics/import.html", form=form, problems=problems, warnings=warnings,
                           how=_how_text(how) if how else None, digest=digest, fields=historical.FIELDS,
                           scenarios=scenarios.SCENARIOS, loaded=loaded,
                           limit_mb=current_app.config["HISTORY_IMPORT_MAX_BYTES"] / 2**20)


def _how_text(how: dict) -> str:
    """How a file was read, for the page: its encoding (or a workbook), the header's line, the units applied."""
    if how.get("encoding"):
        text = _("Read as %(encoding)s; the header is on line %(line)s.", encoding=how["encoding"],
                 line=how["header_line"])
    else:
        text = _("Read as an Excel workbook; the header is on line %(line)s.", line=how["header_line"])
    for header, unit in (how.get("units") or {}).items():
        text += " " + _("%(header)s: amounts in %(unit)s, converted to yuan.", header=header, unit=unit)
    return text


@bp.route("/statistics/scenarios/<name>", methods=["POST"])
@roles_required("staff", "admin")
def load_scenario(name: str):
    """Load a calibration scenario's historical lots."""
    if ActionForm().validate_on_submit():
        perform(history.load_scenario, name, ok=_("Scenario loaded."))
    return redirect(url_for("stats.import_file"))

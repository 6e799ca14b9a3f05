"""The expert pool pages (admin writes; staff and supervisors read)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...domain import experts as expert_rules, specialties
from ...domain.errors import DomainError
from ...extensions import db
from ...models import Expert, ExpertSpecialty, Organisation
from ...platform import current_platform
from ...services import draws, experts
from ..common import form_error, now, perform, roles_required
from ..edge import paginate
from ..i18n import error_text, message_text
from ..requests import large_body
from .blueprint import bp
from .forms import ExpertForm, ImportForm, PenaltyForm, StatusForm, TieForm

LOCAL_TZ = "Asia/Shanghai"


def _fields(form: ExpertForm) -> dict:
    """The form's values as an import row."""
    return {key: (getattr(form, key).data or "").strip() for key in
            ("name", "id_number", "mobile", "specialties", "title", "years", "region_code", "employer_credit_code")}


def _show_problems(form, error: DomainError) -> None:
    """A file-style refusal (one or more bad rows) shown on the form or flashed row by row."""
    problems = error.params.get("problems") if isinstance(error.params, dict) else None
    if not problems:
        form_error(form, error)
        return
    for problem in problems:
        text = message_text(problem["message"], problem.get("params", {}))
        field = getattr(form, problem.get("column") or "", None)
        if field is not None and hasattr(field, "errors") and problem.get("line", 1) <= 1:
            field.errors = [*list(field.errors), text]
        else:
            flash(_("Line %(line)s, %(column)s: %(text)s", line=problem.get("line"), column=problem.get("column"),
                    text=text), "danger")


@bp.route("/experts")
@roles_required("admin", "staff", "supervisor")
def expert_list():
    """The pool, filtered by specialty, status or name; ID numbers masked."""
    query = sa.select(Expert).order_by(Expert.id)
    code = (request.args.get("specialty") or "").strip().upper()
    status = request.args.get("status", "")
    name = (request.args.get("q") or "").strip()
    if code:
        matching = sa.select(ExpertSpecialty.expert_id).where(ExpertSpecialty.code.like(f"{code}%"))
        query = query.where(Expert.id.in_(matching))
    if status in experts.STATUSES:
        query = query.where(Expert.status == status)
    if name:
        query = query.where(Expert.name.contains(name))
    rows = paginate(query, per_page=50)
    args = {key: value for key, value in request.args.items() if key != "page"}
    counters = draws.visible_counters(db.session, current_user, [e.id for e in rows.items], now())
    return render_template("experts/list.html", rows=rows, args=args, mask=expert_rules.mask_id, counters=counters,
                           catalogue=specialties.load(), importer=ImportForm())


@bp.route("/experts/new", methods=["GET", "POST"])
@roles_required("admin")
def expert_new():
    """Add an expert."""
    form = ExpertForm()
    if form.validate_on_submit():
        try:
            expert = experts.create(current_platform(), db.session, current_user, now(), _fields(form),
                                    form.employer_name.data or "")
        except DomainError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("Expert added."), "success")
            return redirect(url_for("experts.expert_view", expert_id=expert.id))
    return render_template("experts/form.html", form=form, expert=None)


@bp.route("/experts/<int:expert_id>", methods=["GET", "POST"])
@roles_required("admin", "staff", "supervisor")
def expert_view(expert_id: int):
    """An expert's data and record; admins change it."""
    expert = db.session.get(Expert, expert_id) or abort(404)
    form = ExpertForm(obj=expert) if request.method == "GET" else ExpertForm()
    if request.method == "GET":  # pre-fill from the row
        form.specialties.data = ";".join(expert.specialties)
        form.years.data = str(expert.years)
        form.employer_credit_code.data = expert.employer.credit_code if expert.employer else ""
    elif form.validate_on_submit() and current_user.has_role("admin"):
        try:
            experts.update(current_platform(), db.session, current_user, now(), expert, _fields(form),
                           form.employer_name.data or "")
        except DomainError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("Expert saved."), "success")
            return redirect(url_for("experts.expert_view", expert_id=expert.id))
    return render_template("experts/form.html", form=form, expert=expert, status_form=StatusForm(),
                           counters=draws.visible_counters(db.session, current_user, [expert.id], now())[expert.id],
                           mask=expert_rules.mask_id, catalogue=specialties.load(), tie_form=_tie_form(),
                           penalty_form=PenaltyForm(prefix="penalty"),
                           organisations={o.id: o.name for o in db.session.scalars(sa.select(Organisation))})


def _tie_form() -> TieForm:
    """The tie form, its organisations the platform's bidders and tenderees."""
    form = TieForm(prefix="tie")
    form.organisation_id.choices = [(o.id, o.name) for o in db.session.scalars(
        sa.select(Organisation).where(Organisation.org_type.in_(["bidder", "tenderee", "agency"]))
        .order_by(Organisation.name))]
    return form


@bp.route("/experts/<int:expert_id>/ties", methods=["POST"])
@roles_required("admin")
def expert_tie(expert_id: int):
    """Record a tie of the expert to an organisation (recusal: 采购条例 Art. 9)."""
    expert = db.session.get(Expert, expert_id) or abort(404)
    form = _tie_form()
    if form.validate_on_submit():
        perform(experts.declare_tie, expert, form.organisation_id.data, form.relation.data, form.ended_on.data,
                ok=_("Tie recorded: the expert is recused from that organisation's lots."))
    else:
        flash(_("Choose the organisation and the tie."), "danger")
    return redirect(url_for("experts.expert_view", expert_id=expert.id))


@bp.route("/experts/<int:expert_id>/penalties", methods=["POST"])
@roles_required("admin")
def expert_penalty(expert_id: int):
    """Record a penalty of the expert (recusal: 评标规定 Art. 12)."""
    expert = db.session.get(Expert, expert_id) or abort(404)
    form = PenaltyForm(prefix="penalty")
    if form.validate_on_submit():
        perform(experts.record_penalty, expert, form.decided_on.data, form.authority.data, form.text.data,
                ok=_("Penalty recorded: the expert is not drawn again."))
    else:
        flash(_("Enter the date, the authority and the penalty."), "danger")
    return redirect(url_for("experts.expert_view", expert_id=expert.id))


@bp.route("/experts/<int:expert_id>/status", methods=["POST"])
@roles_required("admin")
def expert_status(expert_id: int):
    """Suspend until a date, remove, or reinstate, with a reason."""
    expert = db.session.get(Expert, expert_id) or abort(404)
    form = StatusForm()
    if form.validate_on_submit():
        from zoneinfo import ZoneInfo

        until = form.until.data.replace(tzinfo=ZoneInfo(LOCAL_TZ)) if form.until.data else None
        perform(experts.set_status, expert, form.status.data, reason=form.reason.data, until=until,
                ok=_("Status changed."))
    else:
        flash(_("Choose the status and write the reason."), "danger")
    return redirect(url_for("experts.expert_view", expert_id=expert.id))


@bp.route("/experts/import", methods=["POST"])
@large_body("MAX_IMPORT_BYTES")
@roles_required("admin")
def expert_import():
    """Import a CSV or Excel file: every row, or none with every bad row listed."""
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Choose a CSV or Excel file."), "danger")
        return redirect(url_for("experts.expert_list"))
    upload = form.file.data
    reader = expert_rules.read_xlsx if (upload.filename or "").lower().endswith(".xlsx") else expert_rules.read_csv
    try:
        rows = reader(upload.stream, max_bytes=current_app.config["EXPERT_IMPORT_MAX_BYTES"])
        made = experts.import_rows(current_platform(), db.session, current_user, now(), rows)
    except DomainError as error:
        db.session.rollback()
        problems = error.params.get("problems") or []
        return render_template("experts/import_report.html", problems=problems, message=error_text(error),
                               render=message_text, filename=upload.filename), 422
    db.session.commit()
    flash(_("%(count)s experts imported.", count=len(made)), "success")
    return redirect(url_for("experts.expert_list"))

"""Projects, lots, filing, entry certificate, method approval, cancellation and re-trade (stages 1–2)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...domain import filing, lifecycle, regions, rules, specialties
from ...domain.errors import N_, DomainError
from ...extensions import db
from ...models import Attachment, Cancellation, Lot, MethodApproval, Organisation, Project
from ...platform import current_platform
from ...services import auctions, cancellation, certification, methods, projects, registrations, rulebook, visibility
from ...services.lots import acts_for_tenderee
from ..common import choices, now, perform, roles_required
from ..downloads import send_upload
from ..edge import paginate
from ..i18n import error_text
from ..labels import category_name, evaluation_method_name, named, trade_type_name
from ..requests import large_body
from .auction_views import board_context
from .blueprint import INTERNAL, bp, load_lot, load_project, may_see_project, require_party
from .forms import ActionForm, DecisionForm, LotForm, ProjectForm, ReasonForm, UploadForm
from .pages import lot_context, method_form
from .property_views import pre_disclosure_context, property_context


@bp.route("/projects")
@roles_required("tenderee", *INTERNAL)
def project_list():
    """The user's projects (a tenderee's own; every project for staff, supervisors and admins)."""
    query = sa.select(Project).order_by(Project.id.desc())
    if not current_user.has_role(*INTERNAL):
        org = current_user.organisation_id
        query = query.where(sa.or_(Project.tenderee_id == org, Project.agency_id == org))
    rows = paginate(query, per_page=30)
    return render_template("lots/projects.html", rows=rows, trade_types=rules.TRADE_TYPES,
                           states=lifecycle.STATES)


def _project_form() -> ProjectForm:
    """The project form with its choices."""
    form = ProjectForm()
    form.trade_type.choices = choices((code, trade_type_name(code)) for code in rules.TRADE_TYPES)
    tenderees = db.session.scalars(sa.select(Organisation).where(Organisation.org_type == "tenderee",
                                                                 Organisation.active).order_by(Organisation.name))
    form.tenderee_id.choices = choices([(0, "—")] + [(org.id, org.name) for org in tenderees])
    return form


@bp.route("/projects/new", methods=["GET", "POST"])
@roles_required("tenderee")
def project_new():
    """Register a project (立项批文) with its trade type, region, approval and funding."""
    form = _project_form()
    if form.validate_on_submit():
        data = projects.ProjectInput(
            name=form.name.data, trade_type=form.trade_type.data, region_code=form.region_code.data,
            approval_number=form.approval_number.data, approving_body=form.approving_body.data,
            approval_date=form.approval_date.data, funding_source=form.funding_source.data,
            state_funded=form.state_funded.data, tenderee_id=form.tenderee_id.data or None,
            contact_name=form.contact_name.data, contact_phone=form.contact_phone.data)
        project, ok = perform(projects.register_project, data, form=form, ok=_("Project registered."))
        if ok:
            return redirect(url_for("lots.project_view", project_id=project.id))
    return render_template("lots/project_form.html", form=form,
                           is_agency=current_user.organisation.org_type == "agency")


@bp.route("/projects/<int:project_id>")
@roles_required("tenderee", *INTERNAL)
def project_view(project_id: int):
    """A project and its lots."""
    project = load_project(project_id)
    return render_template("lots/project.html", project=project, trade_types=rules.TRADE_TYPES,
                           states=lifecycle.STATES, mine=acts_for_tenderee(current_user, project))


def _lot_form(project: Project, lot: Lot | None = None) -> LotForm:
    """The lot form with choices, pre-filled from ``lot`` on a GET."""
    form = LotForm(obj=lot) if lot is not None and request.method == "GET" else LotForm()
    form.category.choices = choices([("", "—"), *((c, category_name(c)) for c in rules.PROCUREMENT_CATEGORIES)])
    form.evaluation_method.choices = choices([("", "—"),
                                              *((c, evaluation_method_name(c)) for c in projects.EVALUATION_METHODS)])
    if lot is not None and request.method == "GET":
        for entry, criterion in zip(form.criteria.entries, lot.criteria, strict=False):
            entry.form.name.data, entry.form.weight.data = criterion["name"], criterion["weight"]
            entry.form.price.data = criterion.get("price", False)
        for entry, wanted in zip(form.specialties.entries, lot.specialties, strict=False):
            entry.form.code.data, entry.form.count.data = wanted.code, wanted.count
        details = lot.land_details or {}
        form.area.data, form.land_use.data = details.get("area"), details.get("use")
        form.term_years.data = details.get("term_years")
        form.plot_ratio_min.data = details.get("plot_ratio_min")
        form.plot_ratio_max.data = details.get("plot_ratio_max")
        form.category.data, form.evaluation_method.data = lot.category or "", lot.evaluation_method or ""
        terms = lot.property_terms or {}
        form.payment.data = terms.get("payment", "lump_sum")
        form.upfront_percent.data = terms.get("upfront_percent")
        form.balance_months.data = str(terms.get("balance_months") or "") or None
        form.result_publicity_days.data = str(terms.get("result_publicity_days") or "") or None
        form.price_approval.data = terms.get("price_approval")
        form.price_approval_body.data = terms.get("price_approval_body")
        form.asset.data = terms.get("asset") or "equity"
        form.lease_years.data = str(terms.get("lease_years") or "") or None
        form.resolution.data = terms.get("resolution")
        form.bidding_form.data = terms.get("bidding_form") or "multi_round"
        form.control_change.data = bool(terms.get("control_change"))
        revaluation = terms.get("revaluation") or {}
        form.revaluation_number.data = revaluation.get("number")
        form.revaluation_body.data = revaluation.get("body")
        form.revaluation_on.data = date.fromisoformat(revaluation["on"]) if revaluation.get("on") else None
    return form


def _lot_input(form: LotForm) -> projects.LotInput:
    """The form's data as the service's input."""
    return projects.LotInput(
        name=form.name.data, budget=form.budget.data or "", starting_price=form.starting_price.data or "",
        deposit=form.deposit.data or "0", increment=form.increment.data or "", category=form.category.data or None,
        evaluation_method=form.evaluation_method.data or None,
        criteria=[{"name": e.form.name.data, "weight": e.form.weight.data, "price": e.form.price.data}
                  for e in form.criteria.entries if (e.form.name.data or "").strip()],
        specialties={e.form.code.data.strip().upper(): e.form.count.data for e in form.specialties.entries
                     if (e.form.code.data or "").strip()},
        land_details={"area": form.area.data, "use": form.land_use.data, "term_years": form.term_years.data,
                      "plot_ratio_min": form.plot_ratio_min.data, "plot_ratio_max": form.plot_ratio_max.data},
        location=form.location.data or "", scope=form.scope.data or "", duration=form.duration.data or "",
        qualification=form.qualification.data or "", complex=bool(form.complex.data),
        complex_reason=form.complex_reason.data or "",
        valuation=form.valuation.data or "",
        payment=form.payment.data or "lump_sum", upfront_percent=form.upfront_percent.data or "",
        balance_months=form.balance_months.data or "", result_publicity_days=form.result_publicity_days.data or "",
        price_approval=form.price_approval.data or "", price_approval_body=form.price_approval_body.data or "",
        asset=form.asset.data or "equity", lease_years=form.lease_years.data or "",
        resolution=form.resolution.data or "", bidding_form=form.bidding_form.data or "multi_round",
        control_change=bool(form.control_change.data), revaluation_number=form.revaluation_number.data or "",
        revaluation_body=form.revaluation_body.data or "", revaluation_on=form.revaluation_on.data)


@bp.route("/projects/<int:project_id>/lots/new", methods=["GET", "POST"])
@roles_required("tenderee")
def lot_new(project_id: int):
    """Add a lot to a project."""
    project = load_project(project_id)
    require_party(project)
    form = _lot_form(project)
    if form.validate_on_submit():
        lot, ok = perform(projects.add_lot, project, _lot_input(form), form=form, ok=_("Lot saved as a draft."))
        if ok:
            return redirect(url_for("lots.lot_view", lot_id=lot.id))
    return render_template("lots/lot_form.html", form=form, project=project, lot=None,
                           catalogue=specialties.load(),
                           rules_in_force=rulebook.in_force(current_platform(), db.session))


@bp.route("/lots/<int:lot_id>/edit", methods=["GET", "POST"])
@roles_required("tenderee")
def lot_edit(lot_id: int):
    """Change a draft lot."""
    lot = load_lot(lot_id)
    require_party(lot.project)
    form = _lot_form(lot.project, lot)
    if form.validate_on_submit():
        _result, ok = perform(projects.update_lot, lot, _lot_input(form), form=form, ok=_("Lot saved."))
        if ok:
            return redirect(url_for("lots.lot_view", lot_id=lot.id))
    return render_template("lots/lot_form.html", form=form, project=lot.project, lot=lot,
                           catalogue=specialties.load(),
                           rules_in_force=rulebook.in_force(current_platform(), db.session))


@bp.route("/lots/<int:lot_id>")
@roles_required("tenderee", "bidder", *INTERNAL)
def lot_view(lot_id: int):
    """The lot page: terms, the five-stage timeline, documents, and the actions open to this user."""
    lot = load_lot(lot_id)
    context = lot_context(lot)
    context["pre"] = pre_disclosure_context(lot)
    if auctions.is_live(lot) and context["announcement"] is not None:
        context["live"] = board_context(lot)
        if auctions.is_property(lot):
            context["prop"] = property_context(lot)
    return render_template("lots/lot.html", **context)


@bp.route("/lots/<int:lot_id>/attachments", methods=["POST"])
@large_body("MAX_ATTACHMENT_BYTES")
@roles_required("tenderee")
def attachment_upload(lot_id: int):
    """File one document of the trading conditions."""
    lot = load_lot(lot_id)
    require_party(lot.project)
    form = UploadForm()
    form.kind.choices = choices((k.code, named(k)) for k in filing.kinds(lot.project.trade_type))
    if form.validate_on_submit():
        upload = form.file.data
        perform(projects.attach, lot, form.kind.data, upload.filename, upload.mimetype, upload.stream,
                current_app.config["MAX_ATTACHMENT_BYTES"], ok=_("Document filed."))
    else:
        flash(error_text(DomainError(N_("Choose a file to upload."), field="file")), "danger")
    return redirect(url_for("lots.lot_view", lot_id=lot.id) + "#stage-filing")


@bp.route("/lots/<int:lot_id>/attachments/<int:attachment_id>")
@roles_required("tenderee", *INTERNAL)
def attachment_download(lot_id: int, attachment_id: int):
    """Download a filed document (the tenderee's own, staff, supervisors)."""
    lot = load_lot(lot_id)
    if not may_see_project(lot.project):
        abort(404)
    row = db.session.get(Attachment, attachment_id)
    if row is None or row.lot_id != lot.id:
        abort(404)
    return send_upload(current_platform().store.open(row.blob_key), row.filename)  # never the uploader's Content-Type


@bp.route("/lots/<int:lot_id>/file", methods=["POST"])
@roles_required("tenderee")
def lot_file(lot_id: int):
    """File the trading conditions (交易条件备案) for the centre to check."""
    lot = load_lot(lot_id)
    if ActionForm().validate_on_submit():
        perform(projects.file_lot, lot, ok=_("Trading conditions filed: the centre will check them."))
    return redirect(url_for("lots.lot_view", lot_id=lot.id))


@bp.route("/lots/<int:lot_id>/certify", methods=["POST"])
@roles_required("staff")
def lot_certify(lot_id: int):
    """Issue the entry certificate (进场交易证明书) with the deal code."""
    lot = load_lot(lot_id)
    if ActionForm().validate_on_submit():
        perform(certification.certify, lot, ok=_("Entry certificate issued."))
    return redirect(url_for("lots.lot_view", lot_id=lot.id))


@bp.route("/lots/<int:lot_id>/return", methods=["POST"])
@roles_required("staff")
def lot_return(lot_id: int):
    """Return the filing to the tenderee with reasons."""
    lot = load_lot(lot_id)
    form = ReasonForm()
    if form.validate_on_submit():
        perform(certification.return_filing, lot, form.reason.data, ok=_("Filing returned with your reasons."))
    else:
        perform(certification.return_filing, lot, "")
    return redirect(url_for("lots.lot_view", lot_id=lot.id))


@bp.route("/lots/<int:lot_id>/certificate")
@roles_required("tenderee", *INTERNAL)
def lot_certificate(lot_id: int):
    """The printable entry certificate."""
    lot = load_lot(lot_id)
    if not may_see_project(lot.project):
        abort(404)
    certificate = certification.certificate_of(db.session, lot)
    if certificate is None:
        abort(404)
    return render_template("lots/certificate.html", lot=lot, certificate=certificate,
                           trade_types=rules.TRADE_TYPES, region=regions.name_or_code(lot.project.region_code))


@bp.route("/lots/<int:lot_id>/method", methods=["POST"])
@roles_required("tenderee")
def method_request(lot_id: int):
    """Ask the supervisor to approve a trading method."""
    lot = load_lot(lot_id)
    form = method_form(lot)
    if form.validate_on_submit():
        perform(methods.request_method, lot, form.method.data, form.justification.data, form.invitees.data or [],
                ok=_("Method requested: the supervisor will decide."))
    return redirect(url_for("lots.lot_view", lot_id=lot.id))


@bp.route("/method-approvals/<int:approval_id>/decide", methods=["POST"])
@roles_required("supervisor")
def method_decide(approval_id: int):
    """The supervisor approves or rejects a method, with reasons."""
    row = db.session.get(MethodApproval, approval_id) or abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        perform(methods.decide_method, row.id, form.decision.data == "approve", form.reason.data or "",
                ok=_("Decision recorded."))
    return redirect(url_for("lots.lot_view", lot_id=row.lot_id))


@bp.route("/lots/<int:lot_id>/cancel", methods=["POST"])
@roles_required("tenderee")
def lot_cancel(lot_id: int):
    """Cancel a draft, or ask the supervisor to cancel a lot further on."""
    lot = load_lot(lot_id)
    form = ReasonForm()
    perform(cancellation.request_cancel, lot, form.reason.data if form.validate_on_submit() else "",
            ok=_("Cancellation recorded."))
    return redirect(url_for("lots.lot_view", lot_id=lot.id))


@bp.route("/cancellations/<int:cancellation_id>/decide", methods=["POST"])
@roles_required("supervisor")
def cancel_decide(cancellation_id: int):
    """The supervisor approves or rejects a cancellation request."""
    row = db.session.get(Cancellation, cancellation_id) or abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        perform(cancellation.decide_cancel, row.id, form.decision.data == "approve", form.reason.data or "",
                ok=_("Decision recorded."))
    return redirect(url_for("lots.lot_view", lot_id=row.lot_id))


@bp.route("/lots/<int:lot_id>/retrade", methods=["POST"])
@roles_required("tenderee", "staff")
def lot_retrade(lot_id: int):
    """Start the next round of a failed lot."""
    lot = load_lot(lot_id)
    if ActionForm().validate_on_submit():
        perform(cancellation.retrade, lot, ok=_("The next round starts as a draft."))
    return redirect(url_for("lots.lot_view", lot_id=lot.id))


@bp.route("/work")
@roles_required("staff", "supervisor", "admin")
def queue():
    """What waits for the centre: filings to check, methods and cancellations to decide, lots by state."""
    filed = db.session.scalars(sa.select(Lot).where(Lot.state == "filed").order_by(Lot.updated_at)).all()
    approvals = db.session.scalars(sa.select(MethodApproval).where(MethodApproval.status == "pending")
                                   .order_by(MethodApproval.requested_at)).all()
    cancellations = db.session.scalars(sa.select(Cancellation).where(Cancellation.status == "pending")).all()
    counts = dict(db.session.execute(sa.select(Lot.state, sa.func.count(Lot.id)).group_by(Lot.state)).all())
    live = db.session.scalars(sa.select(Lot).where(Lot.state.in_(lifecycle.LIVE))
                              .order_by(Lot.bid_deadline)).all()
    at = now()
    signed_up = {lot.id: registrations.count(db.session, lot) for lot in live
                 if visibility.sees(db.session, current_user, lot, visibility.Fact.BIDDERS, at)}
    return render_template("lots/queue.html", filed=filed, approvals=approvals, cancellations=cancellations,
                           counts=counts, live=live, states=lifecycle.STATES, methods=rules.METHODS,
                           signed_up=signed_up, now=at)

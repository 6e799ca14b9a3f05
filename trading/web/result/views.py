"""Views of the result blueprint."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from ...domain import methods as rule_methods
from ...domain.visibility import may_read_report
from ...extensions import db
from ...models import Lot, Organisation, ResultObjection
from ...platform import current_platform
from ...services import archive, corrections, draws, evaluation as room, negotiations, result, rulebook, visibility
from ...services.lots import acts_for_tenderee
from ..common import ActionForm, now, perform, roles_required
from ..edge import arg_int, form_date
from ..lots.blueprint import load_lot
from ..lots.forms import NegotiationForm
from ..lots.pages import lot_context

bp = Blueprint("result", __name__)


def _back(lot):
    return redirect(url_for("result.page", lot_id=lot.id))


@bp.route("/lots/<int:lot_id>/result")
@roles_required("staff", "supervisor", "tenderee", "bidder")
def page(lot_id: int):
    """The lot's result: candidates and publicity, objections, award and notices, contract, archive."""
    lot = load_lot(lot_id)
    if not result.may_read_notices(db.session, current_user, lot):
        abort(404)
    evaluation = room.evaluation_of(db.session, lot)
    award = result.award_of(db.session, lot)
    at = now()
    refunds = [(d, db.session.get(Organisation, d.bidder_id)) for d in result.deposits_of(db.session, lot)
               if visibility.sees(db.session, current_user, lot, visibility.Fact.DEPOSITS, at, about_org=d.bidder_id)]
    signer = current_platform().keyring.receipt_key.public_key().public_bytes_raw().hex()
    in_force = rulebook.of_lot(current_platform(), db.session, lot)
    bundle = archive.bundle_of(db.session, lot)
    bond_rule = ("procurement.performance_bond_cap" if lot.project.trade_type == "procurement"
                 else "construction.performance_bond_cap")
    return render_template("result/page.html", lot=lot, evaluation=evaluation, refunds=refunds, signer=signer,
                           negotiation=result.negotiation_of(db.session, lot),
                           bond_rule=bond_rule, bond_cap=in_force.value(bond_rule),
                           contract_days=in_force.value("procurement.contract_publication"),
                           publicity=result.publicity_of(db.session, lot),
                           objections=result.objections(db.session, lot),
                           award=award, contract=result.contract_of(db.session, award),
                           bundle=bundle, kept_until=bundle and archive.kept_until_day(bundle), form=ActionForm(),
                           now=now(),
                           tenderee=acts_for_tenderee(current_user, lot.project))


@bp.route("/lots/<int:lot_id>/publicity", methods=["POST"])
@roles_required("staff", "tenderee")
def publish(lot_id: int):
    """Publish the confirmed report's candidates (中标候选人公示)."""
    lot = load_lot(lot_id)
    if ActionForm().validate_on_submit():
        perform(result.publish, lot, ok=_("The candidates are published."))
    return _back(lot)


@bp.route("/lots/<int:lot_id>/negotiation", methods=["POST"])
@roles_required("tenderee")
def negotiation(lot_id: int):
    """Single source: the tenderee records the negotiation with the one supplier and the price agreed, which
    publishes the result; a refusal shows the lot page again with the form and the reason."""
    lot = load_lot(lot_id)
    form = NegotiationForm()
    if form.validate_on_submit():
        data = rule_methods.Negotiation(negotiated_on=form.negotiated_on.data, place=form.place.data or "",
                                        negotiators=form.negotiators.data or "", cost_note=form.cost_note.data or "",
                                        price=form.price.data or "", justification=form.justification.data or "")
        _row, ok = perform(negotiations.conclude, lot, data, form=form,
                           ok=_("Negotiation recorded: the result is published."))
        if ok:
            return _back(lot)
    return render_template("lots/lot.html", **{**lot_context(lot), "negotiation_form": form})


@bp.route("/lots/<int:lot_id>/publicity/objections", methods=["POST"])
@roles_required("bidder")
def objection(lot_id: int):
    """A bidder objects to the candidates during the publicity."""
    lot = load_lot(lot_id)
    if ActionForm().validate_on_submit():
        perform(result.raise_objection, lot, request.form.get("text", ""),
                ok=_("Objection recorded: the award waits for the tenderee's answer."))
    return _back(lot)


@bp.route("/result-objections/<int:objection_id>/answer", methods=["POST"])
@roles_required("tenderee")
def answer(objection_id: int):
    """The tenderee answers an objection to the candidates."""
    row = db.session.get(ResultObjection, objection_id) or abort(404)
    if ActionForm().validate_on_submit():
        perform(result.answer_objection, row.id, request.form.get("text", ""), ok=_("Answer recorded."))
    return redirect(url_for("result.page", lot_id=row.lot_id))


@bp.route("/lots/<int:lot_id>/award", methods=["POST"])
@roles_required("tenderee")
def award(lot_id: int):
    """The tenderee awards a candidate: notices go out, losers' deposits come back, the draw is revealed."""
    lot = load_lot(lot_id)
    if ActionForm().validate_on_submit():
        perform(result.award, lot, arg_int("rank", 0, source=request.form), reason=request.form.get("reason", ""),
                ok=_("Awarded: the notices are issued and the other bidders' deposits refunded."))
    return _back(lot)


@bp.route("/lots/<int:lot_id>/contract", methods=["POST"])
@roles_required("tenderee", "staff")
def contract(lot_id: int):
    """Register the signed contract; the winner's deposit comes back."""
    lot = load_lot(lot_id)
    if ActionForm().validate_on_submit():
        perform(result.register_contract, lot, number=request.form.get("number", ""), signed_on=form_date("signed_on"),
                amount=request.form.get("amount", ""), performance_bond=request.form.get("performance_bond", ""),
                ok=_("Contract registered: the winner's deposit is refunded."))
    return _back(lot)


@bp.route("/lots/<int:lot_id>/notices")
@roles_required("staff", "supervisor", "tenderee", "bidder")
def notices(lot_id: int):
    """The award notice and the result notices, printable."""
    lot = load_lot(lot_id)
    data = result.notices(db.session, lot)
    if data is None or not result.may_read_notices(db.session, current_user, lot):
        abort(404)
    if current_user.has_role("bidder"):  # a bidder reads its own notice only
        mine = current_user.organisation_id
        data = {"award": data["award"] if data["award"].bidder_id == mine else None,
                "others": [o for o in data["others"] if o["bidder_id"] == mine]}
    issued_at = result.award_of(db.session, lot).issued_at
    return render_template("result/notices.html", lot=lot, data=data, issued_at=issued_at)


@bp.route("/lots/<int:lot_id>/archive", methods=["POST"])
@roles_required("staff")
def make_archive(lot_id: int):
    """Staff archive the contracted lot (电子档案)."""
    lot = load_lot(lot_id)
    if ActionForm().validate_on_submit():
        perform(archive.create, lot, ok=_("The lot is archived."))
    return _back(lot)


@bp.route("/lots/<int:lot_id>/archive.zip")
@roles_required("staff", "supervisor", "tenderee")
def archive_download(lot_id: int):
    """The archive bundle, to keep and to check offline."""
    lot = load_lot(lot_id)
    bundle = archive.bundle_of(db.session, lot) or abort(404)
    if draws.names_secret_panels(db.session, current_user, lot, now()):
        flash(_("The archive holds the draw record, which names experts seated on another lot's panel that is still "
                "secret (招标投标法 第三十七条); it can be downloaded once that lot's result is decided."), "warning")
        return _back(lot)
    return send_file(current_platform().store.open(bundle.blob_key), as_attachment=True,
                     download_name=f"{lot.deal_code}-电子档案.zip", mimetype="application/zip")


WARNING_STATUSES = {"open": _l("open"), "dismissed": _l("dismissed"), "ordered": _l("correction ordered"),
                    "closed": _l("corrected and closed"), "escalated": _l("escalated")}


@bp.route("/supervision/warnings")
@roles_required("supervisor", "staff")
def warnings():
    """Early warnings (预警): the limits passed on objections, evaluation rooms, publications, contracts, refunds,
    complaints, correction orders and (for the supervisor alone) public reports, and suspected tampering: those the
    clock step stored (with the supervisor's decision), then those found now and not stored yet (the supervisor may
    take one up at once)."""
    from ...models import EarlyWarning

    stored = db.session.scalars(sa.select(EarlyWarning).order_by(EarlyWarning.since.desc())).all()
    keys = {row.key for row in stored}
    new = [w for w in result.warnings(current_platform(), db.session, now()) if w.key not in keys]
    if not current_user.has_role("supervisor"):  # a correction order is read by the supervisor and its addressee
        readable = {o.id for o in corrections.visible(db.session, current_user)}
        stored = [w for w in stored if w.kind != "correction" or w.inputs.get("correction_id") in readable]
        new = [w for w in new if w.kind != "correction" or w.inputs.get("correction_id") in readable]
    if not may_read_report(frozenset(current_user.roles)):  # a public report's warning: the supervisor alone
        stored = [w for w in stored if w.lot_id is not None]
        new = [w for w in new if w.lot_id is not None]
    lots = {w.lot_id: db.session.get(Lot, w.lot_id) for w in [*stored, *new] if w.lot_id is not None}
    return render_template("result/warnings.html", stored=stored, new=new, lots=lots, f=ActionForm(),
                           statuses=WARNING_STATUSES)

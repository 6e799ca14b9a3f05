"""A state property lot (or village collective lease) traded live, on the lot page beside its price board: the
centre's qualification of intending buyers, the price agreed with a single buyer, and the transaction contract
after the result publicity (services.property_trades); before the formal disclosure, the transferor's
pre-disclosure (services.pre_disclosures); after the contract, the buyer's payments through the bank into the
contract's collection sub-account, and the exception staff record (services.property_payments).
The transferor follows its property lots on the same page: the stage, how many buyers the centre qualified (once the
disclosure has ended: visibility.counts_qualified), the deal, the contract and the payments."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from ...domain.property_trade import ContractInput
from ...extensions import db
from ...platform import current_platform
from ...services import auctions, pre_disclosures, property_payments, property_trades, rulebook, visibility
from ...services.lots import acts_for_tenderee
from ..common import flash_errors, now, perform, roles_required
from .blueprint import bp, load_lot, require_party
from .forms import (
    ActionForm,
    AgreementForm,
    LatePaymentForm,
    OutsidePaymentForm,
    PreDisclosureForm,
    ReasonForm,
    TransferContractForm,
)

SECTION = "#property-trade"
PART_NAMES = {"price": _l("The price, in one sum"), "upfront": _l("Up front"), "balance": _l("The rest"),
              "interest": _l("Interest on the rest"), "rent": _l("Rent")}


def _property_lot(lot_id: int):
    """The lot for this request if it is a property lot traded live, else 404."""
    lot = load_lot(lot_id)
    if not auctions.is_property(lot):
        abort(404)
    return lot


def _back(lot) -> str:
    return url_for("lots.lot_view", lot_id=lot.id) + SECTION


@bp.route("/lots/<int:lot_id>/buyers/<int:registration_id>/qualify", methods=["POST"])
@roles_required("staff")
def buyer_qualify(lot_id: int, registration_id: int):
    """Staff qualify an intending buyer (its paddle number is issued)."""
    lot = _property_lot(lot_id)
    if ActionForm().validate_on_submit():
        perform(property_trades.qualify, lot.id, registration_id, ok=_("The buyer is qualified: its paddle number "
                                                                        "is issued."))
    return redirect(_back(lot))


@bp.route("/lots/<int:lot_id>/buyers/<int:registration_id>/refuse", methods=["POST"])
@roles_required("staff")
def buyer_refuse(lot_id: int, registration_id: int):
    """Staff refuse an intending buyer with the reason it reads (its deposit is refunded)."""
    lot = _property_lot(lot_id)
    form = ReasonForm()
    if form.validate_on_submit():
        perform(property_trades.refuse, lot.id, registration_id, form.reason.data,
                ok=_("The buyer is refused and its deposit refunded."))
    else:
        flash(_("Give the reason, for the buyer to read (at least 4 characters)."), "danger")
    return redirect(_back(lot))


@bp.route("/lots/<int:lot_id>/agreement", methods=["POST"])
@roles_required("tenderee", "staff")
def agreement_record(lot_id: int):
    """The transferor (or staff) records the price agreed with the one qualified buyer."""
    lot = _property_lot(lot_id)
    if not current_user.has_role("staff"):
        require_party(lot.project)
    form = AgreementForm()
    if form.validate_on_submit():
        perform(property_trades.record_agreement, lot.id, form.price.data,
                ok=_("The agreement is recorded: the deal is concluded."))
    else:
        flash(_("Enter the price agreed, in yuan."), "danger")
    return redirect(_back(lot))


@bp.route("/lots/<int:lot_id>/transfer-contract", methods=["POST"])
@roles_required("tenderee")
def transfer_contract(lot_id: int):
    """The transferor registers the transaction contract and its payment terms after the result publicity."""
    lot = _property_lot(lot_id)
    require_party(lot.project)
    form = TransferContractForm()
    if form.validate_on_submit():
        data = ContractInput(number=form.number.data, signed_on=form.signed_on.data, payment=form.payment.data,
                             upfront=form.upfront.data or "", balance_due=form.balance_due.data,
                             guarantee=form.guarantee.data or "", interest_rate=form.interest_rate.data or "",
                             lease_start=form.lease_start.data)
        perform(property_trades.register_contract, lot.id, data, ok=_("The transaction contract is registered."))
    else:
        flash_errors(form)
    return redirect(_back(lot))


@bp.route("/lots/<int:lot_id>/pre-disclosure", methods=["POST"])
@roles_required("tenderee")
def pre_disclosure_publish(lot_id: int):
    """The transferor publishes the transfer's pre-disclosure (信息预披露), public at once."""
    lot = load_lot(lot_id)
    if lot.project.trade_type != "property":
        abort(404)
    require_party(lot.project)
    form = PreDisclosureForm()
    if form.validate_on_submit():
        perform(pre_disclosures.publish, lot.id, form.note.data or "",
                ok=_("The pre-disclosure is published; the formal disclosure may begin after its working days."))
    else:
        flash_errors(form)
    return redirect(url_for("lots.lot_view", lot_id=lot.id) + "#pre-disclosure")


@bp.route("/lots/<int:lot_id>/payments/outside", methods=["POST"])
@roles_required("staff")
def payment_outside(lot_id: int):
    """The exception (32号令 第二十七条): staff record a payment under the property contract settled outside the
    centre, with the approving body's written opinion; every other payment arrives through the bank."""
    lot = _property_lot(lot_id)
    form = OutsidePaymentForm()
    if form.validate_on_submit():
        perform(property_payments.record_outside, lot.id, form.amount.data, form.paid_on.data, form.reference.data,
                form.approval.data, ok=_("The payment settled outside the centre is recorded."))
    else:
        flash_errors(form)
    return redirect(url_for("lots.lot_view", lot_id=lot.id) + "#payments")


@bp.route("/lots/<int:lot_id>/payments/late", methods=["POST"])
@roles_required("staff")
def payment_late(lot_id: int):
    """Staff record a part paid late, or overdue, as a credit event against the buyer."""
    lot = _property_lot(lot_id)
    form = LatePaymentForm()
    if form.validate_on_submit():
        perform(property_payments.record_late, lot.id, form.part.data, form.evidence.data,
                ok=_("The late payment is recorded as a credit event against the buyer."))
    else:
        flash_errors(form)
    return redirect(url_for("lots.lot_view", lot_id=lot.id) + "#payments")


def pre_disclosure_context(lot) -> dict | None:
    """What the lot page's pre-disclosure card needs (lots/_pre_disclosure.html), for a state property lot."""
    if lot.project.trade_type != "property" or (lot.property_terms or {}).get("asset") == "collective_lease":
        return None
    found = pre_disclosures.pre_disclosure_of(db.session, lot)
    party = acts_for_tenderee(current_user, lot.project)
    required = pre_disclosures.required(lot)
    if found is None and not required and not (party and pre_disclosures.may_publish(lot)):
        return None
    return {"row": found, "required": required, "at": now(),
            "may_publish": party and found is None and pre_disclosures.may_publish(lot),
            "form": PreDisclosureForm(),
            "days": rulebook.of_lot(current_platform(), db.session, lot).value("property.pre_disclosure")}


def may_see_payments(lot, contract) -> bool:
    """The payments under a property contract: the centre, the supervisor, the transferor and the buyer itself."""
    if current_user.has_role("staff", "supervisor") or acts_for_tenderee(current_user, lot.project):
        return True
    return current_user.has_role("bidder") and current_user.organisation_id == contract.buyer_id


def property_context(lot) -> dict:
    """What the lot page's property section needs (lots/_property.html)."""
    at = now()
    state = auctions.auction_of(db.session, lot)
    sees_applicants = visibility.sees(db.session, current_user, lot, visibility.Fact.APPLICANTS, at)
    party = acts_for_tenderee(current_user, lot.project)
    mine = property_trades.decision_of(db.session, lot, current_user.organisation_id) \
        if current_user.has_role("bidder") else None
    contract = property_trades.contract_of(db.session, lot)
    paying = property_payments.contract_of(db.session, lot)
    schedule = property_payments.schedule_of(db.session, paying, at) \
        if paying is not None and may_see_payments(lot, paying) else None
    return {
        "qualified": len(auctions.paddles(db.session, lot))
        if visibility.counts_qualified(db.session, current_user, lot, at) else None,
        "party": party,
        "schedule": schedule, "may_record_payment": schedule is not None and current_user.has_role("staff"),
        "payment_form": OutsidePaymentForm(), "late_form": LatePaymentForm(), "part_names": PART_NAMES,
        "collection_account": (paying.terms or {}).get("account") if schedule is not None else None,
        "buyer": schedule is not None and current_user.has_role("bidder")
        and current_user.organisation_id == paying.buyer_id,
        "state": state, "terms": lot.property_terms or {},
        "applications": property_trades.applications(db.session, lot) if sees_applicants else None,
        "may_decide": current_user.has_role("staff") and lot.state == "listing"
        and (state is None or state.phase in property_trades.QUALIFY_PHASES),
        "my_decision": mine,
        "may_agree": (party or current_user.has_role("staff")) and state is not None and state.phase == "agreement"
        and lot.state == "listing",
        "may_register": party and lot.state == "publicity" and state is not None and state.outcome == "deal"
        and lot.publicity_end is not None and at >= lot.publicity_end,
        "contract": contract,
        "buyer_named": contract is not None and visibility.sees(db.session, current_user, lot,
                                                                visibility.Fact.BIDDERS, at),
        "rules": rulebook.of_lot(current_platform(), db.session, lot),
        "agreement_form": AgreementForm(), "contract_form": TransferContractForm(), "reason_form": ReasonForm(),
    }

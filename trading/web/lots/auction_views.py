"""The live land trade on the lot page: the price board (挂牌价格表) and its JSON, the bidder's paddle number, offers
and confirmation to join the online bidding, the land authority's sealed reserve and its reveal, and the signed
成交确认书 (services.auctions, services.auction_results)."""

from __future__ import annotations

import functools
from decimal import Decimal

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import live
from ...domain import auction as rules_of_auction, land_payments as land_payment_rules, money
from ...extensions import db
from ...models import Deposit, Paddle
from ...platform import current_platform
from ...services import (
    auctions,
    bids,
    contract_payments,
    keys,
    land_contracts,
    land_payments,
    land_refunds,
    rulebook,
    sealed_rounds,
    visibility,
)
from ...services.lots import acts_for_tenderee
from ..common import flash_errors, now, perform, roles_required
from ..filters import yuan
from ..i18n import error_text, wants_json
from ..labels import chinese
from ..live import stream
from .blueprint import INTERNAL, bp, load_lot, require_party
from .forms import ActionForm, LandContractForm, OfferForm, ReasonForm, ReserveForm, RevealForm

BOARD = "#price-board"


def _live_lot(lot_id: int):
    """The lot for this request if it is traded live, else 404."""
    lot = load_lot(lot_id)
    if not auctions.is_live(lot):
        abort(404)
    return lot


def _back(lot) -> str:
    return url_for("lots.lot_view", lot_id=lot.id) + BOARD


@functools.lru_cache(maxsize=8192)
def _shown(amount: str, zh: bool) -> str:
    """An amount of the board as the page shows it, remembered: every read of board.json shows the lot's accepted
    offers again, the same amounts each time."""
    return yuan(amount, zh)


@bp.route("/lots/<int:lot_id>/board.json")
@roles_required("tenderee", "bidder", *INTERNAL)
def board_json(lot_id: int):
    """The price board as JSON, for the page to poll (never a company's name before the result)."""
    lot = _live_lot(lot_id)
    data = auctions.board(current_platform(), db.session, lot, now())
    paddle = auctions.paddle_of(db.session, lot, current_user.organisation_id) \
        if current_user.has_role("bidder") else None
    data["my_paddle"] = paddle.number if paddle else None
    data["joined"] = bool(paddle and paddle.joined_at)
    zh = chinese()  # asked once: the board may list thousands of offers
    for name in ("current_price", "next_minimum", "price"):  # as the page shows money (元/万元, or yuan)
        data[f"{name}_shown"] = _shown(data[name], zh) if data[name] else None
    for offer in data["offers"]:
        offer["amount_shown"] = _shown(offer["amount"], zh)
    return jsonify(data)


@bp.route("/lots/<int:lot_id>/board/live")
@roles_required("tenderee", "bidder", *INTERNAL)
def board_live(lot_id: int):
    """The price board's events as they happen (Server-Sent Events), for whoever may read board.json."""
    lot = _live_lot(lot_id)
    return stream(current_platform().live, live.board_channel(lot.id))


@bp.route("/lots/<int:lot_id>/paddle", methods=["POST"])
@roles_required("bidder")
def paddle_apply(lot_id: int):
    """Ask for the paddle number once the deposit has arrived."""
    lot = _live_lot(lot_id)
    if ActionForm().validate_on_submit():
        perform(auctions.qualify, lot, ok=_("Qualified: your paddle number is issued."))
    return redirect(_back(lot))


@bp.route("/lots/<int:lot_id>/offers", methods=["POST"])
@roles_required("bidder")
def offer_place(lot_id: int):
    """Submit an offer; a refused one is kept in the sequence and its reason shown."""
    lot = _live_lot(lot_id)
    form = OfferForm()
    if not form.validate_on_submit():
        abort(400)
    row, ok = perform(auctions.place_offer, lot.id, form.amount.data)
    if ok and wants_json():  # a bidder's tool (and the benchmark) reads the answer: 201 accepted, 422 refused
        body = {"seq": row.seq, "accepted": row.accepted, "amount": f"{row.amount:.2f}",
                "received_at": row.received_at.isoformat(), "rule": row.rule,
                "reason": None if row.accepted else str(error_text(row.error))}
        return jsonify(body), 201 if row.accepted else 422
    if ok and row.accepted:
        flash(_("Offer %(seq)s accepted: %(amount)s yuan.", seq=row.seq, amount=f"{row.amount:,.2f}"), "success")
    elif ok:
        flash(_("Offer %(seq)s refused: %(reason)s", seq=row.seq, reason=error_text(row.error)), "danger")
    return redirect(_back(lot))


@bp.route("/lots/<int:lot_id>/join", methods=["POST"])
@roles_required("bidder")
def bidding_join(lot_id: int):
    """Confirm the company joins the online time-limited bidding."""
    lot = _live_lot(lot_id)
    if ActionForm().validate_on_submit():
        perform(auctions.join, lot.id, ok=_("You joined the online bidding."))
    return redirect(_back(lot))


@bp.route("/lots/<int:lot_id>/reserve", methods=["POST"])
@roles_required("tenderee")
def reserve_seal(lot_id: int):
    """Store the land authority's sealed reserve (its commitment only)."""
    lot = _live_lot(lot_id)
    require_party(lot.project)
    form = ReserveForm()
    if form.validate_on_submit():
        perform(auctions.set_reserve, lot, form.commitment.data, ok=_("The reserve price is sealed. Keep the slip: "
                                                                       "it is needed to reveal it after the end."))
    else:
        flash(_("The reserve was not sealed: the page computes the seal in the browser (it needs JavaScript)."),
              "danger")
    return redirect(_back(lot))


@bp.route("/lots/<int:lot_id>/reserve/reveal", methods=["POST"])
@roles_required("tenderee")
def reserve_reveal(lot_id: int):
    """Reveal the reserve from the slip after the listing ends."""
    lot = _live_lot(lot_id)
    require_party(lot.project)
    form = RevealForm()
    if form.validate_on_submit():
        perform(auctions.reveal_reserve, lot.id, form.amount.data, form.salt.data,
                ok=_("The reserve price is revealed and checked against its seal."))
    else:
        flash_errors(form)
    return redirect(_back(lot))


@bp.route("/lots/<int:lot_id>/land-contract", methods=["POST"])
@roles_required("tenderee")
def land_contract(lot_id: int):
    """The land authority registers the land contract signed with the winner (the deposit goes into the price)."""
    lot = _live_lot(lot_id)
    require_party(lot.project)
    form = LandContractForm()
    if form.validate_on_submit():
        perform(land_contracts.register, lot.id, form.number.data, form.signed_on.data, form.schedule(),
                ok=_("The land contract is registered with its payment schedule; the winner's deposit is paid to "
                     "the land authority as part of the price."))
    else:
        flash_errors(form)
    return redirect(_back(lot))


@bp.route("/lots/<int:lot_id>/land-contract/refused", methods=["POST"])
@roles_required("staff")
def land_contract_refused(lot_id: int):
    """The centre's staff record that the winner refused to sign the land contract, with the reason."""
    lot = _live_lot(lot_id)
    form = ReasonForm()
    if form.validate_on_submit():
        perform(land_contracts.refuse, lot.id, form.reason.data,
                ok=_("The refusal is recorded: the deal is void and the winner's deposit forfeited."))
    else:
        flash(_("Give the reason, for every party to read (at least 4 characters)."), "danger")
    return redirect(_back(lot))


@bp.route("/lots/<int:lot_id>/land-refunds", methods=["POST"])
@roles_required("staff")
def land_refunds_make(lot_id: int):
    """The centre's staff make the ordered refunds of a land lot's deposits (all, or the one named), no interest."""
    lot = _live_lot(lot_id)
    form = ActionForm()
    if form.validate_on_submit():
        deposit = request.form.get("deposit", "")
        perform(land_refunds.refund, lot.id, int(deposit) if deposit.isdigit() else None,
                ok=_("Refunded to the accounts the deposits came from, without interest."))
    else:
        flash_errors(form)
    return redirect(url_for("lots.lot_view", lot_id=lot.id) + "#land-refunds")


@bp.route("/lots/<int:lot_id>/land-payments/<int:seq>/credit", methods=["POST"])
@roles_required("staff")
def land_payment_credit(lot_id: int, seq: int):
    """The centre's staff record the late payment of an instalment of the land price in the credit records."""
    lot = _live_lot(lot_id)
    form = ActionForm()
    if form.validate_on_submit():
        perform(land_payments.record_late_payment, lot.id, seq,
                ok=_("The late payment is recorded in the buyer's credit records."))
    else:
        flash_errors(form)
    return redirect(url_for("lots.lot_view", lot_id=lot.id) + "#land-payments")


@bp.route("/lots/<int:lot_id>/confirmation")
@roles_required("tenderee", "bidder", *INTERNAL)
def deal_confirmation(lot_id: int):
    """The signed 成交确认书 of a deal, printable; readable once the result is out by whoever sees the lot."""
    lot = _live_lot(lot_id)
    state = auctions.auction_of(db.session, lot)
    if state is None or state.confirmation is None:
        abort(404)
    if not visibility.sees(db.session, current_user, lot, visibility.Fact.BIDDERS, now()):
        abort(404)
    ctx = current_platform()
    valid = rules_of_auction.verify_confirmation(state.confirmation, ctx.keyring.platform.signing_key.public_key())
    doc = state.confirmation
    amounts = {name: _chinese_money(doc[name]) for name in ("price", "starting_price", "premium", "reserve")
               if doc.get(name)}  # the document is Chinese in every page language, as the centre issues it
    return render_template("lots/confirmation.html", lot=lot, doc=doc, amounts=amounts, valid=valid)


def _chinese_money(text: str) -> str:
    """An amount as a Chinese document writes it: 6,220.00 万元（62,200,000.00 元）."""
    value = Decimal(text)
    shown, exact = money.format_auto(value), money.format_yuan(value)
    return shown if shown == exact else f"{shown}（{exact}）"


def board_context(lot) -> dict:
    """What the lot page's price board section needs (lots/_board.html)."""
    ctx, at = current_platform(), now()
    state = auctions.auction_of(db.session, lot)
    paddle = auctions.paddle_of(db.session, lot, current_user.organisation_id) \
        if current_user.has_role("bidder") else None
    board = auctions.board(ctx, db.session, lot, at)
    terms = auctions.terms(ctx, db.session, lot) if lot.listing_end and lot.increment else None
    may_offer = bool(paddle and ((board["phase"] == "listing" and lot.state == "listing")
                                 or (board["phase"] == "bidding" and paddle.joined_at)))
    offers = auctions.offers(db.session, lot, accepted_only=False)
    mine = [o for o in offers if paddle and o.paddle_id == paddle.id]
    eligible = bool(paddle and any(o.accepted and o.phase == "listing" for o in mine))
    sealed = sealed_rounds.is_sealed_round(lot)
    mine_sealed = bids.history(db.session, lot, paddle.bidder_id) if sealed and paddle else []
    return {
        "board": board, "auction": state, "terms": terms, "my_paddle": paddle, "may_offer": may_offer and not sealed,
        "my_sealed_bid": mine_sealed[0] if mine_sealed else None,
        "opening_key": keys.opening_key_of(db.session, lot) if sealed else None,
        "rules": rulebook.of_lot(ctx, db.session, lot),
        "my_offers": mine, "may_join": eligible and board["phase"] in ("listing", "confirming")
        and terms is not None and terms.listing_end <= at < terms.confirmation_end and not paddle.joined_at,
        "audit_offers": offers if current_user.has_role("staff", "supervisor") else [],
        "offer_form": OfferForm(), "reserve_form": ReserveForm(), "reveal_form": RevealForm(),
        "action_form": ActionForm(),
        "commitment_code": auctions.commitment_code(lot),
        # the 成交确认书 names the winner: linked only for whoever may read it (deal_confirmation checks the same)
        "may_read_confirmation": bool(state and state.confirmation) and visibility.sees(
            db.session, current_user, lot, visibility.Fact.BIDDERS, at),
        "after": ctx.live.resume_point(live.board_channel(lot.id)),  # the stream goes on from this render
        **land_contract_context(lot, state, at), **land_refund_context(lot),
    }


def land_contract_context(lot, state, at) -> dict:
    """The land contract's part of the board: when it is due, the registered contract, and who may act now."""
    if not land_contracts.is_land(lot) or state is None or state.contract_due is None:
        return {"land_contract": None, "contract_due": None, "land_schedule": None}
    waiting = land_contracts.awaiting_contract(lot, state)
    in_force = rulebook.of_lot(current_platform(), db.session, lot)
    return {
        "land_contract": land_contracts.contract_of(db.session, lot), "contract_due": state.contract_due,
        "contract_by": rules_of_auction.contract_last_day(state.contract_due),
        "may_register_contract": waiting and at < state.contract_due and acts_for_tenderee(current_user, lot.project),
        "may_record_refusal": waiting and current_user.has_role("staff"),
        "land_contract_form": LandContractForm(), "refusal_form": ReasonForm(),
        "first_payment_percent": in_force.value("land.first_payment"), "payment_years": in_force.value(
            "land.payment_term"),
        **land_payment_context(lot, at),
    }


def land_payment_context(lot, at) -> dict:
    """The land price's part of the board: the schedule with each instalment's standing, the payments, what is left,
    the collection account (for the buyer, the land authority and the centre) and who may act."""
    contract = land_contracts.contract_of(db.session, lot)
    if contract is None or not (contract.terms or {}).get("schedule"):
        return {"land_schedule": None}
    buyer = current_user.organisation_id == contract.buyer_id
    insiders = buyer or acts_for_tenderee(current_user, lot.project) or current_user.has_role("staff", "supervisor")
    left = land_payments.left_to_pay(db.session, contract)
    instalments = {i.seq: i for i in land_payments.instalments_of(db.session, contract)}
    return {
        "land_schedule": land_payments.standing(db.session, contract, at),
        "land_payments": contract_payments.payments_of(db.session, contract), "land_left": left,
        "land_recorded": {seq: i.credit_event_id for seq, i in instalments.items()},
        "land_account": contract.terms.get("account") if insiders else None, "land_buyer": buyer,
        "may_record_late": current_user.has_role("staff"),
        "first_payment_by": land_payment_rules.first_payment_by(contract.signed_on),
    }


def land_refund_context(lot) -> dict:
    """The land deposits' refunds (every round's), for the centre, the supervisor and the land authority."""
    if not land_contracts.is_land(lot) or not (current_user.has_role("staff", "supervisor")
                                               or acts_for_tenderee(current_user, lot.project)):
        return {"land_refunds": []}
    rows = db.session.scalars(sa.select(Deposit).where(Deposit.lot_id == lot.id, Deposit.refund_due.is_not(None))
                              .order_by(Deposit.round, Deposit.id)).all()
    paddles = {(p.round, p.bidder_id): p.number for p in db.session.scalars(
        sa.select(Paddle).where(Paddle.lot_id == lot.id))}
    names = current_user.has_role("staff", "supervisor")
    days = rulebook.of_lot(current_platform(), db.session, lot).value("land.deposit_refund")
    return {"land_refunds": [(d, paddles.get((d.round, d.bidder_id)), d.bidder.name if names else None)
                             for d in rows],
            "may_refund": current_user.has_role("staff") and any(d.status == "refund_due" for d in rows),
            "refund_days": days}


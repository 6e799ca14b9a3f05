"""A land deal's follow-up: the land contract registered by the land authority within its time with the winner's
deposit paid over as part of the price; the winner refusing (recorded by staff) or letting the time pass (found by
the clock step), which voids the deal, forfeits its deposit and records a credit event; and the re-listing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.services.auction_lot import after, land_lot, open_listing
from trading.bank import service as bank
from trading.domain import auction as rules_of_auction, audit as chain, calendar
from trading.domain.errors import DomainError, Forbidden
from trading.models import AuditEntry, BankTransfer, CreditEvent, Deal, Deposit, Paddle
from trading.services import auctions, chronograph, credit, land_contracts, land_payments, land_refunds, statistics

START = Decimal("61200000.00")
STEP = Decimal("500000.00")


def dealt(ctx, session, bidders: int = 2):
    """A land lot sold at the listing's end to the first bidder (the others made no offer: refunded at the deal)."""
    people, lot, paddles = land_lot(session, bidders=bidders)
    open_listing(ctx, session, lot)
    auctions.place_offer(ctx, session, people.bidders[0], after(lot.listing_start, hours=1), lot.id,
                         str(START + 2 * STEP))
    chronograph.tick(ctx, session, lot.listing_end)
    session.commit()
    assert lot.state == "publicity"
    return people, lot, auctions.auction_of(session, lot)


def plan(price: Decimal, signed_on: date) -> list[land_payments.InstalmentInput]:
    """A schedule the rule allows: half within 20 days of the signing, the rest within 200 days."""
    half = (price / 2).quantize(Decimal("0.01"))
    return [land_payments.InstalmentInput(str(half), signed_on + timedelta(days=20)),
            land_payments.InstalmentInput(str(price - half), signed_on + timedelta(days=200))]


def deposit_of(session, lot, bidder):
    return session.scalar(sa.select(Deposit).where(Deposit.lot_id == lot.id, Deposit.round == lot.round,
                                                   Deposit.bidder_id == bidder.organisation_id))


def authority_account(session, lot):
    return bank.own_account(session, lot.project.tenderee)


def test_the_confirmation_states_when_the_contract_is_due_ten_working_days_after_the_deal(ctx, session):
    _, lot, state = dealt(ctx, session)
    # the deal on Tuesday 2026-04-07 (Beijing), after the Qingming holiday: ten working days end on Tuesday 21 April
    decided_on = calendar.local_date(state.decided_at)
    assert state.confirmation["contract_by"] == "2026-04-21" and decided_on == date(2026, 4, 7)
    assert calendar.to_local(state.contract_due).date() == date(2026, 4, 22)
    assert rules_of_auction.verify_confirmation(state.confirmation, ctx.keyring.platform.signing_key.public_key())


def test_the_land_authority_registers_the_contract_in_time_and_the_deposit_becomes_part_of_the_price(ctx, session):
    people, lot, state = dealt(ctx, session)
    winner, loser = people.bidders[:2]
    deposit = deposit_of(session, lot, winner)
    before = authority_account(session, lot)
    before_balance = before.balance if before else Decimal("0")
    signing = state.decided_at + timedelta(days=3)
    with pytest.raises(Forbidden):
        land_contracts.register(ctx, session, winner, signing, lot.id, "咸土出〔2026〕7号",
                                calendar.local_date(signing))
    with pytest.raises(Forbidden):
        land_contracts.register(ctx, session, people.staff, signing, lot.id, "咸土出〔2026〕7号",
                                calendar.local_date(signing))
    with pytest.raises(DomainError) as early:
        land_contracts.register(ctx, session, people.land_tenderee, signing, lot.id, "咸土出〔2026〕7号",
                                calendar.local_date(state.decided_at) - timedelta(days=1))
    assert (early.value.field, early.value.rule) == ("signed_on", "land.contract_deadline")
    contract = land_contracts.register(ctx, session, people.land_tenderee, signing, lot.id, "咸土出〔2026〕7号",
                                       calendar.local_date(signing), plan(state.price, calendar.local_date(signing)))
    session.commit()
    assert lot.state == "contracted" and contract.price == START + 2 * STEP and contract.payment == "land_grant"
    moved = session.scalar(sa.select(BankTransfer).where(BankTransfer.kind == "price"))
    assert moved.amount == deposit.received and moved.memo == land_contracts.PRICE_MEMO
    assert moved.from_account_id == deposit.sub_account_id
    assert authority_account(session, lot).balance == before_balance + deposit.received
    assert deposits_sub_balance(session, deposit) == Decimal("0")
    assert contract.terms["serial"] == moved.serial
    assert deposit_of(session, lot, loser).status == "refund_due"  # ordered at the deal, made by the centre's staff
    deal = session.scalar(sa.select(Deal).where(Deal.lot_id == lot.id))
    assert deal.price == START + 2 * STEP and deal.contracted_on == calendar.local_date(signing)
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "lot.register_contract"))
    assert entry.rule == "land.contract_deadline"
    # the clock step after the due time leaves a registered contract alone
    assert chronograph.tick(ctx, session, state.contract_due + timedelta(days=1)) == []
    with pytest.raises(DomainError):  # registered once
        land_contracts.register(ctx, session, people.land_tenderee, signing, lot.id, "again",
                                calendar.local_date(signing))


def deposits_sub_balance(session, deposit):
    return session.get(type(deposit.sub_account), deposit.sub_account_id).balance


def test_a_contract_after_its_due_time_is_refused_naming_the_rule(ctx, session):
    people, lot, state = dealt(ctx, session)
    with pytest.raises(DomainError) as late:
        land_contracts.register(ctx, session, people.land_tenderee, state.contract_due, lot.id, "咸土出〔2026〕8号",
                                calendar.local_date(state.contract_due) - timedelta(days=1))
    assert late.value.rule == "land.contract_deadline" and lot.state == "publicity"


def _void_checks(ctx, session, people, lot, reason, evidence_part):
    """The void deal's consequences; ``reason`` is what every party reads (the board, the audit): a recorded message
    (the clock step's lapse) or the text staff typed."""
    winner, loser = people.bidders[:2]
    state = auctions.auction_of(session, lot)
    assert lot.state == "failed" and state.outcome == land_contracts.VOID and state.void_message == reason
    deposit = deposit_of(session, lot, winner)
    assert deposit.status == "forfeited" and deposit.refunded_at is None
    forfeit = session.scalar(sa.select(BankTransfer).where(BankTransfer.kind == "forfeit"))
    assert forfeit.amount == deposit.received and forfeit.memo == land_contracts.FORFEIT_MEMO
    assert forfeit.to_account_id == authority_account(session, lot).id
    refunds = session.scalars(sa.select(BankTransfer).where(BankTransfer.from_account_id == deposit.sub_account_id,
                                                            BankTransfer.kind == "refund")).all()
    assert refunds == []  # never refunded
    other = deposit_of(session, lot, loser)
    assert other.status == "refund_due" and other.refund_rule == "land.deposit_refund"  # ordered at the deal
    land_refunds.refund(ctx, session, people.staff, state.voided_at, lot.id)
    assert other.status == "refunded" and other.interest == 0
    assert len(session.scalars(sa.select(BankTransfer).where(BankTransfer.from_account_id == other.sub_account_id))
               .all()) == 1  # refunded once, and left so
    event = session.scalar(sa.select(CreditEvent).where(CreditEvent.subject_id == winner.organisation_id))
    assert event.kind == "refused_land_contract" and event.lot_id == lot.id and evidence_part in event.evidence
    assert credit.score_of(session, "organisation", winner.organisation_id, state.voided_at) == 80
    assert session.scalar(sa.select(Deal).where(Deal.lot_id == lot.id)) is None
    figure = statistics.report(session, statistics.Filters()).premium["premium_rate"]
    assert figure.count == 0
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "lot.fail"))
    assert entry.rule == "land.contract_refused" and entry.payload["reason"] == reason
    board = auctions.board(ctx, session, lot, state.voided_at)
    assert board["outcome"] == "void" and board["void_reason"] == reason


def test_staff_record_the_winner_refusing_to_sign_and_the_deal_is_void(ctx, session):
    people, lot, state = dealt(ctx, session)
    at = state.decided_at + timedelta(days=2)
    for who in (people.land_tenderee, people.bidders[1], people.supervisor):
        with pytest.raises(Forbidden):
            land_contracts.refuse(ctx, session, who, at, lot.id, "竞得人书面表示放弃竞得宗地")
    with pytest.raises(DomainError) as blank:
        land_contracts.refuse(ctx, session, people.staff, at, lot.id, "  ")
    assert (blank.value.field, blank.value.rule) == ("reason", "land.contract_refused")
    land_contracts.refuse(ctx, session, people.staff, at, lot.id, "竞得人书面表示放弃竞得宗地")
    session.commit()
    _void_checks(ctx, session, people, lot, "竞得人书面表示放弃竞得宗地", "放弃竞得宗地")
    with pytest.raises(DomainError):  # void once; no contract after it
        land_contracts.refuse(ctx, session, people.staff, at, lot.id, "竞得人书面表示放弃竞得宗地")
    with pytest.raises(DomainError):
        land_contracts.register(ctx, session, people.land_tenderee, at, lot.id, "咸土出〔2026〕9号",
                                calendar.local_date(at))
    # the clock step afterwards changes nothing
    assert chronograph.tick(ctx, session, state.contract_due + timedelta(days=1)) == []


def test_the_clock_step_voids_a_deal_whose_contract_was_not_signed_in_time(ctx, session):
    people, lot, state = dealt(ctx, session)
    assert chronograph.tick(ctx, session, state.contract_due - timedelta(seconds=1)) == []
    moved = chronograph.tick(ctx, session, state.contract_due)
    session.commit()
    assert [m.action for m in moved] == ["void_deal"]
    day = calendar.local_date(state.contract_due - timedelta(seconds=1)).isoformat()
    lapsed = chain.message(rules_of_auction.CONTRACT_LAPSED, day=day)
    _void_checks(ctx, session, people, lot, lapsed, f"竞得人未在{day}（含当日）前签订国有建设用地使用权出让合同")
    # each reader sees the reason in their language
    from flask import current_app
    from flask_babel import force_locale

    from trading.web.i18n import message_text

    with current_app.test_request_context():
        with force_locale("en"):
            english = message_text(lapsed["message_id"], lapsed["params"])
        with force_locale("zh_CN"):
            chinese = message_text(lapsed["message_id"], lapsed["params"])
    assert english == f"The winner did not sign the land-use rights grant contract by {day} (inclusive)."
    assert day in chinese and "出让合同" in chinese and "%(" not in chinese
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "credit.event"))
    assert entry.actor_id is None and entry.rule == "land.contract_refused"
    assert session.scalar(sa.select(CreditEvent)).recorded_by_id is None
    assert chronograph.tick(ctx, session, state.contract_due + timedelta(hours=1)) == []


def test_a_property_lot_has_no_land_contract_to_refuse(ctx, session):
    from tests.services.property_lot import property_lot

    people, lot = property_lot(session, applicants=1, qualified=1)
    with pytest.raises(DomainError) as refused:
        land_contracts.refuse(ctx, session, people.staff, lot.listing_start, lot.id, "竞得人书面表示放弃")
    assert refused.value.rule == "land.methods"


def _relist(ctx, session, people, lot, at):
    """The land authority re-lists the failed lot: the next round, filed, approved and announced again at ``at``."""
    from trading.services import cancellation
    from trading.simulate import lots as walk

    cancellation.retrade(session, people.land_tenderee, at, lot)
    assert lot.round == 2 and lot.state == "draft"
    walk.advance(ctx, session, people, at, lot, "announced")
    session.commit()


def test_a_void_deal_is_relisted_as_a_new_round_where_nothing_of_the_first_counts(ctx, session):
    from tests.services.auction_lot import SALT, qualified, seal_reserve

    people, lot, _ = land_lot(session, bidders=2)
    first_paddles = {b.organisation_id: auctions.paddle_of(session, lot, b.organisation_id).number
                     for b in people.bidders[:2]}
    seal_reserve(ctx, session, people, lot, "62000000.00")
    open_listing(ctx, session, lot)
    auctions.place_offer(ctx, session, people.bidders[0], after(lot.listing_start, hours=1), lot.id,
                         str(START + 2 * STEP))
    chronograph.tick(ctx, session, lot.listing_end)
    auctions.reveal_reserve(ctx, session, people.land_tenderee, after(lot.listing_end, minutes=3), lot.id,
                            "62000000.00", SALT)
    first = auctions.auction_of(session, lot)
    land_contracts.refuse(ctx, session, people.staff, first.decided_at + timedelta(days=1), lot.id, "竞得人书面放弃")
    session.commit()
    later = first.decided_at + timedelta(days=2)
    with pytest.raises(Forbidden):  # a bidder cannot re-list
        from trading.services import cancellation

        cancellation.retrade(session, people.bidders[0], later, lot)
    _relist(ctx, session, people, lot, later)
    # its own announcement period and listing, after the re-listing
    assert lot.issued_at == later and lot.listing_end > lot.listing_start
    assert calendar.local_date(lot.listing_start) >= calendar.local_date(later) + timedelta(days=20)
    board = auctions.board(ctx, session, lot, later)
    assert board["round"] == 2 and board["offers"] == [] and board["current_price"] is None
    assert board["outcome"] is None and board["void_reason"] is None and not board["reserve_sealed"]
    assert auctions.paddle_of(session, lot, people.bidders[0].organisation_id) is None
    # the bidders apply, pay and get new paddle numbers for round 2
    at = lot.listing_start - timedelta(days=1)
    second = [qualified(ctx, session, bidder, lot, at=at) for bidder in people.bidders[:2]]
    assert all(p.round == 2 for p in second)
    assert {d.round for d in session.scalars(sa.select(Deposit).where(Deposit.lot_id == lot.id))} == {1, 2}
    open_listing(ctx, session, lot)
    # the starting price is a valid first offer again: round 1's offers do not count
    row = auctions.place_offer(ctx, session, people.bidders[1], after(lot.listing_start, hours=1), lot.id, str(START))
    assert row.accepted and row.seq == 1 and row.round == 2
    chronograph.tick(ctx, session, lot.listing_end)
    session.commit()
    state = auctions.auction_of(session, lot)
    # round 1's sealed reserve (62,000,000) does not bind round 2, which sealed none: the offer sells
    assert lot.state == "publicity" and state.outcome == "deal" and state.price == START and state.reserve is None
    assert state.winner.bidder_id == people.bidders[1].organisation_id
    assert state.confirmation["contract_by"] is not None
    deal = session.scalar(sa.select(Deal).where(Deal.lot_id == lot.id))
    assert deal.price == START
    # round 1's winner keeps its forfeiture and its credit event; round 1's records stay
    forfeited = deposit_of_round(session, lot, people.bidders[0], 1)
    assert forfeited.status == "forfeited"
    kept = session.execute(sa.select(Paddle.bidder_id, Paddle.number).where(Paddle.lot_id == lot.id,
                                                                           Paddle.round == 1)).all()
    assert dict(kept) == first_paddles  # round 1's paddle numbers stay on record, apart from round 2's
    assert session.scalar(sa.select(sa.func.count()).select_from(CreditEvent)) == 1


def deposit_of_round(session, lot, bidder, round_):
    return session.scalar(sa.select(Deposit).where(Deposit.lot_id == lot.id, Deposit.round == round_,
                                                   Deposit.bidder_id == bidder.organisation_id))


def test_a_lot_without_a_deal_is_relisted_and_bidders_of_round_one_must_apply_again(ctx, session):
    people, lot, _ = land_lot(session, bidders=2)
    open_listing(ctx, session, lot)
    chronograph.tick(ctx, session, lot.listing_end)  # qualified bidders, no offer: 流拍
    session.commit()
    assert lot.state == "failed" and auctions.auction_of(session, lot).outcome == "no_offer"
    later = lot.listing_end + timedelta(days=1)
    _relist(ctx, session, people, lot, later)
    assert calendar.local_date(lot.listing_start) >= calendar.local_date(later) + timedelta(days=20)
    open_listing(ctx, session, lot)
    # a paddle of round 1 does not make a bidder of round 2
    with pytest.raises(Forbidden):
        auctions.place_offer(ctx, session, people.bidders[0], after(lot.listing_start, hours=1), lot.id, str(START))
    chronograph.tick(ctx, session, lot.listing_end)
    assert lot.state == "failed" and auctions.auction_of(session, lot).outcome == "no_bidder"
    assert auctions.auction_of(session, lot).round == 2

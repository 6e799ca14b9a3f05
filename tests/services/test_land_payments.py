"""After a land deal: the land price paid as the land contract's schedule says (国土资发〔2010〕34号), through the
simulated bank, late instalments overdue on the supervisor's dashboard and in the warnings, with a credit event
staff record once; and the deposits of the unsuccessful refunded by the centre within 5 working days without
interest (39号令 第二十一条), each deposit refunded, applied or forfeited exactly once on every path (deal, 流拍, void
deal, re-listing, cancellation), two clock steps at once or a second click notwithstanding."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.services.auction_lot import after, land_lot, open_listing
from tests.services.test_land_contracts import START, STEP, dealt, deposit_of, plan
from trading.bank import service as bank
from trading.domain import calendar, land_payments as rules_of_payment
from trading.domain.errors import DomainError, Forbidden, NotFound
from trading.models import AuditEntry, BankTransfer, ContractPayment, CreditEvent, Deposit, TransferContract
from trading.services import (
    chronograph,
    contract_payments,
    credit,
    deposits,
    land_contracts,
    land_payments,
    land_refunds,
    monitoring,
    result,
    statistics,
)

PRICE = START + 2 * STEP


def signed(ctx, session):
    """A deal whose land contract was signed three days after it: half within 20 days, the rest within 200."""
    people, lot, state = dealt(ctx, session)
    at = state.decided_at + timedelta(days=3)
    day = calendar.local_date(at)
    contract = land_contracts.register(ctx, session, people.land_tenderee, at, lot.id, "咸土出〔2026〕7号", day,
                                       plan(PRICE, day))
    session.commit()
    return people, lot, contract, at


def dues(ctx, session, now, kind):
    board = monitoring.dashboard(ctx, session, now, monitoring.Filters())
    return ([d for d in board.overdue if d.kind == kind], [d for d in board.today if d.kind == kind],
            [d for d in board.late if d.kind == kind])


def test_a_schedule_against_the_rule_is_refused_naming_field_and_rule_and_nothing_is_saved(ctx, session):
    people, lot, state = dealt(ctx, session)
    at = state.decided_at + timedelta(days=3)
    day = calendar.local_date(at)
    low = [land_payments.InstalmentInput(str(PRICE * Decimal("0.4")), day + timedelta(days=10)),
           land_payments.InstalmentInput(str(PRICE * Decimal("0.6")), day + timedelta(days=100))]
    for rows, field, rule in ((low, "amount_1", "land.first_payment"), ([], "amount_1", "land.first_payment"),
                              (plan(PRICE, day)[:1], "amount_1", "land.payment_term")):
        with pytest.raises(DomainError) as refused:
            land_contracts.register(ctx, session, people.land_tenderee, at, lot.id, "咸土出〔2026〕7号", day, rows)
        assert (refused.value.field, refused.value.rule) == (field, rule)
        session.rollback()
    assert lot.state == "publicity" and session.scalar(sa.select(TransferContract)) is None
    assert session.scalar(sa.select(BankTransfer).where(BankTransfer.kind == "price")) is None


def test_the_buyer_pays_through_the_bank_and_each_instalment_shows_paid_due_or_overdue(ctx, session):
    people, lot, contract, at = signed(ctx, session)
    buyer, other = people.bidders[:2]
    number = contract.terms["account"]
    deposit = deposit_of(session, lot, buyer)
    # the deposit is the first money paid; the schedule is kept with the contract
    (first_paid,) = contract_payments.payments_of(session, contract)
    assert (first_paid.source, first_paid.amount) == ("deposit", deposit.received)
    assert [s.status for s in land_payments.standing(session, contract, at)] == ["due", "due"]
    assert land_payments.left_to_pay(session, contract) == PRICE - deposit.received
    authority = bank.own_account(session, lot.project.tenderee)
    before = authority.balance
    # another company cannot pay into the buyer's collection account: the bank's one answer
    with pytest.raises(DomainError) as foreign:
        deposits.pay(session, other, at, target_number=number, amount="100.00")
    assert foreign.value.message == bank.REFUSED
    # more than is left is refused naming the rule, before any money moves
    with pytest.raises(DomainError) as too_much:
        deposits.pay(session, buyer, at, target_number=number, amount=str(PRICE))
    assert (too_much.value.field, too_much.value.rule) == ("amount", "land.payment_term")
    session.rollback()
    first = plan(PRICE, contract.signed_on)[0]
    deposits.pay(session, buyer, at + timedelta(days=1), target_number=number,
                 amount=str(Decimal(first.amount) - deposit.received))
    session.commit()
    assert [s.status for s in land_payments.standing(session, contract, at + timedelta(days=2))] == ["paid", "due"]
    assert bank.own_account(session, lot.project.tenderee).balance == before + Decimal(first.amount) - deposit.received
    assert bank.find(session, number).balance == 0  # swept to the land authority
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "land.payment"))
    assert entry.rule == "land.payment_term" and entry.payload["contract_id"] == contract.id
    # the second instalment not paid by its day: overdue on the dashboard and in the warnings from its midnight
    second = land_payments.instalments_of(session, contract)[1]
    midnight = calendar.start_of_local_day(second.due_on + timedelta(days=1))
    overdue, _, _ = dues(ctx, session, midnight - timedelta(seconds=1), "land_payment")
    assert overdue == []
    overdue, _, _ = dues(ctx, session, midnight, "land_payment")
    assert [(d.rule, d.ref["instalment"]) for d in overdue] == [("land.payment_term", 2)]
    warned = [w for w in result.warnings(ctx, session, midnight) if w.kind == "land_payment"]
    assert [w.rule for w in warned] == ["land.payment_term"] and warned[0].params["instalment"] == 2
    # staff record the credit event once; nobody else may; not for an instalment paid in time
    for who in (people.supervisor, people.land_tenderee, buyer):
        with pytest.raises(Forbidden):
            land_payments.record_late_payment(ctx, session, who, midnight, lot.id, 2)
    with pytest.raises(DomainError) as in_time:
        land_payments.record_late_payment(ctx, session, people.staff, midnight, lot.id, 1)
    assert in_time.value.rule == "land.first_payment"
    with pytest.raises(NotFound):
        land_payments.record_late_payment(ctx, session, people.staff, midnight, lot.id, 7)
    event = land_payments.record_late_payment(ctx, session, people.staff, midnight, lot.id, 2)
    assert event.kind == "late_land_payment" and event.subject_id == buyer.organisation_id
    assert "第2期" in event.evidence and contract.number in event.evidence
    with pytest.raises(DomainError):
        land_payments.record_late_payment(ctx, session, people.staff, midnight, lot.id, 2)
    assert session.scalar(sa.select(sa.func.count()).select_from(CreditEvent)) == 1
    assert credit.score_of(session, "organisation", buyer.organisation_id, midnight) == 90
    # paid late: no longer overdue, listed as late; the price is then paid in full and nothing more is taken
    deposits.pay(session, buyer, midnight + timedelta(days=2), target_number=number,
                 amount=str(land_payments.left_to_pay(session, contract)))
    session.commit()
    overdue, _, late = dues(ctx, session, midnight + timedelta(days=3), "land_payment")
    assert overdue == [] and [d.ref["instalment"] for d in late] == [2]
    assert land_payments.left_to_pay(session, contract) == 0
    with pytest.raises(DomainError):
        deposits.pay(session, buyer, midnight + timedelta(days=3), target_number=number, amount="1.00")
    assert sum(p.amount for p in session.scalars(sa.select(ContractPayment))) == PRICE


def test_the_payments_leave_the_premium_rate_as_the_deal_made_it(ctx, session):
    people, lot, state = dealt(ctx, session)
    before = statistics.report(session, statistics.Filters()).premium["premium_rate"]
    at = state.decided_at + timedelta(days=3)
    day = calendar.local_date(at)
    contract = land_contracts.register(ctx, session, people.land_tenderee, at, lot.id, "咸土出〔2026〕7号", day,
                                       plan(PRICE, day))
    deposits.pay(session, people.bidders[0], at, target_number=contract.terms["account"], amount="1000000.00")
    session.commit()
    after_ = statistics.report(session, statistics.Filters()).premium["premium_rate"]
    assert (after_.value, after_.count) == (before.value, before.count) and before.count == 1


def test_the_unsuccessful_deposit_is_refunded_by_staff_without_interest_and_is_overdue_after_five_working_days(
        ctx, session):
    people, lot, state = dealt(ctx, session)
    loser = deposit_of(session, lot, people.bidders[1])
    # ordered at the deal, due at the midnight after the fifth working day (the deal on Tuesday 7 April 2026)
    assert loser.status == "refund_due" and loser.refund_rule == "land.deposit_refund"
    assert calendar.local_date(loser.refund_due) == calendar.add_days(calendar.add_working_days(
        calendar.local_date(state.decided_at), 5), 1)
    overdue, _, _ = dues(ctx, session, loser.refund_due - timedelta(seconds=1), "refund")
    assert overdue == []
    overdue, _, _ = dues(ctx, session, loser.refund_due, "refund")
    assert [(d.rule, d.ref["deposit_id"]) for d in overdue] == [("land.deposit_refund", loser.id)]
    warned = [w for w in result.warnings(ctx, session, loser.refund_due) if w.kind == "refund"]
    assert [w.rule for w in warned] == ["land.deposit_refund"] and warned[0].params["days"] == 5
    # only the centre's staff refund; the winner's deposit (part of the price) is never refunded
    for who in (people.land_tenderee, people.supervisor, people.bidders[1]):
        with pytest.raises(Forbidden):
            land_refunds.refund(ctx, session, who, loser.refund_due, lot.id)
    winner = deposit_of(session, lot, people.bidders[0])
    with pytest.raises(DomainError):
        land_refunds.refund(ctx, session, people.staff, loser.refund_due, lot.id, winner.id)
    with pytest.raises(DomainError):
        deposits.refund(ctx, session, people.staff, loser.refund_due, winner, reason="x")
    late_at = loser.refund_due + timedelta(hours=2)
    (done,) = land_refunds.refund(ctx, session, people.staff, late_at, lot.id)
    session.commit()
    assert done.id == loser.id and loser.status == "refunded" and loser.refund_late
    assert loser.interest == 0 and loser.late_interest == 0
    assert loser.interest_working["no_interest_rule"] == "land.deposit_refund"
    assert loser.interest_working["rate"] == "0"
    transfers = session.scalars(sa.select(BankTransfer).where(BankTransfer.from_account_id == loser.sub_account_id)
                                ).all()
    assert [(t.kind, t.amount) for t in transfers] == [("refund", loser.received)]
    assert session.scalar(sa.select(BankTransfer).where(BankTransfer.kind == "interest")) is None
    assert deposits.explain(loser)[0].startswith("Refunded on %(at)s, without interest")
    # a second click, or a second member of staff, finds nothing left to refund
    with pytest.raises(DomainError) as twice:
        land_refunds.refund(ctx, session, people.staff, late_at, lot.id)
    assert twice.value.rule == "land.deposit_refund"
    with pytest.raises(DomainError):
        deposits.refund(ctx, session, people.staff, late_at, loser, reason="x")
    overdue, _, late = dues(ctx, session, late_at, "refund")
    assert overdue == [] and [d.ref["deposit_id"] for d in late] == [loser.id]


def _settled(session, lot) -> dict[int, int]:
    """For each deposit of the lot, how many times money left its sub-account (each must be at most once)."""
    found = {}
    for d in session.scalars(sa.select(Deposit).where(Deposit.lot_id == lot.id)):
        found[d.id] = session.scalar(sa.select(sa.func.count()).select_from(BankTransfer).where(
            BankTransfer.from_account_id == d.sub_account_id))
    return found


def test_two_clock_steps_at_once_order_each_refund_once(ctx, session):
    people, lot, _ = land_lot(session, bidders=3)
    open_listing(ctx, session, lot)
    from trading.services import auctions

    auctions.place_offer(ctx, session, people.bidders[0], after(lot.listing_start, hours=1), lot.id, str(START))
    first = chronograph.tick(ctx, session, lot.listing_end)
    second = chronograph.tick(ctx, session, lot.listing_end)
    third = chronograph.tick(ctx, session, after(lot.listing_end, hours=1))
    session.commit()
    assert [m.action for m in first] == ["end_listing", "deal"] and second == [] and third == []
    ordered = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "deposit.refund_ordered")).all()
    assert sorted(e.payload["bidder_id"] for e in ordered) == sorted(b.organisation_id for b in people.bidders[1:3])
    assert len(land_refunds.refund(ctx, session, people.staff, after(lot.listing_end, days=1), lot.id)) == 2
    assert set(_settled(session, lot).values()) == {0, 1}


def test_every_deposit_is_refunded_or_forfeited_once_through_a_void_deal_a_relisting_and_a_no_deal(ctx, session):
    from tests.services.auction_lot import qualified
    from trading.services import auctions, cancellation
    from trading.simulate import lots as walk

    people, lot, state = dealt(ctx, session)
    void_at = state.decided_at + timedelta(days=1)
    land_contracts.refuse(ctx, session, people.staff, void_at, lot.id, "竞得人书面放弃竞得宗地")
    session.commit()
    round_one = {d.bidder_id: d for d in session.scalars(sa.select(Deposit).where(Deposit.lot_id == lot.id))}
    assert {d.status for d in round_one.values()} == {"forfeited", "refund_due"}
    later = state.decided_at + timedelta(days=2)
    cancellation.retrade(session, people.land_tenderee, later, lot)
    walk.advance(ctx, session, people, later, lot, "announced")
    at = lot.listing_start - timedelta(days=1)
    for bidder in people.bidders[:2]:
        qualified(ctx, session, bidder, lot, at=at)
    open_listing(ctx, session, lot)
    chronograph.tick(ctx, session, lot.listing_end)  # no offer in round 2: 流拍
    chronograph.tick(ctx, session, lot.listing_end)
    session.commit()
    assert lot.state == "failed" and lot.round == 2
    # round 1's ordered refund is still there to make after the re-listing, with round 2's
    made = land_refunds.refund(ctx, session, people.staff, after(lot.listing_end, hours=1), lot.id)
    assert sorted((d.round, d.bidder_id) for d in made) == sorted(
        [(1, people.bidders[1].organisation_id)] + [(2, b.organisation_id) for b in people.bidders[:2]])
    with pytest.raises(DomainError):
        land_refunds.refund(ctx, session, people.staff, after(lot.listing_end, hours=2), lot.id)
    statuses = {(d.round, d.bidder_id): d.status for d in session.scalars(sa.select(Deposit)
                                                                           .where(Deposit.lot_id == lot.id))}
    assert statuses[(1, people.bidders[0].organisation_id)] == "forfeited"
    assert set(statuses.values()) == {"forfeited", "refunded"}
    assert set(_settled(session, lot).values()) == {1}  # each deposit's money left its sub-account once
    assert auctions.auction_of(session, lot).outcome == "no_offer"


def test_a_cancelled_listing_orders_every_deposit_back(ctx, session):
    from trading.services import cancellation

    people, lot, _ = land_lot(session, bidders=2)
    open_listing(ctx, session, lot)
    at = after(lot.listing_start, days=1)
    asked = cancellation.request_cancel(session, people.land_tenderee, at, lot, "规划条件调整，终止出让")
    cancellation.decide_cancel(ctx, session, people.supervisor, at, asked.id, True, "同意终止出让")
    session.commit()
    assert lot.state == "cancelled"
    found = session.scalars(sa.select(Deposit).where(Deposit.lot_id == lot.id)).all()
    assert {d.status for d in found} == {"refund_due"} and len(found) == 2
    assert len(land_refunds.refund(ctx, session, people.staff, at, lot.id)) == 2
    assert set(_settled(session, lot).values()) == {1}
    memo = session.scalars(sa.select(BankTransfer.memo).where(BankTransfer.kind == "refund")).all()
    assert set(memo) == {"保证金退还：不计利息"}


def test_a_deposit_not_yet_arrived_is_not_ordered_and_a_property_lot_refunds_at_once(ctx, session):
    assert rules_of_payment.MAX_INSTALMENTS == 4
    from tests.services.property_lot import property_lot

    people, lot = property_lot(session, applicants=1, qualified=1)
    with pytest.raises(DomainError) as not_land:
        land_refunds.refund(ctx, session, people.staff, lot.listing_start, lot.id)
    assert not_land.value.rule == "land.methods"

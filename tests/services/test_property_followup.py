"""A state property transfer's follow-up (issue 18; 32号令 第十三条、第十九条、第二十八条): a change of control is
pre-disclosed publicly and its formal disclosure refused until 20 working days have run; a relisting more than 12
months after the first disclosure needs a new valuation recorded with its number and approver; the buyer's payments
under an instalment contract arrive through the simulated bank into the contract's collection sub-account (a
payment settled outside the centre is the exception staff record, 32号令 第二十七条), a part unpaid after its last day
is overdue on the supervisor's dashboard and in the warnings and is recorded against the buyer as a credit event; and
the transferor learns how many buyers the centre qualified once the disclosure has ended, never before."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW
from tests.services.property_lot import property_lot, refused
from trading.bank import service as bank
from trading.domain import calendar
from trading.domain.errors import Forbidden
from trading.domain.property_trade import ContractInput
from trading.models import AuditEntry, BankTransfer, ContractPayment, CreditEvent, Deposit, PreDisclosure
from trading.services import (
    announcements,
    cancellation,
    chronograph,
    deposits,
    monitoring,
    pre_disclosures,
    projects,
    property_payments,
    property_trades,
    result,
    visibility,
)
from trading.simulate import demo, lots as walk

SAMPLE = dict(walk.SAMPLES["property"].lot)



def control_change_lot(ctx, session):
    """The demo's property sample, marked as changing control of the enterprise, with its method approved."""
    demo.load(session, FIXED_NOW)
    people = walk.cast(session)
    lot = walk.create(ctx, session, people, FIXED_NOW, "property")
    projects.update_lot(ctx, session, people.land_tenderee, FIXED_NOW, lot,
                        projects.LotInput(**{**SAMPLE, "control_change": True}))
    assert lot.property_terms["control_change"] is True
    walk.advance(ctx, session, people, FIXED_NOW, lot, "method_approved")
    return people, lot


def test_a_change_of_control_is_pre_disclosed_20_working_days_before_its_formal_disclosure(ctx, session):
    people, lot = control_change_lot(ctx, session)
    owner = people.land_tenderee
    error = refused(lambda: announcements.publish(ctx, session, owner, FIXED_NOW, lot,
                                                  announcements.propose(ctx, lot, FIXED_NOW)))
    assert (error.field, error.rule) == ("listing_start", "property.pre_disclosure")
    assert lot.state == "method_approved"
    for outsider in (people.tenderee, people.bidders[0], people.staff):  # another authority, a buyer, the centre
        with pytest.raises(Forbidden):
            pre_disclosures.publish(ctx, session, outsider, FIXED_NOW, lot.id, "")
    row = pre_disclosures.publish(ctx, session, owner, FIXED_NOW, lot.id, "转让完成后标的企业实际控制人变更")
    assert row.formal_from == calendar.start_of_local_day(date(2026, 3, 30))  # 20 working days on
    assert "实际控制权发生转移" in row.text and "转让方说明：转让完成后标的企业实际控制人变更" in row.text
    assert pre_disclosures.recent(session)[0].id == row.id  # listed publicly
    again = refused(lambda: pre_disclosures.publish(ctx, session, owner, FIXED_NOW, lot.id, ""))
    assert again.rule == "property.pre_disclosure"
    day_before = calendar.start_of_local_day(date(2026, 3, 27)) + timedelta(hours=9)
    early = refused(lambda: announcements.publish(ctx, session, owner, day_before, lot,
                                                  announcements.propose(ctx, lot, day_before)))
    assert (early.field, early.rule) == ("listing_start", "property.pre_disclosure")
    on_time = row.formal_from + timedelta(hours=1)
    announcements.publish(ctx, session, owner, on_time, lot, announcements.propose(ctx, lot, on_time))
    assert lot.state == "announced" and lot.first_disclosure_at == lot.listing_start
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "property.pre_disclose"))
    assert entry.rule == "property.pre_disclosure"


def test_a_pre_disclosure_waits_for_the_centres_acceptance(ctx, session):
    demo.load(session, FIXED_NOW)
    people = walk.cast(session)
    lot = walk.create(ctx, session, people, FIXED_NOW, "property")
    assert refused(lambda: pre_disclosures.publish(ctx, session, people.land_tenderee, FIXED_NOW, lot.id, "")
                   ).rule == "property.pre_disclosure"  # a draft
    assert session.scalar(sa.select(sa.func.count(PreDisclosure.id))) == 0


def test_a_relisting_more_than_12_months_after_the_first_disclosure_needs_a_new_valuation(ctx, session):
    people, lot = property_lot(session, applicants=0)
    owner, first = people.land_tenderee, lot.first_disclosure_at
    assert first == lot.listing_start
    chronograph.tick(ctx, session, lot.listing_end)
    assert lot.state == "failed"
    # relisted within the year: no new valuation is asked for
    soon = lot.listing_end + timedelta(days=1)
    cancellation.retrade(session, owner, soon, lot)
    projects.update_lot(ctx, session, owner, soon, lot, projects.LotInput(**SAMPLE))
    assert "revaluation" not in lot.property_terms
    # prepared within the year, announced after it: the announcement counts and refuses
    late = calendar.start_of_local_day(date(2027, 3, 3)) + timedelta(hours=9)
    walk.advance(ctx, session, people, late, lot, "method_approved")
    error = refused(lambda: announcements.publish(ctx, session, owner, late, lot,
                                                  announcements.propose(ctx, lot, late)))
    assert (error.field, error.rule) == ("revaluation_number", "property.no_buyer_revalue")
    assert lot.state == "method_approved" and lot.first_disclosure_at == first  # nothing half-saved


def test_the_new_valuation_is_recorded_at_the_lot_form_and_restarts_the_count(ctx, session):
    people, lot = property_lot(session, applicants=0)
    owner = people.land_tenderee
    chronograph.tick(ctx, session, lot.listing_end)
    late = calendar.start_of_local_day(date(2027, 3, 3)) + timedelta(hours=9)
    cancellation.retrade(session, owner, late, lot)
    error = refused(lambda: projects.update_lot(ctx, session, owner, late, lot, projects.LotInput(**SAMPLE)))
    assert (error.field, error.rule) == ("revaluation_number", "property.no_buyer_revalue")
    revalued = {**SAMPLE, "valuation": "24000000.00", "starting_price": "24000000.00",
                "revaluation_number": "鄂众联评报字〔2027〕第0212号",
                "revaluation_body": "咸宁市人民政府国有资产监督管理委员会",
                "revaluation_on": date(2027, 2, 20)}
    projects.update_lot(ctx, session, owner, late, lot, projects.LotInput(**revalued))
    assert lot.valuation == Decimal("24000000.00")
    assert lot.property_terms["revaluation"]["number"] == "鄂众联评报字〔2027〕第0212号"
    walk.advance(ctx, session, people, late, lot, "announced")
    assert lot.first_disclosure_at == lot.listing_start  # the count restarts under the new valuation


def contracted(ctx, session):
    """Lot with one buyer agreed at the listing price and an instalment contract signed at the publicity's end."""
    people, lot = property_lot(session, applicants=1)
    chronograph.tick(ctx, session, lot.listing_end)
    property_trades.record_agreement(ctx, session, people.land_tenderee, lot.listing_end + timedelta(hours=1),
                                     lot.id, "25800000")
    signed = calendar.local_date(lot.publicity_end)
    data = ContractInput(number="XN-CQ-2026-001", signed_on=signed, payment="instalments", upfront="7740000",
                         balance_due=date(signed.year + 1, signed.month, signed.day), interest_rate="3.45",
                         guarantee="湖北银行咸宁分行见索即付保函 XN2026-08")
    contract = property_trades.register_contract(ctx, session, people.land_tenderee, lot.publicity_end, lot.id,
                                                 data)
    session.commit()
    return people, lot, contract


def test_the_buyer_pays_through_the_bank_and_the_schedule_shows_what_is_paid_and_due(ctx, session):
    people, lot, contract = contracted(ctx, session)
    buyer = people.bidders[0]
    number = contract.terms["account"]
    account = bank.find(session, number)
    # the collection sub-account sits under the centre's settlement account (32号令 第二十七条) and holds the deposit
    assert account.parent_id == bank.settlement_account(session, lot.publicity_end).id
    assert account.organisation_id == buyer.organisation_id and account.balance == Decimal("2000000.00")
    deposit = session.scalar(sa.select(Deposit).where(Deposit.lot_id == lot.id,
                                                      Deposit.bidder_id == buyer.organisation_id))
    assert deposit.status == "applied" and deposits.sub_account(session, deposit).balance == 0
    now = lot.publicity_end + timedelta(days=1)
    plan = property_payments.schedule_of(session, contract, now)
    up, rest, charge = plan.parts
    assert (up.kind, up.amount, up.paid) == ("upfront", Decimal("7740000.00"), Decimal("2000000.00"))  # the deposit
    assert [r.source for r in plan.payments] == ["deposit"]
    assert rest.amount == Decimal("18060000.00") and charge.amount == Decimal("623070.00")
    assert plan.owed == Decimal("24423070.00")
    own = bank.own_account(session, buyer.organisation)
    before = own.balance
    # more than is owed: refused naming the rule, before any money moves
    too_much = refused(lambda: deposits.pay(session, buyer, now, target_number=number, amount="24423070.01"))
    assert (too_much.field, too_much.rule) == ("amount", "property.payment_days")
    session.rollback()
    # another company (the other buyer, or the transferor) cannot pay into it: the bank's one answer
    bank.open_account(session, people.land_tenderee.organisation, now, Decimal("1000000.00"))
    session.commit()
    for other in (people.bidders[1], people.land_tenderee):
        foreign = refused(lambda other=other: deposits.pay(session, other, now, target_number=number, amount="100"))
        assert foreign.message == bank.REFUSED and foreign.field == "target"
        session.rollback()
    assert session.scalar(sa.select(sa.func.count(BankTransfer.id)).where(BankTransfer.to_account_id == account.id,
                                                                          BankTransfer.kind == "payment")) == 0
    sent = deposits.pay(session, buyer, now, target_number=number, amount="5,740,000", memo="首期款")
    session.commit()
    after = property_payments.schedule_of(session, contract, now)
    assert after.parts[0].status(calendar.local_date(now)) == "paid" and after.owed == Decimal("18683070.00")
    (paid,) = [r for r in after.payments if r.source == "bank"]
    assert (paid.transfer_id, paid.payer_account, paid.amount) == (sent.id, own.number, Decimal("5740000.00"))
    assert bank.own_account(session, buyer.organisation).balance == before - Decimal("5740000.00")
    assert bank.find(session, number).balance == Decimal("7740000.00")  # held by the centre
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "property.payment"))
    assert entry.rule == "property.payment_days" and entry.actor_id is None  # the bank's notice, not a person
    assert entry.payload["left"] == "18683070.00" and entry.payload["serial"] == sent.serial
    # the rest to the fen, then nothing more is taken
    deposits.pay(session, buyer, now, target_number=number, amount="18683070.00")
    session.commit()
    assert property_payments.left_to_pay(session, contract) == 0
    paid_in_full = refused(lambda: deposits.pay(session, buyer, now, target_number=number, amount="0.01"))
    assert paid_in_full.rule == "property.payment_days"


def test_a_payment_settled_outside_the_centre_is_the_exception_staff_record_with_the_written_opinion(ctx, session):
    people, lot, contract = contracted(ctx, session)
    now = lot.publicity_end + timedelta(days=1)
    day = calendar.local_date(now)
    opinion = "咸国资产权〔2026〕21号 同意场外结算"
    for outsider in (people.land_tenderee, people.bidders[0], people.supervisor):
        with pytest.raises(Forbidden):
            property_payments.record_outside(ctx, session, outsider, now, lot.id, "1000", day, "HBYH0001", opinion)
    no_opinion = refused(lambda: property_payments.record_outside(ctx, session, people.staff, now, lot.id, "1000", day,
                                                                  "HBYH0001", ""))
    assert (no_opinion.field, no_opinion.rule) == ("approval", "property.settlement")
    too_much = refused(lambda: property_payments.record_outside(ctx, session, people.staff, now, lot.id,
                                                                "24423070.01", day, "HBYH0001", opinion))
    assert too_much.field == "amount"
    assert session.scalar(sa.select(sa.func.count(ContractPayment.id)).where(ContractPayment.source == "outside")) == 0
    row = property_payments.record_outside(ctx, session, people.staff, now, lot.id, "5,740,000", day,
                                           "HBYH20260401001", opinion)
    assert (row.source, row.approval, row.recorded_by_id) == ("outside", opinion, people.staff.id)
    assert property_payments.schedule_of(session, contract, now).owed == Decimal("18683070.00")
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "property.payment_outside"))
    assert entry.rule == "property.settlement" and entry.payload["approval"] == opinion
    # the bank then takes no more than what is left
    left = refused(lambda: deposits.pay(session, people.bidders[0], now, target_number=contract.terms["account"],
                                        amount="18683070.01"))
    assert left.rule == "property.payment_days"


def test_a_part_unpaid_after_its_last_day_is_overdue_on_the_dashboard_and_a_credit_event(ctx, session):
    people, lot, contract = contracted(ctx, session)
    first_due = date.fromisoformat(contract.terms["first_due"])
    on_last_day = calendar.start_of_local_day(first_due) + timedelta(hours=16)
    after = calendar.start_of_local_day(first_due + timedelta(days=1)) + timedelta(hours=9)
    payments = [d for d in monitoring.dues_of(ctx, session, [lot], on_last_day) if d.kind == "payment"]
    assert [d.ref["part"] for d in payments] == ["upfront-1", "balance-1", "interest-1"]
    assert payments[0].status(on_last_day) == "today" and payments[0].rule == "property.payment_days"
    assert refused(lambda: property_payments.record_late(ctx, session, people.staff, on_last_day, lot.id,
                                                         "upfront-1", "逾期未付首期款")).field == "part"
    overdue = [d for d in monitoring.dues_of(ctx, session, monitoring.watched_lots(session), after)
               if d.kind == "payment" and d.status(after) == "overdue"]
    assert [d.ref["part"] for d in overdue] == ["upfront-1"]
    warned = [w for w in result.warnings(ctx, session, after) if w.kind == "payment"]
    assert warned and warned[0].params["number"] == "XN-CQ-2026-001" and warned[0].params["day"] == str(first_due)
    with pytest.raises(Forbidden):
        property_payments.record_late(ctx, session, people.land_tenderee, after, lot.id, "upfront-1", "逾期未付首期款")
    event = property_payments.record_late(ctx, session, people.staff, after, lot.id, "upfront-1",
                                          "受让方逾期未付首期款")
    assert (event.kind, event.subject_id, event.lot_id) == ("late_property_payment", contract.buyer_id, lot.id)
    assert "应付7,740,000.00元" in event.evidence and "已付2,000,000.00元" in event.evidence
    assert refused(lambda: property_payments.record_late(ctx, session, people.staff, after, lot.id, "upfront-1",
                                                         "再次记录")).rule == "property.payment_days"
    assert session.scalar(sa.select(sa.func.count(CreditEvent.id)).where(
        CreditEvent.kind == "late_property_payment")) == 1
    # paid late through the bank: no longer overdue, but done late (still warned, and still a credit event once)
    deposits.pay(session, people.bidders[0], after, target_number=contract.terms["account"], amount="5740000")
    due = next(d for d in monitoring.dues_of(ctx, session, [lot], after) if d.ref.get("part") == "upfront-1")
    assert due.status(after) == "late"


def test_the_transferor_counts_the_qualified_buyers_once_the_disclosure_has_ended(ctx, session):
    people, lot = property_lot(session, applicants=2)
    during = lot.listing_start + timedelta(days=1)
    transferor, staff = people.land_tenderee, people.staff
    assert not visibility.counts_qualified(session, transferor, lot, during)
    assert visibility.counts_qualified(session, staff, lot, during)
    for outsider in (people.bidders[0], people.tenderee):
        assert not visibility.counts_qualified(session, outsider, lot, during)
    chronograph.tick(ctx, session, lot.listing_end)
    assert visibility.counts_qualified(session, transferor, lot, lot.listing_end)
    assert not visibility.counts_qualified(session, people.bidders[0], lot, lot.listing_end)
    assert not visibility.sees(session, transferor, lot, visibility.Fact.APPLICANTS, lot.listing_end)  # never names

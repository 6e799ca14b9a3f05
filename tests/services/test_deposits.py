"""Deposits through the simulated online bank: sub-accounts, matching, short/late/over-payments, refunds,
refusals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from trading.bank import service as bank
from trading.domain.errors import N_, DomainError, Forbidden
from trading.models import AuditEntry, BankAccount, BankTransfer, DepositPayment
from trading.services import deposits, pledges, registrations, visibility
from trading.simulate import demo, lots as walk

RATE = Decimal("0.0035")  # DEPOSIT_INTEREST_RATE by default: the platform context's interest rate


@pytest.fixture
def lot(ctx, session, now):
    """The sample construction lot, announced (deposit 700,000.00), with the bank listener on."""
    demo.load(session, now)
    people = walk.cast(session)
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "announced")
    lot.people = people
    return lot


def own(session, user) -> BankAccount:
    return bank.own_account(session, user.organisation)


def test_sign_up_opens_a_virtual_sub_account_for_the_deposit(session, now, lot):
    bidder = lot.people.bidders[0]
    registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))
    deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
    assert deposit.required == Decimal("700000.00") and deposit.status == "awaiting"
    account = deposits.sub_account(session, deposit)
    parent = bank.settlement_account(session, now).number
    assert account.kind == "virtual" and account.number.startswith(parent)
    assert len(account.number) == len(parent) + bank.SUB_ACCOUNT_DIGITS and account.number.isdigit()
    assert account.name == f"投标保证金虚拟子账号 {lot.deal_code}"  # the deal code, not the company
    assert bidder.organisation.name not in account.name
    assert not deposits.is_covered(session, lot, bidder.organisation_id)


def test_a_full_payment_is_matched_and_keeps_the_paying_account(session, now, lot):
    bidder = lot.people.bidders[0]
    registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))
    deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
    before = own(session, bidder).balance
    deposits.pay(session, bidder, now, target_number=deposit.sub_account.number, amount="700000.00")
    assert deposit.status == "paid" and deposit.paid_at == now
    assert deposit.payments[0].payer_account == own(session, bidder).number
    assert own(session, bidder).balance == before - Decimal("700000.00")
    assert deposits.count_paid(session, lot) == 1 and deposits.is_covered(session, lot, bidder.organisation_id)


def test_a_short_payment_is_explained_and_can_be_completed(session, now, lot):
    bidder = lot.people.bidders[0]
    registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))
    deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
    deposits.pay(session, bidder, now, target_number=deposit.sub_account.number, amount="500000")
    message, params = deposits.explain(deposit)
    assert deposit.status == "short" and params["missing"] == Decimal("200000.00") and "still to pay" in message
    deposits.pay(session, bidder, now + timedelta(hours=1), target_number=deposit.sub_account.number, amount="200000")
    assert deposit.status == "paid" and deposit.paid_at == now + timedelta(hours=1)


def test_an_over_payment_covers_the_deposit_and_the_excess_is_refunded_with_it(ctx, session, now, lot):
    bidder = lot.people.bidders[0]
    registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))
    deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
    start = own(session, bidder).balance
    deposits.pay(session, bidder, now, target_number=deposit.sub_account.number, amount="750000")
    assert deposit.status == "paid" and deposits.explain(deposit)[1]["excess"] == Decimal("50000.00")
    deposits.refund(ctx, session, None, now, deposit, reason=N_("the bid was not awarded"))
    assert own(session, bidder).balance == start  # same day: no interest
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "deposit.refund")).one()
    assert entry.payload["reason"] == {"message_id": "the bid was not awarded", "params": {}}  # each reader's language
    memos = session.scalars(sa.select(BankTransfer.memo).where(BankTransfer.kind == "refund")).all()
    assert memos and set(memos) == {"保证金退还：未中标"}  # the bank's record keeps the centre's words


def test_a_payment_at_the_deadline_is_refused_and_writes_nothing(session, now, lot):
    bidder = lot.people.bidders[0]
    registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))
    deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
    start = own(session, bidder).balance
    with pytest.raises(DomainError) as refused:
        deposits.pay(session, bidder, lot.bid_deadline, target_number=deposit.sub_account.number, amount="700000")
    assert refused.value.field == "target" and refused.value.message == bank.REFUSED
    assert deposit.status == "awaiting" and not deposit.payments and own(session, bidder).balance == start
    assert session.scalar(sa.select(sa.func.count(BankTransfer.id))) == 0


def test_a_notification_that_arrives_at_the_deadline_is_late_and_sent_back_at_once(session, now, lot):
    """The bank's own transfer (not the online-bank page) reaching the sub-account at the deadline."""
    bidder = lot.people.bidders[0]
    registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))
    deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
    start = own(session, bidder).balance
    bank.transfer(session, lot.bid_deadline, source=own(session, bidder), target_number=deposit.sub_account.number,
                  amount="700000")
    assert deposit.status == "awaiting" and deposit.late == Decimal("700000.00")
    assert deposit.payments[0].outcome == "late" and own(session, bidder).balance == start
    assert deposits.sub_account(session, deposit).balance == 0


def test_refunds_go_back_to_the_paying_account_with_interest(ctx, session, now, lot):
    bidder = lot.people.bidders[0]
    registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))
    deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
    deposits.pay(session, bidder, now, target_number=deposit.sub_account.number, amount="400000")
    deposits.pay(session, bidder, now, target_number=deposit.sub_account.number, amount="300000")
    start = own(session, bidder).balance
    later = now + timedelta(days=36)
    due = now + timedelta(days=30)
    deposits.refund(ctx, session, None, later, deposit, reason="合同签订后退还", due=due,
                    rule="construction.deposit_refund")
    expected = (Decimal("700000") * RATE * 36 / 360).quantize(Decimal("0.01"))  # 245.00 at the default rate
    assert deposit.interest == expected == Decimal("245.00")
    assert own(session, bidder).balance == start + Decimal("700000") + expected
    assert deposits.sub_account(session, deposit).balance == 0
    assert deposit.status == "refunded" and deposit.refund_late  # 36 days > the 30 allowed here
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "deposit.refund"))
    assert entry.rule == "construction.deposit_refund" and entry.payload["late"] is True
    with pytest.raises(DomainError):
        deposits.refund(ctx, session, None, later, deposit, reason="again")


def legacy_payment(session, now, payer: BankAccount, deposit, amount: str) -> None:
    """A payment by another account into a bidder's sub-account, as the bank accepted before 0011_bank_privacy
    (written as rows: the bank refuses it today)."""
    value = Decimal(amount)
    row = BankTransfer(serial=f"legacy{payer.id}-{deposit.id}", from_account_id=payer.id,
                       to_account_id=deposit.sub_account_id, amount=value, at=now, kind="payment", memo="")
    session.add(row)
    session.flush()
    payer.balance -= value
    deposit.sub_account.balance += value
    deposit.received += value
    deposit.status = "paid" if deposit.received >= deposit.required else "short"
    deposit.paid_at = now if deposit.status == "paid" else None
    session.add(DepositPayment(deposit_id=deposit.id, transfer_id=row.id, payer_account=payer.number,
                               payer_name=payer.name, amount=value, at=now, outcome="counted"))
    session.flush()


def test_an_old_deposit_paid_from_two_accounts_is_refunded_to_each(ctx, session, now, lot):
    first, second = lot.people.bidders[0], lot.people.bidders[1]
    registrations.sign_up(session, first, now, lot, pledge=pledges.accepted(session, lot, first))
    deposit = deposits.deposit_of(session, lot, first.organisation_id)
    deposits.pay(session, first, now, target_number=deposit.sub_account.number, amount="400000")
    legacy_payment(session, now, own(session, second), deposit, "300000")
    start_first, start_second = own(session, first).balance, own(session, second).balance
    deposits.refund(ctx, session, None, now + timedelta(days=36), deposit, reason="未中标")
    assert own(session, first).balance == start_first + Decimal("400000") + Decimal("245.00")  # interest: first payer
    assert own(session, second).balance == start_second + Decimal("300000")


def test_one_account_paying_for_two_bidders_is_flagged(session, now, lot):
    """Only rows from before 0011_bank_privacy can show this: the bank now refuses such payments."""
    first, second = lot.people.bidders[0], lot.people.bidders[1]
    for bidder in (first, second):
        registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))
    mine = deposits.deposit_of(session, lot, first.organisation_id)
    deposits.pay(session, first, now, target_number=mine.sub_account.number, amount="700000")
    theirs = deposits.deposit_of(session, lot, second.organisation_id)
    legacy_payment(session, now, own(session, first), theirs, "700000")
    assert deposits.shared_payer_accounts(session, lot) == {
        own(session, first).number: sorted([first.organisation_id, second.organisation_id])}


def test_the_bank_refuses_overdrafts_unknown_accounts_and_other_peoples_accounts(session, now, lot):
    bidder = lot.people.bidders[0]
    target = bank.settlement_account(session, now).number
    with pytest.raises(DomainError) as refused:
        deposits.pay(session, bidder, now, target_number=target, amount="999999999")
    assert refused.value.field == "amount"
    for number in ("6217000", target, own(session, lot.people.bidders[1]).number, own(session, bidder).number):
        with pytest.raises(DomainError) as refused:
            deposits.pay(session, bidder, now, target_number=number, amount="1")
        assert refused.value.field == "target" and refused.value.message == bank.REFUSED
    for amount, message in (("-5", "The amount cannot be negative."), ("0", "The amount must be above zero."),
                            ("lots", "%(value)s is not an amount in yuan.")):
        with pytest.raises(DomainError) as refused:
            deposits.pay(session, bidder, now, target_number=target, amount=amount)
        assert refused.value.field == "amount" and refused.value.message == message
    with pytest.raises(Forbidden):
        bank.require_owner(bidder, own(session, lot.people.bidders[1]))
    assert session.scalar(sa.select(sa.func.count(BankTransfer.id))) == 0


def test_payments_stay_confidential_in_the_audit_log_until_the_deadline(session, now, lot):
    bidder = lot.people.bidders[0]
    registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))
    deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
    deposits.pay(session, bidder, now, target_number=deposit.sub_account.number, amount="700000")
    payments = sa.select(AuditEntry).where(AuditEntry.action == "deposit.payment")
    supervisor = lot.people.supervisor
    assert session.scalars(payments).all()
    assert not session.scalars(payments.where(visibility.audit_filter(session, supervisor, now))).all()
    assert session.scalars(payments.where(visibility.audit_filter(session, supervisor, lot.bid_deadline))).all()

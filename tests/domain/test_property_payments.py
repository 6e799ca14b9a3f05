"""What the buyer of a state property lot owes under its contract, and when (32号令 第二十八条): the parts in order,
the interest on the deferred part as the contract states it, the deposit counted first, payments filling the parts
in order, a part late by one day, and a payment of one fen more than is owed refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from trading.domain import property_payments as pp
from trading.domain.errors import DomainError

INSTALMENTS = {"payment": "instalments", "price": "26000000.00", "signed_on": "2026-04-13", "upfront": "7800000.00",
               "balance": "18200000.00", "first_due": "2026-04-20", "balance_due": "2027-04-13",
               "interest_rate": "3.45", "guarantee": "保函"}


def test_instalments_are_the_part_up_front_the_rest_and_its_interest_for_the_days_deferred():
    parts = pp.parts_of(INSTALMENTS)
    assert [(p.kind, p.amount, p.due_on) for p in parts] == [
        ("upfront", Decimal("7800000.00"), date(2026, 4, 20)),
        ("balance", Decimal("18200000.00"), date(2027, 4, 13)),
        ("interest", Decimal("627900.00"), date(2027, 4, 13))]  # 18,200,000 × 3.45% × 365/365
    half = pp.interest(Decimal("1000000"), Decimal("3.45"), date(2026, 1, 1), date(2026, 7, 1))
    assert half == Decimal("17108.22")  # 181 days
    assert [p.rule for p in parts] == ["property.payment_days", "property.instalment_term",
                                       "property.instalment_guarantee"]


def test_the_deposit_counts_first_and_payments_fill_the_parts_in_order():
    paid = [pp.Paid(Decimal("2000000"), date(2026, 4, 1), "deposit"), pp.Paid(Decimal("5800000"), date(2026, 4, 20)),
            pp.Paid(Decimal("1000000"), date(2026, 9, 1))]
    up, rest, charge = pp.reckon(INSTALMENTS, paid)
    assert (up.paid, up.paid_on, up.status(date(2026, 4, 21))) == (Decimal("7800000"), date(2026, 4, 20), "paid")
    assert (rest.paid, rest.outstanding, rest.status(date(2026, 9, 2))) == (Decimal("1000000"), Decimal("17200000"),
                                                                            "due")
    assert rest.status(date(2027, 4, 13)) == "due" and rest.status(date(2027, 4, 14)) == "overdue"
    assert pp.owed([up, rest, charge]) == Decimal("17827900.00")


def test_a_part_paid_a_day_after_its_last_day_is_late():
    up = pp.reckon(INSTALMENTS, [pp.Paid(Decimal("7800000"), date(2026, 4, 21))])[0]
    assert up.status(date(2026, 5, 1)) == "late"
    short = pp.reckon(INSTALMENTS, [pp.Paid(Decimal("7799999.99"), date(2026, 4, 20))])[0]
    assert (short.paid_on, short.status(date(2026, 4, 21))) == (None, "overdue")


def test_a_lump_sum_and_a_lease_by_the_year():
    lump = {"payment": "lump_sum", "price": "26000000.00", "upfront": "26000000.00", "first_due": "2026-04-20",
            "signed_on": "2026-04-13"}
    assert [(p.kind, p.amount) for p in pp.parts_of(lump)] == [("price", Decimal("26000000.00"))]
    lease = {"payment": "annual_rent", "annual_rent": "120000.00", "lease_years": 3, "lease_start": "2026-05-01",
             "first_due": "2026-04-20", "signed_on": "2026-04-13"}
    assert [(p.key, p.due_on) for p in pp.parts_of(lease)] == [
        ("rent-1", date(2026, 4, 20)), ("rent-2", date(2027, 5, 1)), ("rent-3", date(2028, 5, 1))]


APPROVAL = "咸国资产权〔2026〕21号 2026-04-18"


@pytest.mark.parametrize("amount, day, reference, approval, field", [
    ("0", date(2026, 4, 20), "HBYH20260420001", APPROVAL, "amount"),
    ("26627900.01", date(2026, 4, 20), "HBYH20260420001", APPROVAL, "amount"),  # one fen more than owed
    ("abc", date(2026, 4, 20), "HBYH20260420001", APPROVAL, "amount"),
    ("1000", date(2026, 4, 12), "HBYH20260420001", APPROVAL, "paid_on"),  # before the signing
    ("1000", date(2026, 5, 2), "HBYH20260420001", APPROVAL, "paid_on"),  # after today
    ("1000", None, "HBYH20260420001", APPROVAL, "paid_on"),
    ("1000", date(2026, 4, 20), " 12 ", APPROVAL, "reference"),
    ("1000", date(2026, 4, 20), "HBYH20260420001", "  ", "approval"),  # 32号令 第二十七条: the written opinion
])
def test_a_payment_settled_outside_the_centre_is_refused_naming_its_field(amount, day, reference, approval, field):
    parts = pp.reckon(INSTALMENTS, [])
    with pytest.raises(DomainError) as caught:
        pp.check_outside_payment(parts, amount, day, reference, approval, signed_on=date(2026, 4, 13),
                                 today=date(2026, 5, 1))
    assert caught.value.field == field
    if field == "approval":
        assert caught.value.rule == "property.settlement"
    assert pp.check_outside_payment(parts, "26,627,900.00", date(2026, 4, 13), "HBYH20260420001", APPROVAL,
                                    signed_on=date(2026, 4, 13), today=date(2026, 5, 1))[0] == Decimal("26627900.00")


def test_an_unpaid_part_is_overdue_in_the_one_reckoning_from_the_midnight_after_its_last_day():
    from datetime import UTC, datetime

    from trading.domain import monitoring as m
    from trading.domain.rules import DEFAULT_RULES

    up = pp.reckon(INSTALMENTS, [])[0]
    facts = m.LotFacts(1, "property", 1, payments=(m.PaymentFacts(7, up.key, up.rule, pp.last_moment(up),
                                                                   amount="7,800,000.00", number="XN-1"),))
    (due,) = m.dues(facts, DEFAULT_RULES)
    last_evening = datetime(2026, 4, 20, 15, 59, tzinfo=UTC)  # 23:59 on the last day, Beijing time
    assert (due.kind, due.rule, due.status(last_evening)) == ("payment", "property.payment_days", "today")
    assert due.status(datetime(2026, 4, 20, 16, 0, tzinfo=UTC)) == "overdue"
    assert due.ref == {"contract_id": 7, "part": "upfront-1", "amount": "7,800,000.00", "number": "XN-1"}


def test_the_transferor_counts_qualified_buyers_only_once_the_disclosure_has_ended():
    from trading.domain.visibility import Phase, Viewer, may_count_qualified

    transferor, staff = Viewer(frozenset({"tenderee"}), party=True), Viewer(frozenset({"staff"}))
    buyer, other = Viewer(frozenset({"bidder"}), signed_up=True), Viewer(frozenset({"tenderee"}))
    before = Phase.BEFORE_DEADLINE
    assert not may_count_qualified(transferor, before, disclosure_over=False)
    assert may_count_qualified(transferor, before, disclosure_over=True)
    assert may_count_qualified(staff, before, disclosure_over=False)
    for viewer in (buyer, other):
        assert not may_count_qualified(viewer, before, disclosure_over=True)

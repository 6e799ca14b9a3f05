"""The land price's payment schedule (国土资发〔2010〕34号) at its edges: one fen under half within the month, one day
past the month, one day past the year; and where each instalment stands as the payments arrive (paid, late, due,
overdue), with the deposit as the first money paid."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from trading.domain import land_payments as lp
from trading.domain.errors import DomainError
from trading.domain.land_payments import InstalmentInput as Row
from trading.domain.rules import DEFAULT_RULES as LAW, RuleSet

PRICE = Decimal("62200000.00")
HALF = Decimal("31100000.00")
SIGNED = date(2026, 4, 20)


def refusal(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def check(rows, rules=LAW, price=PRICE):
    return lp.check_schedule(rules, rows, price=price, signed_on=SIGNED)


def test_the_first_payment_is_at_least_half_within_one_month():
    # half, on the last day of the month (20 May), then the rest: allowed
    found = check([Row(str(HALF), date(2026, 5, 20)), Row(str(PRICE - HALF), date(2026, 12, 1))])
    assert [(i.seq, i.amount, i.due_on) for i in found] == [(1, HALF, date(2026, 5, 20)),
                                                            (2, PRICE - HALF, date(2026, 12, 1))]
    # one fen under half within the month
    short = refusal(lambda: check([Row(str(HALF - Decimal("0.01")), date(2026, 5, 20)),
                                   Row(str(PRICE - HALF + Decimal("0.01")), date(2026, 12, 1))]))
    assert (short.field, short.rule) == ("amount_1", "land.first_payment")
    assert "31,100,000.00" in short.render()
    # the first payment one day after the month
    late = refusal(lambda: check([Row(str(HALF), date(2026, 5, 21)), Row(str(PRICE - HALF), date(2026, 12, 1))]))
    assert (late.field, late.rule) == ("due_1", "land.first_payment") and "2026-05-20" in late.render()
    # two instalments within the month may make the half together
    both = check([Row("20000000", date(2026, 5, 1)), Row("11100000", date(2026, 5, 20)),
                  Row(str(PRICE - HALF), date(2027, 4, 20))])
    assert len(both) == 3
    # the whole price at once is a schedule of one
    assert len(check([Row(str(PRICE), date(2026, 5, 20))])) == 1


def test_the_whole_price_is_paid_within_a_year():
    assert check([Row(str(HALF), SIGNED), Row(str(PRICE - HALF), date(2027, 4, 20))])[-1].due_on == date(2027, 4, 20)
    past = refusal(lambda: check([Row(str(HALF), SIGNED), Row(str(PRICE - HALF), date(2027, 4, 21))]))
    assert (past.field, past.rule) == ("due_2", "land.payment_term") and "2027-04-20" in past.render()
    # the instalments add up to the price, no more and no less
    off = refusal(lambda: check([Row(str(HALF), SIGNED), Row(str(PRICE - HALF - 1), date(2027, 1, 1))]))
    assert (off.field, off.rule) == ("amount_1", "land.payment_term")


def test_a_centre_may_ask_more_up_front_and_a_shorter_term():
    stricter = RuleSet.from_overrides({"land.first_payment": 60, "land.payment_term": 1})
    refused = refusal(lambda: check([Row(str(HALF), SIGNED), Row(str(PRICE - HALF), date(2026, 9, 1))], stricter))
    assert refused.rule == "land.first_payment" and "60%" in refused.render()
    with pytest.raises(DomainError):  # never looser: 40% is refused as a setting
        RuleSet.from_overrides({"land.first_payment": 40})


@pytest.mark.parametrize(("rows", "field"), [
    ([], "amount_1"),
    ([Row("", SIGNED)], "amount_1"),
    ([Row("abc", SIGNED)], "amount_1"),
    ([Row("-5", SIGNED)], "amount_1"),
    ([Row("0", SIGNED)], "amount_1"),
    ([Row(str(PRICE), None)], "due_1"),
    ([Row(str(PRICE), SIGNED - timedelta(days=1))], "due_1"),
    ([Row(str(HALF), date(2026, 5, 10)), Row(str(PRICE - HALF), date(2026, 5, 10))], "due_2"),
    ([Row(str(HALF), date(2026, 5, 10)), Row(str(PRICE - HALF), date(2026, 5, 1))], "due_2"),
])
def test_hostile_or_incomplete_rows_are_refused_naming_their_field(rows, field):
    assert refusal(lambda: check(rows)).field == field


def test_blank_rows_between_are_skipped_and_rows_past_the_fourth_ignored():
    found = check([Row(str(HALF), SIGNED), Row(), Row(str(PRICE - HALF), date(2026, 8, 1))])
    assert [i.seq for i in found] == [1, 2]


def at(day: date, hour: int = 3) -> datetime:
    """A moment on ``day`` (Beijing time 11:00 when ``hour`` is 3 UTC)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_payments_cover_the_instalments_in_order_and_a_late_one_stays_late():
    schedule = [lp.Instalment(1, HALF, date(2026, 5, 20)), lp.Instalment(2, PRICE - HALF, date(2026, 12, 1))]
    deposit = lp.Payment(Decimal("12240000.00"), at(SIGNED))
    # the deposit alone: instalment 1 part paid, due until the end of 20 May (Beijing), overdue from its midnight
    first = lp.standing(schedule, [deposit], at(date(2026, 5, 20)))
    assert [(s.status, s.paid) for s in first] == [("due", Decimal("12240000.00")), ("due", Decimal("0"))]
    midnight = datetime(2026, 5, 20, 16, tzinfo=UTC)  # 00:00 on 21 May, Beijing time
    assert lp.standing(schedule, [deposit], midnight - timedelta(seconds=1))[0].status == "due"
    assert lp.standing(schedule, [deposit], midnight)[0].status == "overdue"
    # the rest of instalment 1 arrives two days late, with something over for instalment 2
    rest = lp.Payment(HALF - deposit.amount + Decimal("100.00"), at(date(2026, 5, 22)))
    later = lp.standing(schedule, [deposit, rest], at(date(2026, 6, 1)))
    assert [s.status for s in later] == ["late", "due"]
    assert later[0].paid_at == rest.at and later[1].paid == Decimal("100.00")
    assert lp.outstanding(schedule, [deposit, rest]) == PRICE - HALF - Decimal("100.00")
    # a payment not yet arrived at ``now`` does not count
    assert lp.standing(schedule, [deposit, rest], at(date(2026, 5, 21)))[0].status == "overdue"


def test_a_payment_above_what_is_left_or_after_the_price_is_paid_is_refused_by_the_one_check_of_every_contract():
    from trading.domain.contract_payments import check_amount

    left = lp.outstanding([lp.Instalment(1, Decimal("100"), date(2026, 5, 20))], [])
    with pytest.raises(DomainError) as too_much:
        check_amount(Decimal("100.01"), left, rule="land.payment_term")
    assert (too_much.value.field, too_much.value.rule) == ("amount", "land.payment_term")
    for amount, owed in ((Decimal("1"), Decimal("0")), (Decimal("0"), left), (Decimal("-1"), left)):
        with pytest.raises(DomainError):
            check_amount(amount, owed, rule="land.payment_term")
    check_amount(Decimal("100"), left, rule="land.payment_term")

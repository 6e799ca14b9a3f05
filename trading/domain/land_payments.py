"""The payment of a land price (出让价款缴纳) after the land contract (国有建设用地使用权出让合同): the schedule the
contract records, checked against the national rule, and where each instalment stands against the payments made.

国土资源部 国土资发〔2010〕34号 (关于加强房地产用地供应和监管有关问题的通知): within one month of signing the contract
at least 50% of the whole price is paid (the first payment, ``land.first_payment``); the rest as the contract agrees,
within one year of the signing at the latest (``land.payment_term``). The winner's deposit (竞买保证金) is part of the
price (39号令 第二十一条, ``land.deposit_to_price``): it is the first money paid, on the day the contract is
registered, and counts towards the first instalment.

A schedule is one to ``MAX_INSTALMENTS`` instalments, each an amount and the last day it may be paid on, in order of
their days; together they make the whole price. Payments are applied to the instalments in order (the oldest debt
first); an instalment is paid when the money covering it has arrived, late when that happened after its last day,
and overdue while it is not covered after its last day. Plain functions over plain values; each refusal names its
field (``amount_<n>``, ``due_<n>``, from 1) and rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from . import calendar
from .errors import N_, DomainError
from .money import CENT, parse_yuan
from .property_trade import _add_months as add_months
from .rules import RuleSet

MAX_INSTALMENTS = 4
FIRST_PAYMENT_MONTHS = 1  # 国土资发〔2010〕34号: the first payment within one month of the contract


@dataclass(frozen=True)
class InstalmentInput:
    """One row of the schedule as typed: the amount in yuan and the last day to pay it."""

    amount: str = ""
    due_on: date | None = None

    @property
    def blank(self) -> bool:
        return not (self.amount or "").strip() and self.due_on is None


@dataclass(frozen=True)
class Instalment:
    """One instalment of the schedule: its number (from 1), its amount and the last day it may be paid on."""

    seq: int
    amount: Decimal
    due_on: date

    @property
    def due(self) -> datetime:
        """The moment the instalment is late from: the midnight (Beijing time) after its last day."""
        return calendar.start_of_local_day(calendar.add_days(self.due_on, 1))


@dataclass(frozen=True)
class Payment:
    """Money received towards the price: how much and when (the deposit applied, or a payment through the bank)."""

    amount: Decimal
    at: datetime


@dataclass(frozen=True)
class Standing:
    """Where one instalment stands at a moment: how much of it is paid, when it was covered in full, and its status
    (``paid``, ``late``: paid after its last day, ``due``: not yet paid, not yet late, ``overdue``)."""

    instalment: Instalment
    paid: Decimal
    paid_at: datetime | None
    status: str

    @property
    def outstanding(self) -> Decimal:
        return self.instalment.amount - self.paid


def first_payment_by(signed_on: date) -> date:
    """The last day of the first payment: one month after the signing."""
    return add_months(signed_on, FIRST_PAYMENT_MONTHS)


def last_payment_by(in_force: RuleSet, signed_on: date) -> date:
    """The last day any part of the price may be paid on: ``land.payment_term`` years after the signing."""
    return add_months(signed_on, 12 * int(in_force.value("land.payment_term")))


def check_schedule(in_force: RuleSet, rows: list[InstalmentInput], *, price: Decimal, signed_on: date
                   ) -> list[Instalment]:
    """The schedule to record, or the first refusal naming its field and rule: one to ``MAX_INSTALMENTS``
    instalments in order of their days, none before the signing, together the whole price; at least
    ``land.first_payment`` percent of it due within one month of the signing, the first instalment among it; the
    last within ``land.payment_term`` years."""
    found: list[Instalment] = []
    for index, row in enumerate(rows[:MAX_INSTALMENTS], start=1):
        if row.blank:
            continue
        amount = parse_yuan(row.amount, f"amount_{index}")
        if amount <= 0:
            raise DomainError(N_("Enter the amount of instalment %(n)s, above zero."), field=f"amount_{index}",
                              rule="land.payment_term", n=index)
        if row.due_on is None:
            raise DomainError(N_("Enter the last day to pay instalment %(n)s."), field=f"due_{index}",
                              rule="land.payment_term", n=index)
        if row.due_on < signed_on:
            raise DomainError(N_("Instalment %(n)s cannot fall due before the contract was signed (%(signed)s)."),
                              field=f"due_{index}", rule="land.payment_term", n=index, signed=signed_on.isoformat())
        if found and row.due_on <= found[-1].due_on:
            raise DomainError(N_("List the instalments in order: instalment %(n)s falls due after the one before."),
                              field=f"due_{index}", rule="land.payment_term", n=index)
        found.append(Instalment(len(found) + 1, amount, row.due_on))
    if not found:
        raise DomainError(N_("Enter the payment schedule: at least the first instalment."), field="amount_1",
                          rule="land.first_payment")
    total = sum((i.amount for i in found), Decimal("0"))
    if total != price:
        raise DomainError(N_("The instalments add up to %(total)s yuan; together they must be the price, %(price)s "
                             "yuan."), field="amount_1", rule="land.payment_term", total=f"{total:,.2f}",
                          price=f"{price:,.2f}")
    first_by = first_payment_by(signed_on)
    if found[0].due_on > first_by:
        raise DomainError(N_("The first payment falls due within one month of the contract: by %(day)s at the latest."),
                          field="due_1", rule="land.first_payment", day=first_by.isoformat())
    share = in_force.value("land.first_payment")
    least = (price * Decimal(share) / 100).quantize(CENT)
    early = sum((i.amount for i in found if i.due_on <= first_by), Decimal("0"))
    if early < least:
        raise DomainError(N_("At least %(percent)s%% of the price (%(least)s yuan) is paid within one month of the "
                             "contract, by %(day)s: the schedule has %(early)s yuan due by then."), field="amount_1",
                          rule="land.first_payment", percent=share, least=f"{least:,.2f}", day=first_by.isoformat(),
                          early=f"{early:,.2f}")
    last_by = last_payment_by(in_force, signed_on)
    if found[-1].due_on > last_by:
        raise DomainError(N_("The whole price is paid within %(years)s year(s) of the contract: by %(day)s at the "
                             "latest."), field=f"due_{len(found)}", rule="land.payment_term",
                          years=in_force.value("land.payment_term"), day=last_by.isoformat())
    return found


def standing(instalments: list[Instalment], payments: list[Payment], now: datetime) -> list[Standing]:
    """Each instalment's standing at ``now``: the payments (in order of arrival, those up to ``now``) applied to the
    instalments in order."""
    ordered = sorted((p for p in payments if p.at <= now), key=lambda p: p.at)
    result: list[Standing] = []
    index, left = 0, ordered[0].amount if ordered else Decimal("0")
    for instalment in sorted(instalments, key=lambda i: i.seq):
        paid, paid_at = Decimal("0"), None
        while paid < instalment.amount and index < len(ordered):
            take = min(left, instalment.amount - paid)
            paid += take
            left -= take
            if paid == instalment.amount:
                paid_at = ordered[index].at
            if left == 0:
                index += 1
                left = ordered[index].amount if index < len(ordered) else Decimal("0")
        if paid_at is not None:
            status = "late" if paid_at >= instalment.due else "paid"
        else:
            status = "overdue" if now >= instalment.due else "due"
        result.append(Standing(instalment, paid, paid_at, status))
    return result


def outstanding(instalments: list[Instalment], payments: list[Payment]) -> Decimal:
    """What is left to pay of the whole price."""
    return sum((i.amount for i in instalments), Decimal("0")) - sum((p.amount for p in payments), Decimal("0"))


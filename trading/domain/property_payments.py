"""What the buyer of a state property lot owes under its transaction contract (产权交易合同), when, and what it has
paid: plain functions over the contract's terms (``property_trade.check_contract``) and the payments recorded.

The parts due, in order:

- in one sum: the price, by ``first_due`` (``property.payment_days`` working days after the signing);
- in instalments: the part paid up front by ``first_due`` (``property.payment_days``); the rest by ``balance_due``
  (``property.instalment_term``); and the interest on the rest, due with it (``property.instalment_guarantee``:
  "按同期银行贷款利率支付延期付款期间的利息"), reckoned as the contract states it: the rest × the yearly rate × the
  days from the signing to ``balance_due`` / 365, to the fen;
- a village collective lease: the first year's rent by ``first_due``, each later year's on the anniversary of the
  lease's start (``property.lease_term``).

The buyer's deposit counts towards the price (``property.deposit_to_price``): it is the first sum paid, on the day of
the deal. Payments fill the parts in order; a part is paid when the sums paid reach it, late if that happened after
its last day, overdue while unpaid after its last day. A payment is never more than what is still owed
(``domain.contract_payments.check_amount``, as for a land price).

The price is paid through the centre's bank (32号令 第二十七条, ``property.settlement``); ``check_outside_payment`` is
the exception the same article allows: a payment settled outside the centre, recorded by its staff with the approving
body's written opinion and the buyer's payment voucher.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from . import calendar
from .contract_payments import check_amount
from .errors import N_, DomainError
from .money import CENT, parse_yuan

DAYS_A_YEAR = Decimal(365)
RULES = {"price": "property.payment_days", "upfront": "property.payment_days", "balance": "property.instalment_term",
         "interest": "property.instalment_guarantee", "rent": "property.lease_term"}


@dataclass(frozen=True)
class Paid:
    """A sum the buyer paid: the amount, the day, and what it was (``deposit`` applied, ``bank``: through the centre's
    bank, ``outside``: settled outside the centre, recorded by its staff)."""

    amount: Decimal
    on: date
    source: str = "bank"


@dataclass(frozen=True)
class Part:
    """One part the contract makes due: its kind (price, upfront, balance, interest, rent), its number (a lease's
    year, else 1), the amount and the last day to pay it; then what is paid of it and, once in full, the day."""

    kind: str
    number: int
    amount: Decimal
    due_on: date
    paid: Decimal = Decimal("0.00")
    paid_on: date | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.number}"

    @property
    def rule(self) -> str:
        return RULES[self.kind]

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid

    def status(self, today: date) -> str:
        """``paid`` (in time), ``late`` (paid in full after its last day), ``overdue`` (unpaid after its last day),
        ``due`` (not yet due in full)."""
        if self.paid_on is not None:
            return "late" if self.paid_on > self.due_on else "paid"
        return "overdue" if today > self.due_on else "due"


def interest(balance: Decimal, rate_percent: Decimal, start: date, end: date) -> Decimal:
    """The interest on ``balance`` at ``rate_percent`` a year from ``start`` to ``end`` (actual days / 365)."""
    days = max((end - start).days, 0)
    return (balance * rate_percent / 100 * days / DAYS_A_YEAR).quantize(CENT, rounding=ROUND_HALF_UP)


def _anniversary(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def parts_of(terms: dict) -> list[Part]:
    """The parts the contract makes due, in order, unpaid."""
    first_due = date.fromisoformat(terms["first_due"])
    payment = terms.get("payment")
    if payment == "instalments":
        balance = Decimal(terms["balance"])
        due = date.fromisoformat(terms["balance_due"])
        charge = interest(balance, Decimal(terms["interest_rate"]), date.fromisoformat(terms["signed_on"]), due)
        found = [Part("upfront", 1, Decimal(terms["upfront"]), first_due), Part("balance", 1, balance, due)]
        return found + ([Part("interest", 1, charge, due)] if charge > 0 else [])
    if payment == "annual_rent":
        rent, start = Decimal(terms["annual_rent"]), date.fromisoformat(terms["lease_start"])
        return [Part("rent", 1, rent, first_due)] + [
            Part("rent", year + 1, rent, max(_anniversary(start, year), first_due))
            for year in range(1, int(terms["lease_years"]))]
    return [Part("price", 1, Decimal(terms.get("upfront") or terms["price"]), first_due)]


def reckon(terms: dict, paid: list[Paid]) -> list[Part]:
    """The parts with what is paid of each: the sums, in date order, fill the parts in order."""
    parts = parts_of(terms)
    got = [Decimal("0.00")] * len(parts)
    done: list[date | None] = [None] * len(parts)
    index = 0
    for payment in sorted(paid, key=lambda p: (p.on, p.source != "deposit")):
        left = payment.amount
        while left > 0 and index < len(parts):
            take = min(left, parts[index].amount - got[index])
            got[index], left = got[index] + take, left - take
            if got[index] >= parts[index].amount:
                done[index] = payment.on
                index += 1
    return [Part(p.kind, p.number, p.amount, p.due_on, got[i], done[i]) for i, p in enumerate(parts)]


def owed(parts: list[Part]) -> Decimal:
    """What is still owed in all."""
    return sum((p.outstanding for p in parts), Decimal("0.00"))


def check_outside_payment(parts: list[Part], amount_text, paid_on: date | None, reference: str, approval: str, *,
                          signed_on: date, today: date) -> tuple[Decimal, date, str, str]:
    """A payment settled outside the centre (32号令 第二十七条: 因特殊情况不能通过产权交易机构结算), as the centre
    records it: the amount, the day it was paid, the buyer's payment voucher (its bank serial number) and the
    approving body's written opinion the transferor gave; or the first refusal naming its field."""
    amount = parse_yuan(amount_text, "amount")
    check_amount(amount, owed(parts), rule="property.payment_days")
    if paid_on is None or paid_on < signed_on or paid_on > today:
        raise DomainError(N_("The payment arrived between the contract's signing (%(signed)s) and today."),
                          field="paid_on", signed=signed_on.isoformat())
    reference = (reference or "").strip()
    if len(reference) < 4:
        raise DomainError(N_("Enter the bank's serial number on the buyer's payment voucher (付款凭证)."),
                          field="reference", rule="property.settlement")
    approval = (approval or "").strip()
    if len(approval) < 4:
        raise DomainError(N_("Enter the approving body's written opinion that the price is settled outside the centre "
                             "(its number and date)."), field="approval", rule="property.settlement")
    return amount, paid_on, reference[:100], approval[:200]


def last_moment(part: Part):
    """The midnight (Beijing time) after the part's last day: from then on it is late."""
    return calendar.start_of_local_day(calendar.add_days(part.due_on, 1))

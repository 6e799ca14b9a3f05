"""The end of a state property lot's disclosure and its deal (企业国有资产交易, 32号令; RULES.md "State property
rights"): how the number of qualified buyers routes the lot, the price a single buyer agrees, and the transaction
contract (产权交易合同) with its payment terms. Plain functions over plain values; each refusal names its field
and rule.

- Routing at the end of the disclosure: no qualified buyer, no deal (``property.no_buyer_revalue``); one, a
  transfer by agreement at no less than the listing price (``property.agreement_price``); two or more, the
  multi-round online bidding (``property.competitive_bidding``, ``domain.auction``), or the one sealed round if the
  disclosure chose it (``property.sealed_round``, ``domain.sealed_round``).
- The contract: the deal's price; paid in one sum within ``property.payment_days`` working days of the contract,
  or, where the disclosure allowed it, in instalments: at least ``property.instalment_upfront`` (30%) within the
  same days, the rest within ``property.instalment_term`` (1 year) secured by a guarantee the transferor accepts
  and bearing interest (``property.instalment_guarantee``; 32号令 第二十八条).
- A village collective asset lease (农村集体资产 公开租赁) trades the same way with the annual rent as its price; its
  contract records the lease's start and end (the term its disclosure fixed, at most ``property.lease_term`` years)
  instead of the 32号令 payment terms, which govern state property only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from .calendar import add_working_days
from .errors import N_, DomainError
from .money import CENT, parse_yuan
from .rules import RuleSet

NO_BUYER, AGREEMENT, BIDDING, SEALED_ROUND = "no_buyer", "agreement", "bidding", "sealed"
EQUITY, LEASE = "equity", "collective_lease"  # what a property lot trades (property_terms["asset"])
MAX_INTEREST = Decimal(24)  # percent a year: a typing mistake above it (the courts' cap on lending rates)


def route(qualified: int, form: str = "multi_round") -> tuple[str, str]:
    """What follows the disclosure with ``qualified`` buyers and the bidding form the disclosure chose
    (``property_terms.BIDDING_FORMS``), and the rule that says so."""
    if qualified <= 0:
        return NO_BUYER, "property.no_buyer_revalue"
    if qualified == 1:
        return AGREEMENT, "property.agreement_price"
    if form == "sealed":
        return SEALED_ROUND, "property.sealed_round"
    return BIDDING, "property.competitive_bidding"


def check_agreement_price(text, listing_price: Decimal) -> Decimal:
    """The price agreed with the one qualified buyer: in yuan, at least the listing price."""
    price = parse_yuan(text, "price")
    if price < listing_price:
        raise DomainError(N_("With one qualified buyer the price is agreed at no less than the listing price, "
                             "%(least)s yuan."), field="price", rule="property.agreement_price",
                          least=f"{listing_price:,.2f}")
    return price


@dataclass(frozen=True)
class ContractInput:
    """The transaction contract as typed (dates already parsed by the form)."""

    number: str = ""
    signed_on: date | None = None
    payment: str = "lump_sum"
    upfront: str = ""  # yuan paid up front (instalments)
    balance_due: date | None = None  # the last instalment's date
    guarantee: str = ""
    interest_rate: str = ""  # percent a year on the deferred part
    lease_start: date | None = None  # a collective lease: when it begins


def _text(value: str, field: str, message: str, rule: str | None = None, least: int = 2, most: int = 200) -> str:
    value = (value or "").strip()
    if len(value) < least:
        raise DomainError(message, field=field, rule=rule)
    return value[:most]


def _add_years(day: date, years: int) -> date:
    """The same day ``years`` later (28 February for a 29th of February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def check_contract(in_force: RuleSet, data: ContractInput, *, price: Decimal, disclosed: dict, decided_on: date,
                   today: date) -> dict:
    """The contract's terms to keep (JSON values), or the first refusal naming its field and rule. ``disclosed`` is
    the lot's ``property_terms`` (payment allowed, upfront share, months; or the lease's term)."""
    number = _text(data.number, "number", N_("Enter the contract number."), most=100)
    if data.signed_on is None:
        raise DomainError(N_("Enter the date the contract was signed."), field="signed_on")
    if data.signed_on < decided_on or data.signed_on > today:
        raise DomainError(N_("The contract is signed between the deal (%(deal)s) and today."), field="signed_on",
                          deal=decided_on.isoformat())
    days = int(in_force.value("property.payment_days"))
    first_due = add_working_days(data.signed_on, days)
    terms: dict = {"number": number, "signed_on": data.signed_on.isoformat(), "price": f"{price:.2f}"}
    if disclosed.get("asset") == LEASE:
        if data.lease_start is None or data.lease_start < data.signed_on:
            raise DomainError(N_("Enter when the lease begins (on or after the signing)."), field="lease_start",
                              rule="property.lease_term")
        years = int(disclosed["lease_years"])
        end = _add_years(data.lease_start, years)
        terms.update(payment="annual_rent", annual_rent=f"{price:.2f}", lease_years=years,
                     lease_start=data.lease_start.isoformat(), lease_end=end.isoformat(),
                     total_rent=f"{price * years:.2f}", first_due=first_due.isoformat())
        return terms
    if data.payment == "lump_sum":
        terms.update(payment="lump_sum", upfront=f"{price:.2f}", first_due=first_due.isoformat())
        return terms
    if data.payment != "instalments":
        raise DomainError(N_("Choose payment in one sum or in instalments."), field="payment")
    if disclosed.get("payment") != "instalments":
        raise DomainError(N_("The disclosure asked for payment in one sum within %(days)s working days: the contract "
                             "cannot pay in instalments."), field="payment", rule="property.payment_days", days=days)
    upfront = parse_yuan(data.upfront, "upfront")
    share = max(in_force.value("property.instalment_upfront"), Decimal(str(disclosed.get("upfront_percent") or 0)))
    least = (price * share / 100).quantize(CENT)
    if upfront < least or upfront >= price:
        raise DomainError(N_("Paid in instalments, at least %(percent)s%% (%(least)s yuan) is paid up front, and "
                             "less than the whole price."), field="upfront", rule="property.instalment_upfront",
                          percent=share, least=f"{least:,.2f}")
    months = min(int(in_force.value("property.instalment_term")) * 12, int(disclosed.get("balance_months") or 12))
    latest = _add_months(data.signed_on, months)
    if data.balance_due is None or data.balance_due <= data.signed_on or data.balance_due > latest:
        raise DomainError(N_("The rest is paid within %(months)s months of the contract, by %(latest)s at the "
                             "latest."), field="balance_due", rule="property.instalment_term", months=months,
                          latest=latest.isoformat())
    guarantee = _text(data.guarantee, "guarantee", N_("Describe the guarantee the transferor accepts for the rest "
                                                      "(e.g. a bank guarantee, its number and guarantor)."),
                      rule="property.instalment_guarantee", least=4, most=500)
    try:
        rate = Decimal((data.interest_rate or "").strip())
    except InvalidOperation:
        rate = Decimal(-1)
    if not rate.is_finite() or rate <= 0 or rate > MAX_INTEREST:
        raise DomainError(N_("Enter the yearly interest on the deferred part, in percent (the bank lending rate, "
                             "e.g. 3.45)."), field="interest_rate", rule="property.instalment_guarantee")
    terms.update(payment="instalments", upfront=f"{upfront:.2f}", balance=f"{price - upfront:.2f}",
                 first_due=first_due.isoformat(), balance_due=data.balance_due.isoformat(), guarantee=guarantee,
                 interest_rate=str(rate.normalize()))
    return terms


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    import calendar

    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

"""The terms a state property lot (企业国有产权转让, 32号令) is filed and announced with, checked against the rules
in force: the listing price against the approved valuation, the payment terms, the result publicity.

- The first listing price is at least the valuation (``property.listing_price_floor``, 100%); a relisting (a later
  round of the same lot) may go lower, but below ``property.relist_approval`` (90%) of the valuation only with the
  written approval of the body that approved the transfer, whose reference is recorded (Art. 18).
- Payment is in one sum, or in instalments: at least ``property.instalment_upfront`` (30%) up front and the rest
  within ``property.instalment_term`` (1 year, as months) (Art. 28).
- The result is publicised for at least ``property.result_publicity`` (5) working days.
- The disclosure states the bidding form used if two or more buyers qualify (``property.bidding_form``): the
  multi-round online bidding (网络竞价 多次报价, the default) or one sealed round (一次报价), in which each qualified
  buyer submits one price sealed to the lot's opening key (``property.sealed_round``); a sealed-round lot gets its
  opening key at the announcement, as a tender does.

- A transfer that changes control of the enterprise (``control_change``) is pre-disclosed first
  (``property.pre_disclosure``, ``domain.property_disclosure``).
- A relisting that begins more than 12 months after the first formal disclosure under the current valuation records
  a new valuation: its report number, who approved or filed it and its date (``property.no_buyer_revalue``).

The approval of a low relisting price records who gave it (the body that approved the transfer) and its document
number. A village collective asset lease (农村集体资产 公开租赁, ``asset`` "collective_lease") trades the same way with
the annual rent as its price: it needs the villagers' assembly's decision (``property.collective_resolution``) and
a lease term of at most ``property.lease_term`` (20) years; 32号令's valuation floor and payment terms govern state
property only, so a lease records no valuation floor and pays its rent by the year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from . import property_disclosure
from .errors import N_, DomainError
from .money import CENT, parse_yuan
from .rules import RuleSet

PAYMENTS = ("lump_sum", "instalments")
ASSETS = ("equity", "collective_lease")  # 企业国有产权转让 / 农村集体资产公开租赁
MULTI_ROUND, SEALED = "multi_round", "sealed"  # 网络竞价（多次报价） / 一次报价（密封报价）
BIDDING_FORMS = (MULTI_ROUND, SEALED)


def bidding_form(terms: dict | None) -> str:
    """The bidding form a property lot's disclosure chose (multi-round when it chose none: lots filed before)."""
    return (terms or {}).get("bidding_form") or MULTI_ROUND


def takes_sealed_round(trade_type: str, terms: dict | None) -> bool:
    """Whether a lot of ``trade_type`` with these terms takes one sealed round (and so needs an opening key)."""
    return trade_type == "property" and bidding_form(terms) == SEALED


@dataclass(frozen=True)
class PropertyInput:
    """What the lot form asks of a property lot, as typed."""

    valuation: str = ""
    payment: str = "lump_sum"
    upfront_percent: str = ""
    balance_months: str = ""
    result_publicity_days: str = ""
    price_approval: str = ""  # the approval's document number (批准文号)
    price_approval_body: str = ""  # who approved it (批准单位)
    asset: str = "equity"
    lease_years: str = ""
    resolution: str = ""  # the villagers' assembly's decision (村民会议决议), for a collective lease
    bidding_form: str = MULTI_ROUND  # with two or more qualified buyers: multi-round online bidding or one sealed round
    control_change: bool = False  # the transfer changes control of the enterprise (实际控制权发生转移)
    revaluation_number: str = ""  # a new valuation after 12 months without a buyer: its report's number
    revaluation_body: str = ""  # who approved or filed it
    revaluation_on: date | None = None  # its date


def _whole(text: str, field: str, message: str) -> int:
    """A whole number typed in a field, or a refusal naming it."""
    text = (text or "").strip()
    if not text.isdigit():
        raise DomainError(message, field=field)
    return int(text)


def check(in_force: RuleSet, data: PropertyInput, *, starting_price: Decimal, lot_round: int,
          first_disclosure: datetime | None = None, disclosure_start: datetime | None = None
          ) -> tuple[Decimal | None, dict]:
    """The valuation and the terms to keep with the lot (``property_terms``), or the first refusal naming its field
    and rule. ``first_disclosure``: when the lot's first formal disclosure under its current valuation began (None
    before any); ``disclosure_start``: when the disclosure being prepared begins (the announcement's listing start,
    or now at filing)."""
    if (data.asset or "equity") not in ASSETS:
        raise DomainError(N_("Choose what is traded: state-owned property rights or a village collective lease."),
                          field="asset")
    form = (data.bidding_form or MULTI_ROUND).strip()
    if form not in BIDDING_FORMS:
        raise DomainError(N_("Choose the bidding form: multi-round online bidding or one sealed round."),
                          field="bidding_form", rule="property.bidding_form")
    if data.asset == "collective_lease":
        valuation, terms = _lease(in_force, data)
        return valuation, {**terms, "bidding_form": form}
    valuation = parse_yuan(data.valuation, "valuation")
    if valuation <= 0:
        raise DomainError(N_("Enter the approved valuation (评估值)."), field="valuation")
    floor = (valuation * in_force.value("property.listing_price_floor") / 100).quantize(CENT)
    approval = (data.price_approval or "").strip()[:200]
    if lot_round <= 1 and starting_price < floor:
        raise DomainError(N_("The first listing price may not be below the approved valuation: at least %(floor)s "
                             "yuan."), field="starting_price", rule="property.listing_price_floor",
                          floor=f"{floor:,.2f}")
    needs_approval = (valuation * in_force.value("property.relist_approval") / 100).quantize(CENT)
    approver = (data.price_approval_body or "").strip()[:200]
    low = lot_round > 1 and starting_price < needs_approval
    if low and len(approval) < 4:
        raise DomainError(N_("A relisting price below %(percent)s%% of the valuation (%(limit)s yuan) needs the "
                             "written approval of the body that approved the transfer: enter its document number."),
                          field="price_approval", rule="property.relist_approval",
                          percent=in_force.value("property.relist_approval"), limit=f"{needs_approval:,.2f}")
    if low and len(approver) < 4:
        raise DomainError(N_("Enter who approved the relisting price below %(percent)s%% of the valuation (the body "
                             "that approved the transfer)."), field="price_approval_body",
                          rule="property.relist_approval", percent=in_force.value("property.relist_approval"))
    terms: dict = {"payment": data.payment, "bidding_form": form}
    if data.payment not in PAYMENTS:
        raise DomainError(N_("Choose payment in one sum or in instalments."), field="payment")
    if data.payment == "instalments":
        try:
            upfront = Decimal((data.upfront_percent or "").strip())
        except InvalidOperation:
            upfront = Decimal(-1)
        least = in_force.value("property.instalment_upfront")
        if not upfront.is_finite() or upfront < least or upfront > 100:
            raise DomainError(N_("Paid in instalments, at least %(least)s%% is paid up front."),
                              field="upfront_percent", rule="property.instalment_upfront", least=least)
        months = _whole(data.balance_months, "balance_months", N_("Enter in how many months the rest is paid."))
        most = int(in_force.value("property.instalment_term")) * 12
        if not 1 <= months <= most:
            raise DomainError(N_("The rest is paid within %(most)s months."), field="balance_months",
                              rule="property.instalment_term", most=most)
        terms.update(upfront_percent=str(upfront), balance_months=months)
    least_days = int(in_force.value("property.result_publicity"))
    days = _whole(data.result_publicity_days or str(least_days), "result_publicity_days",
                  N_("Enter the result publicity in working days."))
    if days < least_days:
        raise DomainError(N_("The result is publicised for at least %(least)s working days."),
                          field="result_publicity_days", rule="property.result_publicity", least=least_days)
    terms["result_publicity_days"] = days
    if approval:
        terms["price_approval"] = approval
    if approver:
        terms["price_approval_body"] = approver
    if data.control_change:
        terms["control_change"] = True
    due = disclosure_start is not None and property_disclosure.revaluation_due(first_disclosure, disclosure_start,
                                                                                in_force)
    if due:
        terms["revaluation"] = property_disclosure.check_revaluation(
            in_force, property_disclosure.Revaluation(data.revaluation_number, data.revaluation_body,
                                                      data.revaluation_on), first_disclosure=first_disclosure)
    elif (data.revaluation_number or "").strip() and data.revaluation_on is not None:
        terms["revaluation"] = {"number": data.revaluation_number.strip()[:200],
                                "body": (data.revaluation_body or "").strip()[:200],
                                "on": data.revaluation_on.isoformat()}
    return valuation, terms


def _lease(in_force: RuleSet, data: PropertyInput) -> tuple[Decimal | None, dict]:
    """A village collective lease's terms: the term in years, the assembly's decision, the result publicity; the
    valuation, if one is given, is kept for information."""
    valuation = parse_yuan(data.valuation, "valuation") if (data.valuation or "").strip() else None
    most = int(in_force.value("property.lease_term"))
    years = _whole(data.lease_years, "lease_years", N_("Enter the lease term in whole years."))
    if not 1 <= years <= most:
        raise DomainError(N_("A lease runs from 1 to %(most)s years."), field="lease_years", rule="property.lease_term",
                          most=most)
    resolution = (data.resolution or "").strip()[:300]
    if len(resolution) < 4:
        raise DomainError(N_("Enter the villagers' assembly's decision to lease (date and reference)."),
                          field="resolution", rule="property.collective_resolution")
    least_days = int(in_force.value("property.result_publicity"))
    days = _whole(data.result_publicity_days or str(least_days), "result_publicity_days",
                  N_("Enter the result publicity in working days."))
    if days < least_days:
        raise DomainError(N_("The result is publicised for at least %(least)s working days."),
                          field="result_publicity_days", rule="property.result_publicity", least=least_days)
    return valuation, {"asset": "collective_lease", "lease_years": years, "resolution": resolution,
                       "payment": "annual_rent", "result_publicity_days": days}


def input_of(valuation: Decimal | None, terms: dict | None) -> PropertyInput:
    """The stored valuation and terms as the form's input again (to check them anew at the announcement)."""
    terms = terms or {}
    return PropertyInput(valuation="" if valuation is None else str(valuation), payment=terms.get("payment", ""),
                         upfront_percent=str(terms.get("upfront_percent", "")),
                         balance_months=str(terms.get("balance_months", "")),
                         result_publicity_days=str(terms.get("result_publicity_days", "")),
                         price_approval=terms.get("price_approval", ""),
                         price_approval_body=terms.get("price_approval_body", ""),
                         asset=terms.get("asset", "equity"), lease_years=str(terms.get("lease_years", "")),
                         resolution=terms.get("resolution", ""), bidding_form=bidding_form(terms),
                         control_change=bool(terms.get("control_change")),
                         revaluation_number=(terms.get("revaluation") or {}).get("number", ""),
                         revaluation_body=(terms.get("revaluation") or {}).get("body", ""),
                         revaluation_on=_day((terms.get("revaluation") or {}).get("on")))


def _day(text: str | None) -> date | None:
    """A stored ISO date, or None."""
    return date.fromisoformat(text) if text else None

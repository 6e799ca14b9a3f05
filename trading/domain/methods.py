"""What each sealed-bid method needs besides its timetable (``schedule.plan``) and its committee
(``scoring.committee_rules``): who may take part, how few responses keep the lot going, and, for single source,
the negotiation record that replaces the evaluation.

- 公开招标 (open): anyone signs up; 3 bids at the opening (法 Art. 28; 采购法 Art. 36).
- 邀请招标 (invited): the method request names at least 3 bidders (法 Art. 17; 采购法 Art. 34); only they sign up;
  3 bids as for open tendering.
- 竞争性谈判, 询价 (negotiation, inquiry): announced; at least 3 suppliers respond (采购法 Arts. 38, 40).
- 竞争性磋商 (consultation): announced; at least 3 suppliers (财库〔2014〕214号 Art. 6).
- 单一来源 (single source): the method request names exactly one supplier, the announcement publishes it; its one
  response is opened, and instead of a committee's evaluation the tenderee's negotiators record the negotiation and
  the price agreed with its justification (采购法 Art. 39; 74号令 Art. 42); the result is then published as for
  the other methods.

Works bought by a non-tender method (below the tendering threshold) follow the procurement rules, as their
timetable does. Land tenders keep the construction minimum of 3 bids.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .errors import N_, DomainError
from .money import parse_yuan
from .rules import RuleSet

SINGLE_SOURCE = "single_source"
SUPPLIER_RULE = "procurement.single_source_supplier"
RECORD_RULE = "procurement.single_source_record"
PRICE_RULE = "procurement.single_source_price"
_MIN_BIDS = {"negotiation": "procurement.group_min_suppliers", "inquiry": "procurement.group_min_suppliers",
             "consultation": "procurement.consultation_min_suppliers", SINGLE_SOURCE: SUPPLIER_RULE}
_INVITATIONS = {("construction", "invited"): "construction.invited_bidders",
                ("procurement", "invited"): "procurement.invited_suppliers",
                ("construction", SINGLE_SOURCE): SUPPLIER_RULE, ("procurement", SINGLE_SOURCE): SUPPLIER_RULE}


def min_bids_rule(trade_type: str, method: str | None) -> str:
    """The rule that sets the fewest bids (responses) a lot of this trade type and method needs at its opening
    and evaluation: fewer, and it fails (流标)."""
    if method in _MIN_BIDS:
        return _MIN_BIDS[method]
    return "procurement.min_suppliers" if trade_type == "procurement" else "construction.min_bids"


def invitation_rule(trade_type: str, method: str | None) -> str | None:
    """The rule on the suppliers a method request must name (invited tender, single source), or None where anyone
    signs up after the announcement."""
    return _INVITATIONS.get((trade_type, method))


def check_invitations(trade_type: str, method: str, invitees: Collection[int], *, rules: RuleSet) -> tuple[int, ...]:
    """The named bidders (organisation ids, without repeats) the method needs: at least 3 for an invited tender,
    exactly one for single source, none for the announced methods; else refuse naming the rule in force."""
    named = tuple(dict.fromkeys(invitees))
    rule_id = invitation_rule(trade_type, method)
    if rule_id is None:
        if named:
            raise DomainError(N_("This method is announced to every bidder: name no invited bidders."),
                              field="invitees", rule=f"{trade_type}.methods")
        return named
    needed = int(rules.value(rule_id))
    if rule_id == SUPPLIER_RULE and len(named) != needed:
        raise DomainError(N_("Single source names exactly one supplier; %(count)s were named."), field="invitees",
                          rule=rule_id, count=len(named))
    if len(named) < needed:
        raise DomainError(N_("An invited tender names at least %(needed)s bidders; %(count)s were named."),
                          field="invitees", rule=rule_id, needed=needed, count=len(named))
    return named


@dataclass(frozen=True)
class Negotiation:
    """The record of a single-source negotiation (协商情况记录) as the tenderee types it."""

    negotiated_on: date | None
    place: str
    negotiators: str  # the tenderee's negotiators (采购人员名单), one name a line or separated by 、
    cost_note: str  # the supplier's costs, prices of comparable contracts, patents (成本和同类项目合同价格说明)
    price: str  # the price agreed, in yuan as typed
    justification: str  # the main terms and why the price is reasonable (合同主要条款及价格商定情况)


def negotiators(text: str) -> list[str]:
    """The names in the negotiators field (one a line, or separated by 、 , ，; ；)."""
    for separator in "、,，;；":
        text = text.replace(separator, "\n")
    return [name.strip() for name in text.splitlines() if name.strip()]


def check_negotiation(record: Negotiation, *, opened: int, quoted: Decimal, budget: Decimal | None,
                      opened_on: date, today: date) -> Decimal:
    """The agreed price of a complete negotiation record, or a refusal naming the field and the rule: the one
    supplier's response opened, the date between the opening and today, place, negotiators and the supplier's
    cost explanation given, a price above zero and not above the quotation or the budget, with its justification."""
    if opened != 1:
        raise DomainError(N_("A single-source negotiation needs the one supplier's opened response; %(opened)s were "
                             "opened."), field="lot", rule=SUPPLIER_RULE, opened=opened)
    if record.negotiated_on is None:
        raise DomainError(N_("Enter the date of the negotiation."), field="negotiated_on", rule=RECORD_RULE)
    if not opened_on <= record.negotiated_on <= today:
        raise DomainError(N_("The negotiation takes place between the opening (%(opened)s) and today."),
                          field="negotiated_on", rule=RECORD_RULE, opened=opened_on.isoformat())
    if not (record.place or "").strip():
        raise DomainError(N_("Enter where the negotiation took place."), field="place", rule=RECORD_RULE)
    if not negotiators(record.negotiators or ""):
        raise DomainError(N_("Name the tenderee's negotiators."), field="negotiators", rule=RECORD_RULE)
    if len((record.cost_note or "").strip()) < 10:
        raise DomainError(N_("Record the supplier's costs and the prices of comparable contracts (at least 10 "
                             "characters)."), field="cost_note", rule=RECORD_RULE)
    price = parse_yuan(record.price, "price")
    if price <= 0:
        raise DomainError(N_("The agreed price must be above zero."), field="price", rule=PRICE_RULE)
    if price > quoted:
        raise DomainError(N_("The agreed price of %(price)s yuan is above the supplier's quotation of %(quoted)s "
                             "yuan."), field="price", rule=PRICE_RULE, price=f"{price:,.2f}",
                          quoted=f"{quoted:,.2f}")
    if budget is not None and price > budget:
        raise DomainError(N_("The agreed price of %(price)s yuan is above the budget of %(budget)s yuan."),
                          field="price", rule=PRICE_RULE, price=f"{price:,.2f}", budget=f"{budget:,.2f}")
    if len((record.justification or "").strip()) < 10:
        raise DomainError(N_("Justify the agreed price and record the main terms (at least 10 characters)."),
                          field="justification", rule=PRICE_RULE)
    return price

"""The committee (评标委员会) or group (谈判小组, 询价小组, 磋商小组) that evaluates a lot: which size and experts'
share rules apply to the lot's method, the check of a seated committee, and the "complex" mark of a procurement lot.

Odd and at least the size rule of the lot's method (``committee_rules``: 5; procurement 7 when the budget is at
least ``procurement.committee_large_budget`` and the lot is marked complex; a group of 3 for negotiation, inquiry
and consultation), experts at least the share rule (2/3, compared exactly as a ``Fraction``). Minimum first, then
odd, then share; each refusal names its rule. Single source has no committee (``domain.methods``).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from .errors import N_, DomainError
from .rules import RuleSet

KINDS = ("expert", "tenderee_rep")


class Member(NamedTuple):
    """A committee member: an expert drawn from the pool or the tenderee's representative."""

    member_id: str
    kind: str


_GROUPS = {"negotiation": ("procurement.group_size", "procurement.group_experts_share"),
           "inquiry": ("procurement.group_size", "procurement.group_experts_share"),
           "consultation": ("procurement.consultation_group_size", "procurement.consultation_experts_share")}
COMPLEX_RULE = "procurement.committee_large_size"


def committee_rules(trade_type: str, method: str | None, budget: Decimal | None, complex: bool = False, *,
                    rules: RuleSet) -> tuple[str, str]:
    """The rules (size, experts' share) of the committee or group that evaluates a lot of this method.

    Open and invited tendering: the trade type's committee (5), for procurement 7 when the lot is marked complex
    and its budget reaches ``procurement.committee_large_budget`` (87号令 Art. 47); negotiation and inquiry: a group
    of 3 (采购法 Arts. 38, 40); consultation: a group of 3 (财库〔2014〕214号 Art. 14). Works bought by these methods
    follow the procurement groups. Single source has no committee."""
    if method == "single_source":
        raise DomainError(N_("A single-source lot has no evaluation committee: the tenderee's negotiators agree "
                             "the price with the supplier."), field="method", rule="procurement.single_source_record")
    if method in _GROUPS:
        return _GROUPS[method]
    size_id = f"{trade_type}.committee_size"
    if trade_type == "procurement" and complex:
        threshold = rules.value("procurement.committee_large_budget")
        if budget is None:
            raise DomainError(N_("Enter the budget: complex projects from %(threshold)s yuan need a larger "
                                 "committee."), field="budget", rule="procurement.committee_large_budget",
                              threshold=str(threshold))
        if budget >= threshold:
            size_id = COMPLEX_RULE
    return size_id, f"{trade_type}.committee_experts_share"


def check_committee(trade_type: str, members: list[Member], budget: Decimal | None, complex: bool = False, *,
                    method: str | None = None, rules: RuleSet) -> None:
    """Refuse a committee that is too small, even, or short of experts for the lot's method (``committee_rules``)
    under the rules in force, naming the rule."""
    if trade_type not in ("construction", "procurement"):
        raise DomainError(N_("Unknown trade type %(trade_type)s for an evaluation committee."),
                          field="trade_type", trade_type=trade_type)
    if len({m.member_id for m in members}) != len(members):
        raise DomainError(N_("A member appears twice in the committee."), field="members")
    for m in (m for m in members if m.kind not in KINDS):
        raise DomainError(N_("Unknown kind %(kind)s of committee member %(member)s."), field="members",
                          kind=m.kind, member=m.member_id)
    size_id, share_id = committee_rules(trade_type, method, budget, complex, rules=rules)
    minimum, size = rules.value(size_id), len(members)
    if size < minimum:
        raise DomainError(N_("The committee has %(size)s members; it needs at least %(minimum)s."),
                          field="members", rule=size_id, size=size, minimum=minimum)
    if size % 2 == 0:
        raise DomainError(N_("The committee has %(size)s members; it needs an odd number."),
                          field="members", rule=size_id, size=size)
    share = Fraction(rules.value(share_id))
    experts = sum(1 for m in members if m.kind == "expert")
    if Fraction(experts, size) < share:
        raise DomainError(N_("%(experts)s of %(size)s members are experts; at least %(share)s are needed."),
                          field="members", rule=share_id, experts=experts, size=size, share=str(share))


def check_experts_wanted(trade_type: str, method: str, experts: int, budget: Decimal | None, complex: bool = False,
                         *, rules: RuleSet) -> None:
    """Refuse a method for a lot whose documents ask for a number of experts that cannot make its committee (all
    drawn from the pool), before the method is approved; single source asks for none."""
    if method == "single_source" or trade_type not in ("construction", "procurement"):
        return
    try:
        check_committee(trade_type, [Member(str(n), "expert") for n in range(experts)], budget, complex,
                        method=method, rules=rules)
    except DomainError as error:
        raise DomainError(N_("The lot asks for %(experts)s experts; its committee under this method needs an odd "
                             "number of at least %(minimum)s. Change the lot's experts or the method."),
                          field="method", rule=error.rule, experts=experts,
                          minimum=rules.value(committee_rules(trade_type, method, budget, complex, rules=rules)[0])
                          ) from None


def check_complex(trade_type: str, complex: bool, reason: str | None) -> str:
    """The reason a procurement lot is marked technically complex (it drives the 7-member committee from
    ``procurement.committee_large_budget``, 87号令 Art. 47), trimmed; "" when not complex. Refuse the mark on other
    trade types, and a mark without its reason."""
    if not complex:
        return ""
    if trade_type != "procurement":
        raise DomainError(N_("Only a procurement lot is marked technically complex."), field="complex",
                          rule=COMPLEX_RULE)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise DomainError(N_("Say why the procurement is technically complex."), field="complex_reason",
                          rule=COMPLEX_RULE)
    return reason[:500]

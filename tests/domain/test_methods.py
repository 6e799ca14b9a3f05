"""Every procurement method's own numbers: the fewest responses, the invitations, the committee or group, the
"complex" mark, and the single-source negotiation record; each at its edge, each refusal naming its rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from trading.domain.committee import (
    Member,
    check_committee,
    check_complex,
    check_experts_wanted,
    committee_rules,
)
from trading.domain.errors import DomainError
from trading.domain.methods import Negotiation, check_invitations, check_negotiation, min_bids_rule, negotiators
from trading.domain.rules import DEFAULT_RULES as LAW, RuleSet

D = Decimal


def refusal(call, *args, **kwargs) -> DomainError:
    """The DomainError a call raises."""
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


def members(experts: int, reps: int = 0) -> list[Member]:
    return [Member(f"e{i}", "expert") for i in range(experts)] + [Member(f"r{i}", "tenderee_rep") for i in range(reps)]


@pytest.mark.parametrize(("trade_type", "method", "rule_id", "value"), [
    ("construction", "open", "construction.min_bids", 3),
    ("construction", "invited", "construction.min_bids", 3),
    ("procurement", "open", "procurement.min_suppliers", 3),
    ("procurement", "invited", "procurement.min_suppliers", 3),
    ("procurement", "negotiation", "procurement.group_min_suppliers", 3),
    ("procurement", "inquiry", "procurement.group_min_suppliers", 3),
    ("procurement", "consultation", "procurement.consultation_min_suppliers", 3),
    ("procurement", "single_source", "procurement.single_source_supplier", 1),
    ("construction", "single_source", "procurement.single_source_supplier", 1),
    ("land", "tender", "construction.min_bids", 3),
])
def test_each_method_has_its_minimum_of_responses(trade_type, method, rule_id, value):
    """Single source needs its one supplier, not the 3 of open tendering (so its one bid does not fail)."""
    assert min_bids_rule(trade_type, method) == rule_id
    assert LAW.value(rule_id) == value


@pytest.mark.parametrize(("trade_type", "rule_id"), [("construction", "construction.invited_bidders"),
                                                     ("procurement", "procurement.invited_suppliers")])
def test_an_invited_tender_names_at_least_three(trade_type, rule_id):
    """3 named bidders are enough (repeats count once), 2 are refused naming the trade type's rule."""
    assert check_invitations(trade_type, "invited", [4, 5, 6], rules=LAW) == (4, 5, 6)
    error = refusal(check_invitations, trade_type, "invited", [4, 5, 5], rules=LAW)
    assert (error.field, error.rule, error.params["count"]) == ("invitees", rule_id, 2)
    stricter = RuleSet.from_overrides({rule_id: 4})
    assert refusal(check_invitations, trade_type, "invited", [4, 5, 6], rules=stricter).params["needed"] == 4


def test_single_source_names_exactly_one_supplier_and_open_methods_none():
    """One supplier, neither none nor two; an announced method invites nobody; the supplier count cannot be set."""
    assert check_invitations("procurement", "single_source", [9], rules=LAW) == (9,)
    for named in ([], [9, 10]):
        error = refusal(check_invitations, "procurement", "single_source", named, rules=LAW)
        assert (error.rule, error.params["count"]) == ("procurement.single_source_supplier", len(named))
    assert check_invitations("procurement", "negotiation", [], rules=LAW) == ()
    assert refusal(check_invitations, "procurement", "open", [1], rules=LAW).rule == "procurement.methods"
    with pytest.raises(DomainError):
        RuleSet.from_overrides({"procurement.single_source_supplier": 2})


@pytest.mark.parametrize(("method", "size_rule", "share_rule"), [
    ("negotiation", "procurement.group_size", "procurement.group_experts_share"),
    ("inquiry", "procurement.group_size", "procurement.group_experts_share"),
    ("consultation", "procurement.consultation_group_size", "procurement.consultation_experts_share"),
])
def test_negotiation_inquiry_and_consultation_groups_of_three(method, size_rule, share_rule):
    """A group of 3 is enough (not the 5 of open tendering), 2 or 4 members are refused, and 2 experts of 3 meet
    the 2/3 share; works bought by these methods take the same groups."""
    for trade_type in ("procurement", "construction"):
        check_committee(trade_type, members(3), D("500000"), method=method, rules=LAW)
        check_committee(trade_type, members(2, 1), D("500000"), method=method, rules=LAW)
    small = refusal(check_committee, "procurement", members(2), D("500000"), method=method, rules=LAW)
    assert (small.rule, small.params) == (size_rule, {"size": 2, "minimum": 3})
    assert refusal(check_committee, "procurement", members(4), D("500000"), method=method, rules=LAW).rule == size_rule
    share = refusal(check_committee, "procurement", members(3, 2), D("500000"), method=method, rules=LAW)
    assert share.rule == share_rule


def test_open_and_invited_keep_the_committee_of_five_and_single_source_has_none():
    assert committee_rules("procurement", "invited", D("1"), rules=LAW) == (
        "procurement.committee_size", "procurement.committee_experts_share")
    assert refusal(check_committee, "procurement", members(3), D("1"), method="open", rules=LAW).params["minimum"] == 5
    error = refusal(committee_rules, "procurement", "single_source", D("1"), rules=LAW)
    assert error.rule == "procurement.single_source_record"


def test_the_complex_mark_drives_the_seven_member_committee_from_ten_million_yuan():
    """Marked complex at 10,000,000 yuan: 7 members (87号令 Art. 47); one fen below, or unmarked: 5; negotiation
    groups are not committees of 87号令, so the mark does not change them."""
    def size(method, budget, complex):
        return committee_rules("procurement", method, D(budget), complex, rules=LAW)[0]

    assert size("open", "10000000", True) == "procurement.committee_large_size"
    assert size("open", "9999999.99", True) == "procurement.committee_size"
    assert size("open", "10000000", False) == "procurement.committee_size"
    assert size("negotiation", "10000000", True) == "procurement.group_size"


def test_the_complex_mark_needs_its_reason_and_is_for_procurement_only():
    assert check_complex("procurement", True, "  多学科联合成像系统集成 ") == "多学科联合成像系统集成"
    assert check_complex("procurement", False, "ignored") == ""
    error = refusal(check_complex, "procurement", True, "复杂")
    assert (error.field, error.rule) == ("complex_reason", "procurement.committee_large_size")
    assert refusal(check_complex, "construction", True, "技术复杂的桥梁").field == "complex"


def test_the_experts_a_lot_asks_for_must_make_its_committee():
    """Checked when the method is requested: 5 experts for a complex lot of 10 million yuan are refused naming the
    7-member rule, 7 pass; a group of 3 for negotiation passes, 4 is even; single source asks for none."""
    error = refusal(check_experts_wanted, "procurement", "open", 5, D("10000000"), True, rules=LAW)
    assert (error.field, error.rule, error.params["minimum"]) == ("method", "procurement.committee_large_size", 7)
    check_experts_wanted("procurement", "open", 7, D("10000000"), True, rules=LAW)
    check_experts_wanted("procurement", "negotiation", 3, D("100000"), rules=LAW)
    assert refusal(check_experts_wanted, "procurement", "negotiation", 4, D("1"), rules=LAW).rule == (
        "procurement.group_size")
    check_experts_wanted("procurement", "single_source", 1, D("100000"), rules=LAW)


RECORD = Negotiation(negotiated_on=date(2026, 3, 10), place="咸宁市公共资源交易中心洽谈室2",
                     negotiators="陈静、王磊、刘洋", cost_note="供应商提供了原厂成本构成和近两年同型号设备三份合同价格",
                     price="1180000.00", justification="按同类合同均价下浮2%商定，含五年原厂质保和驻场培训")


def check(record=RECORD, **kwargs):
    args = dict(opened=1, quoted=D("1200000.00"), budget=D("1250000.00"), opened_on=date(2026, 3, 9),
                today=date(2026, 3, 11)) | kwargs
    return check_negotiation(record, **args)


def test_a_complete_negotiation_record_gives_the_agreed_price():
    assert check() == D("1180000.00")
    assert check(RECORD.__class__(**{**RECORD.__dict__, "price": "1200000.00"})) == D("1200000.00")  # the quotation
    assert negotiators("陈静、王磊\n刘洋") == ["陈静", "王磊", "刘洋"]


@pytest.mark.parametrize(("changes", "kwargs", "field", "rule"), [
    ({}, {"opened": 0}, "lot", "procurement.single_source_supplier"),
    ({}, {"opened": 2}, "lot", "procurement.single_source_supplier"),
    ({"negotiated_on": None}, {}, "negotiated_on", "procurement.single_source_record"),
    ({"negotiated_on": date(2026, 3, 8)}, {}, "negotiated_on", "procurement.single_source_record"),
    ({"negotiated_on": date(2026, 3, 12)}, {}, "negotiated_on", "procurement.single_source_record"),
    ({"place": " "}, {}, "place", "procurement.single_source_record"),
    ({"negotiators": "、"}, {}, "negotiators", "procurement.single_source_record"),
    ({"cost_note": "成本合理"}, {}, "cost_note", "procurement.single_source_record"),
    ({"price": "0"}, {}, "price", "procurement.single_source_price"),
    ({"price": "1200000.01"}, {}, "price", "procurement.single_source_price"),
    ({"price": "1200000.01"}, {"quoted": D("1300000.00"), "budget": D("1200000.00")}, "price",
     "procurement.single_source_price"),
    ({"justification": "价格合理"}, {}, "justification", "procurement.single_source_price"),
])
def test_an_incomplete_or_dear_negotiation_is_refused_naming_the_rule(changes, kwargs, field, rule):
    """One fen above the quotation or the budget is refused; a day before the opening or after today too."""
    error = refusal(check, Negotiation(**{**RECORD.__dict__, **changes}), **kwargs)
    assert (error.field, error.rule) == (field, rule)

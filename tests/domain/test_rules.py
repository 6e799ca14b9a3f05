"""RULES.md as data: the numbers and sources, centre overrides, and the methods each trade type allows."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from trading.domain.errors import DomainError
from trading.domain.rules import (
    DEFAULT_RULES,
    METHODS,
    METHODS_BY_TRADE_TYPE,
    RULES,
    TRADE_TYPES,
    UNITS,
    RuleSet,
    check_method,
    label,
    rule,
)

ABBREVIATIONS = ("电子办法", "评标规定", "采购条例", "87号令", "39号令", "32号令")


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_is_well_formed(rule_id):
    """Each rule has a known unit, confidence, direction and trade types, and a spelled-out source."""
    r = RULES[rule_id]
    assert r.id == rule_id
    assert rule_id.split(".")[0] in {*TRADE_TYPES, "electronic", "screen", "platform", "identity", "auth", "clock",
                                     "experts", "history", "credit", "report"}
    assert r.unit in UNITS
    assert r.confidence in {"T", "S", "R", "P"}
    assert r.stricter in {"higher", "lower", None}
    assert r.trade_types and r.trade_types <= set(TRADE_TYPES)
    assert r.title_zh and r.title_en and r.source
    assert not any(abbr in r.source for abbr in ABBREVIATIONS)
    assert not r.source.startswith(("法 ", "条例 ", "采购法"))
    if r.value is None:
        assert r.unit is None and r.stricter is None
    elif r.unit in {"minutes", "days", "working_days", "count", "years"}:
        assert type(r.value) is int
    elif r.unit == "ratio":
        assert isinstance(r.value, (Decimal, Fraction))
    else:
        assert isinstance(r.value, Decimal)


@pytest.mark.parametrize(
    ("rule_id", "value", "unit", "stricter", "source"),
    [
        ("construction.bid_window", 20, "days", "higher", "招标投标法 第二十四条"),
        ("construction.document_sale_window", 5, "days", "higher", "招标投标法实施条例 第十六条"),
        ("construction.clarification", 15, "days", "higher", "第二十三条；招标投标法实施条例 第二十一条"),
        ("construction.objection_documents", 10, "days", None, "招标投标法实施条例 第二十二条"),
        ("construction.objection_answer", 3, "days", "lower", "招标投标法实施条例 第二十二条"),
        ("construction.deposit_cap", Decimal(2), "percent", "lower", "招标投标法实施条例 第二十六条"),
        ("construction.deposit_refund_withdrawn", 5, "days", "lower", "招标投标法实施条例 第三十五条"),
        ("construction.deposit_refund", 5, "days", "lower", "招标投标法实施条例 第五十七条"),
        ("construction.min_bids", 3, "count", "higher", "第二十八条；招标投标法实施条例 第四十四条"),
        ("construction.committee_size", 5, "count", "higher", "第三十七条；招标投标法实施条例 第四十六条"),
        ("construction.committee_experts_share", Fraction(2, 3), "ratio", "higher", "招标投标法 第三十七条"),
        ("construction.max_candidates", 3, "count", "lower", "招标投标法实施条例 第五十三条"),
        ("construction.publicity_period", 3, "days", "higher", "招标投标法实施条例 第五十四条"),
        ("construction.contract_deadline", 30, "days", "lower", "招标投标法 第四十六条"),
        ("construction.performance_bond_cap", Decimal(10), "percent", "lower", "实施条例 第五十八条"),
        ("construction.must_tender_threshold", Decimal(4000000), "yuan", "lower", "令第16号） 第五条"),
        ("procurement.tender_window", 20, "days", "higher", "政府采购法 第三十五条"),
        ("procurement.min_suppliers", 3, "count", "higher", "政府采购法 第三十六条"),
        ("procurement.deposit_cap", Decimal(2), "percent", "lower", "政府采购法实施条例 第三十三条"),
        ("procurement.deposit_refund", 5, "working_days", "lower", "政府采购法实施条例 第三十三条"),
        ("procurement.late_refund_interest", Decimal(20), "percent", "higher", "第三十八条"),
        ("procurement.price_weight_goods", Decimal(30), "percent", "higher", "第五十五条"),
        ("procurement.price_weight_services", Decimal(10), "percent", "higher", "第五十五条"),
        ("procurement.committee_large_size", 7, "count", "higher", "第四十七条"),
        ("procurement.committee_large_budget", Decimal(10000000), "yuan", "lower", "第四十七条"),
        ("procurement.group_size", 3, "count", "higher", "政府采购法 第三十八条、第四十条"),
        ("procurement.consultation_window", 10, "days", "higher", "竞争性磋商"),
        ("procurement.negotiation_window", 3, "working_days", "higher", "非招标采购方式"),
        ("procurement.purchaser_decision", 5, "working_days", "lower", "政府采购法实施条例 第四十三条"),
        ("procurement.contract_publication", 2, "working_days", "lower", "政府采购法实施条例 第五十条"),
        ("procurement.files_kept", 15, "years", "higher", "政府采购法 第四十二条"),
        ("procurement.recusal_years", 3, "years", "higher", "政府采购法实施条例 第九条"),
        ("land.announcement_period", 20, "days", "higher", "招标拍卖挂牌出让国有建设用地使用权规定"),
        ("land.listing_period", 10, "working_days", "higher", "第十九条"),
        ("property.disclosure", 20, "working_days", "higher", "企业国有资产交易监督管理办法"),
        ("property.pre_disclosure", 20, "working_days", "higher", "企业国有资产交易监督管理办法"),
        ("property.relist_approval", Decimal(90), "percent", "higher", "第十八条"),
        ("property.result_publicity", 5, "working_days", "higher", "企业国有资产交易监督管理办法"),
        ("property.instalment_upfront", Decimal(30), "percent", "higher", "第二十八条"),
        ("property.instalment_term", 1, "years", "lower", "第二十八条"),
        ("screen.min_bids", 3, "count", "lower", "第四十条"),
        ("screen.cv_threshold", Decimal("0.06"), "ratio", "higher", "Imhof"),
        ("screen.rd_threshold", Decimal(1), "ratio", "lower", "Imhof"),
        ("screen.diffp_iqr_factor", Decimal("1.5"), "ratio", "lower", "Cardinal"),
        ("screen.pattern_tolerance", Decimal(2), "percent", "higher", "第四十条"),
    ],
)
def test_numbers_match_rules_md(rule_id, value, unit, stricter, source):
    """The numbers, units, directions and sources are those of RULES.md."""
    r = rule(rule_id)
    assert (r.value, r.unit, r.stricter) == (value, unit, stricter)
    assert source in r.source


@pytest.mark.parametrize(
    ("rule_id", "confidence"),
    [
        ("construction.bid_window", "T"),
        ("construction.expert_recusal", "S"),
        ("construction.collusion_price_pattern", "T"),
        ("construction.collusion_same_account", "S"),
        ("electronic.opening_at_deadline", "R"),
        ("land.listing_period", "R"),
        ("property.disclosure", "S"),
    ],
)
def test_confidence_as_in_rules_md(rule_id, confidence):
    """How sure we are of each source is kept with the rule."""
    assert rule(rule_id).confidence == confidence


def test_conditions_without_numbers_are_rules_too():
    """Conditions such as 'no decryption before the deadline' are rules with no value."""
    assert rule("electronic.no_early_decrypt").value is None
    assert rule("land.reserve_price").trade_types == {"land"}
    assert {"construction", "procurement", "land", "property"} == rule("screen.shared_account").trade_types


def test_unknown_rule_is_a_key_error_naming_it():
    """Looking up an id that does not exist says which id."""
    with pytest.raises(KeyError, match="construction.nonsense"):
        rule("construction.nonsense")
    with pytest.raises(KeyError, match="nope"):
        DEFAULT_RULES["nope"]


def test_label():
    """A rule's label is its id and its source."""
    assert label("construction.bid_window") == "construction.bid_window（招标投标法 第二十四条）"
    assert label("procurement.deposit_refund").endswith("（政府采购法实施条例 第三十三条）")


def test_default_rule_set_is_the_registry():
    """Without overrides the effective rules are the legal defaults."""
    assert RuleSet.from_overrides({}).rules == RULES
    assert RuleSet.from_overrides(None).value("construction.bid_window") == 20
    assert DEFAULT_RULES["land.listing_period"] is RULES["land.listing_period"]


def test_stricter_overrides_apply():
    """A centre may lengthen minimum periods, lower caps and make screens more sensitive."""
    rules = RuleSet.from_overrides({
        "construction.bid_window": 25,
        "construction.deposit_cap": "1.5",
        "construction.committee_experts_share": "3/4",
        "procurement.deposit_refund": "3",
        "screen.cv_threshold": 0.08,
        "land.listing_period": 10,
    })
    assert rules.value("construction.bid_window") == 25
    assert rules.value("construction.deposit_cap") == Decimal("1.5")
    assert rules.value("construction.committee_experts_share") == Fraction(3, 4)
    assert rules.value("procurement.deposit_refund") == 3
    assert rules.value("screen.cv_threshold") == Decimal("0.08")
    assert rules["construction.bid_window"].source == RULES["construction.bid_window"].source
    assert RULES["construction.bid_window"].value == 20  # the registry is untouched


@pytest.mark.parametrize(
    ("rule_id", "value", "why"),
    [
        ("construction.bid_window", 15, "looser"),
        ("construction.deposit_cap", "3", "looser"),
        ("construction.committee_experts_share", "0.6", "looser"),
        ("land.listing_period", 9, "looser"),
        ("procurement.deposit_refund", 7, "looser"),
        ("screen.rd_threshold", 2, "looser"),
        ("construction.objection_documents", 12, "looser"),
        ("construction.nonsense", 1, "Unknown rule"),
        ("electronic.no_early_decrypt", 1, "condition"),
        ("construction.bid_window", "twenty", "not a number"),
        ("construction.bid_window", True, "not a number"),
        ("construction.bid_window", "20.5", "whole number"),
        ("construction.deposit_cap", "-1", "negative"),
    ],
)
def test_loose_or_unknown_overrides_are_refused_naming_the_rule(rule_id, value, why):
    """Start-up refuses a setting that loosens the law, names no rule, or is not a number."""
    with pytest.raises(DomainError) as caught:
        RuleSet.from_overrides({rule_id: value})
    assert caught.value.rule == rule_id
    assert caught.value.params["rule_id"] == rule_id
    assert why in caught.value.message
    assert rule_id in str(caught.value)


def test_trade_types_and_lot_units():
    """The four trade types with their Chinese names and the name of the unit traded."""
    assert {code: (t.name_zh, t.lot_unit_zh) for code, t in TRADE_TYPES.items()} == {
        "construction": ("建设工程", "标段"),
        "procurement": ("政府采购", "包"),
        "land": ("土地使用权出让", "宗地"),
        "property": ("国有产权交易", "标的"),
    }


def test_methods_by_trade_type():
    """Each trade type's methods, by code and Chinese name."""
    names = {t: [METHODS[m].name_zh for m in codes] for t, codes in METHODS_BY_TRADE_TYPE.items()}
    assert names["construction"] == ["公开招标", "邀请招标", "竞争性谈判", "竞争性磋商", "询价", "单一来源"]
    assert names["procurement"] == names["construction"]
    assert names["land"] == ["招标", "拍卖", "挂牌"]
    assert names["property"] == ["挂牌", "协议转让"]


@pytest.mark.parametrize(
    ("trade_type", "method", "amount", "category", "refused_by"),
    [
        ("construction", "open", Decimal(50000000), None, None),
        ("construction", "invited", Decimal(50000000), None, None),
        ("construction", "open", None, None, None),
        ("construction", "negotiation", Decimal("3999999.99"), None, None),
        ("construction", "consultation", Decimal(100000), None, None),
        ("construction", "inquiry", Decimal(100000), None, None),
        ("construction", "single_source", Decimal(100000), None, None),
        ("construction", "negotiation", Decimal(4000000), None, "construction.must_tender_threshold"),
        ("construction", "consultation", Decimal(9000000), None, "construction.must_tender_threshold"),
        ("construction", "inquiry", Decimal(4000000), None, "construction.must_tender_threshold"),
        ("construction", "single_source", Decimal(12000000), None, "construction.must_tender_threshold"),
        ("construction", "single_source", None, None, "construction.must_tender_threshold"),
        ("construction", "listing", Decimal(1), None, "construction.methods"),
        ("procurement", "open", Decimal(2000000), "services", None),
        ("procurement", "single_source", Decimal(2000000), "services", None),
        ("procurement", "negotiation", Decimal(9000000), "works", None),
        ("procurement", "inquiry", Decimal(300000), "goods", None),
        ("procurement", "inquiry", Decimal(300000), "services", "procurement.inquiry_goods_only"),
        ("procurement", "inquiry", Decimal(300000), None, "procurement.inquiry_goods_only"),
        ("procurement", "auction", Decimal(1), "goods", "procurement.methods"),
        ("land", "tender", Decimal(1), None, None),
        ("land", "auction", Decimal(1), None, None),
        ("land", "listing", Decimal(1), None, None),
        ("land", "open", Decimal(1), None, "land.methods"),
        ("property", "listing", Decimal(1), None, None),
        ("property", "agreement", Decimal(1), None, None),
        ("property", "auction", Decimal(1), None, "property.methods"),
    ],
)
def test_check_method(trade_type, method, amount, category, refused_by):
    """A method is allowed by trade type; construction below 4 million yuan may skip tendering."""
    if refused_by is None:
        assert check_method(trade_type, method, amount, category=category, rules=DEFAULT_RULES).code == method
        return
    with pytest.raises(DomainError) as caught:
        check_method(trade_type, method, amount, category=category, rules=DEFAULT_RULES)
    assert caught.value.rule == refused_by


def test_check_method_unknown_trade_type():
    """An unknown trade type is refused on its field."""
    with pytest.raises(DomainError) as caught:
        check_method("fishing", "open", Decimal(1), rules=DEFAULT_RULES)
    assert caught.value.field == "trade_type"


def test_check_method_uses_the_centres_threshold():
    """A centre that lowers the must-tender threshold refuses negotiation from the lower amount."""
    rules = RuleSet.from_overrides({"construction.must_tender_threshold": 2000000})
    assert check_method("construction", "negotiation", Decimal(3000000), rules=DEFAULT_RULES).code == "negotiation"
    with pytest.raises(DomainError) as caught:
        check_method("construction", "negotiation", Decimal(3000000), rules=rules)
    assert caught.value.params["threshold"] == "2000000"

"""Closed evaluation: committee checks, labels, both methods worked by hand, abnormally low prices, the report."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trading.domain import scoring
from trading.domain.errors import DomainError
from trading.domain.rules import DEFAULT_RULES as LAW, RuleSet
from trading.domain.scoring import (
    BidPrice,
    Candidate,
    Criterion,
    Member,
    Reason,
    Rejection,
    abnormally_low,
    apply_explanations,
    check_committee,
    check_criteria,
    compliant_bids,
    comprehensive,
    confirm,
    labels,
    lowest_price,
)

D = Decimal


def committee(experts: int, reps: int = 0) -> list[Member]:
    """``experts`` experts then ``reps`` tenderee representatives."""
    return [Member(f"e{i}", "expert") for i in range(1, experts + 1)] + [
        Member(f"r{i}", "tenderee_rep") for i in range(1, reps + 1)]


def refusal(call, *args, **kwargs) -> DomainError:
    """The DomainError a call raises."""
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


# -- committee -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("trade_type", ["construction", "procurement"])
def test_five_with_one_representative_is_a_valid_committee(trade_type):
    """5 members, 4 experts (4/5 >= 2/3): accepted for both trade types."""
    check_committee(trade_type, committee(4, 1), D("5000000"), rules=LAW)


@pytest.mark.parametrize("trade_type", ["construction", "procurement"])
def test_too_small_even_and_short_of_experts_are_refused_with_their_rule(trade_type):
    """3 members: below 5; 6 members: even; 3 experts of 5: below 2/3; each names the trade type's rule."""
    small = refusal(check_committee, trade_type, committee(3), D("100"), rules=LAW)
    assert small.rule == f"{trade_type}.committee_size" and small.params == {"size": 3, "minimum": 5}
    even = refusal(check_committee, trade_type, committee(6), D("100"), rules=LAW)
    assert even.rule == f"{trade_type}.committee_size" and "odd" in even.message
    share = refusal(check_committee, trade_type, committee(3, 2), D("100"), rules=LAW)
    assert share.rule == f"{trade_type}.committee_experts_share"
    assert share.params == {"experts": 3, "size": 5, "share": "2/3"}


def test_exactly_two_thirds_experts_is_enough():
    """6 experts of 9 is exactly 2/3 (compared as a Fraction, no rounding); 5 of 9 is not."""
    check_committee("construction", committee(6, 3), None, rules=LAW)
    assert refusal(check_committee, "construction", committee(5, 4), None, rules=LAW).rule == (
        "construction.committee_experts_share")


def test_large_complex_procurement_needs_seven():
    """From 10,000,000 yuan and complex: 7 (87号令 Art. 47); below the budget or not complex: 5 will do."""
    error = refusal(check_committee, "procurement", committee(5), D("10000000"), complex=True, rules=LAW)
    assert error.rule == "procurement.committee_large_size" and error.params["minimum"] == 7
    check_committee("procurement", committee(5), D("10000000"), complex=False, rules=LAW)
    check_committee("procurement", committee(5), D("9999999.99"), complex=True, rules=LAW)
    check_committee("procurement", committee(5, 2), D("10000000"), complex=True, rules=LAW)  # 5/7 >= 2/3
    assert refusal(check_committee, "procurement", committee(7, 1), D("10000000"), complex=True, rules=LAW).rule == (
        "procurement.committee_large_size")  # 8 is even
    assert refusal(check_committee, "procurement", committee(5), None, complex=True, rules=LAW).rule == (
        "procurement.committee_large_budget")


def test_construction_ignores_the_procurement_large_rule_and_centres_may_be_stricter():
    """The 7-member rule is procurement's; a centre that asks for 7 refuses 5 for construction too."""
    check_committee("construction", committee(5), D("50000000"), complex=True, rules=LAW)
    stricter = RuleSet.from_overrides({"construction.committee_size": 7})
    error = refusal(check_committee, "construction", committee(5), D("100"), rules=stricter)
    assert error.rule == "construction.committee_size" and error.params["minimum"] == 7


def test_malformed_committees_are_refused():
    """Unknown trade type, a member twice, an unknown kind."""
    assert refusal(check_committee, "land", committee(5), None, rules=LAW).field == "trade_type"
    duplicate = committee(4) + [Member("e1", "expert")]
    assert refusal(check_committee, "construction", duplicate, None, rules=LAW).field == "members"
    assert refusal(check_committee, "construction", committee(4) + [Member("x", "chair")], None, rules=LAW).params == {
        "kind": "chair", "member": "x"}


# -- labels ----------------------------------------------------------------------------------------------------

def test_labels_follow_opening_order_beyond_z():
    """A..Z, then AA, AB, ..., AZ, BA, ..., ZZ, AAA (bijective base 26)."""
    names = labels([f"b{i}" for i in range(1, 704)])
    assert list(names)[:2] == ["b1", "b2"]
    assert [names[f"b{i}"] for i in (1, 2, 26, 27, 28, 52, 53, 702, 703)] == [
        "投标人A", "投标人B", "投标人Z", "投标人AA", "投标人AB", "投标人AZ", "投标人BA", "投标人ZZ", "投标人AAA"]
    assert len(set(names.values())) == 703
    assert refusal(labels, ["x", "y", "x"]).params == {"bid": "x"}


# -- lowest evaluated price ------------------------------------------------------------------------------------

BIDS = [BidPrice("b1", D("1200000.00")), BidPrice("b2", D("990000.00")), BidPrice("b3", D("1050000.00")),
        BidPrice("b4", D("1100000.00")), BidPrice("b5", D("1050000.00"))]


def votes_of(table: dict[str, str]) -> dict[str, dict[str, bool]]:
    """``{bid: "YYNN"}`` (one letter per member m1..m4) as ``{member: {bid: vote}}``."""
    members = len(next(iter(table.values())))
    return {f"m{i + 1}": {bid: row[i] == "Y" for bid, row in table.items()} for i in range(members)}


def test_lowest_price_with_an_even_committee():
    """4 members: 2 of 4 is a tie and fails; passing bids by price, the equal b3 and b5 by receipt; 3 candidates."""
    votes = votes_of({"b1": "YYYY", "b2": "YYNN", "b3": "YYYN", "b4": "YNYY", "b5": "NYYY"})
    assert compliant_bids(BIDS, votes) == {"b1", "b3", "b4", "b5"}
    report = lowest_price(BIDS, votes, rules=LAW)
    assert report.method == "lowest_price"
    assert report.candidates == (Candidate(1, "b3", D("1050000.00"), None), Candidate(2, "b5", D("1050000.00"), None),
                                 Candidate(3, "b4", D("1100000.00"), None))
    assert [c.bid_id for c in report.ranking] == ["b3", "b5", "b4", "b1"]
    [(bid_id, reason)] = report.rejected
    assert bid_id == "b2" and reason.params == {"yes": 2, "members": 4} and "strict majority" in str(reason)
    assert report.working["b2"] == {"compliance": "2 / 4", "price": "990,000.00"}
    assert report.working["b3"]["compliance"] == "3 / 4"
    assert report.per_member["m4"] == {"b1": True, "b2": False, "b3": False, "b4": True, "b5": True}
    assert report.scores == {}


def test_lowest_price_refuses_incomplete_or_stray_votes():
    """Every member votes on every bid, only on bids of the lot, and someone has voted."""
    votes = votes_of({"b1": "YYY", "b2": "YYY", "b3": "YYY", "b4": "YYY", "b5": "YYY"})
    del votes["m2"]["b4"]
    assert refusal(lowest_price, BIDS, votes, rules=LAW).params == {"member": "m2", "bid": "b4"}
    votes["m2"]["b4"], votes["m3"]["b9"] = True, True
    assert refusal(lowest_price, BIDS, votes, rules=LAW).params == {"member": "m3", "bid": "b9"}
    assert refusal(lowest_price, BIDS, {}, rules=LAW).field == "votes"
    assert refusal(lowest_price, [BidPrice("z", D("0"))], {"m1": {"z": True}}, rules=LAW).field == "price"


def test_lowest_price_removes_an_abnormally_low_bid_rejected_by_the_committee():
    """b2 (990,000) passes compliance but its explanation was rejected: b3 becomes first."""
    votes = votes_of({b.bid_id: "YYYYY" for b in BIDS})
    rejections = [Rejection("b2", Reason("explanation rejected"))]
    report = lowest_price(BIDS, votes, rejections=rejections, rules=LAW)
    assert [c.bid_id for c in report.candidates] == ["b3", "b5", "b4"]
    assert report.rejected == tuple(rejections)


# -- comprehensive scoring -------------------------------------------------------------------------------------

CRITERIA = [Criterion("投标报价", D("60"), price=True), Criterion("施工组织设计", D("30")),
            Criterion("项目管理机构", D("10"))]
OPENED = [BidPrice("A", D("37650000.50")), BidPrice("B", D("36980000.00")), BidPrice("C", D("38200000.00")),
          BidPrice("D", D("30000000.00")), BidPrice("E", D("37000000.00"))]
# per bid: (施工组织设计, 项目管理机构) by members m1..m5
MARKS = {"A": ([24, 26, 25, 23, 27], [8, 9, 7, 8, 9]), "B": ([20, 22, 21, 19, 23], [7, 8, 8, 7, 9]),
         "C": ([28, 27, 29, 26, 30], [9, 9, 10, 8, 9])}


def scores_of(marks=MARKS, members: int = 5) -> dict:
    """``{member: {bid: {criterion: score}}}`` from MARKS."""
    return {f"m{i + 1}": {bid: {"施工组织设计": D(t[i]), "项目管理机构": D(g[i])} for bid, (t, g) in marks.items()}
            for i in range(members)}


def evaluate(aggregation: str):
    """E failed compliance; D is abnormally low and its explanation was rejected; A, B and C are scored."""
    compliant = {"A", "B", "C", "D"}
    flags = abnormally_low(OPENED, compliant)
    rejections = apply_explanations(flags, {"D": ("rejected", "无法说明低于成本的原因")})
    return comprehensive(OPENED, CRITERIA, scores_of(), aggregation, compliant, rejections=rejections, rules=LAW)


def test_comprehensive_by_mean_worked_by_hand():
    """Lowest valid price 36,980,000.00 (B; D was rejected, so it is not the base).

    A: 36,980,000 / 37,650,000.50 × 60 = 58.9323 -> 58.93; 125/5 = 25; 41/5 = 8.2; total 92.1323 -> 92.13.
    B: 60; 105/5 = 21; 39/5 = 7.8; total 88.80.  C: 36,980,000 / 38,200,000 × 60 = 58.0838; 140/5 = 28;
    45/5 = 9; total 95.0838 -> 95.08.  Ranking C, A, B.
    """
    report = evaluate("mean")
    assert report.method == "comprehensive"
    assert report.candidates == (Candidate(1, "C", D("38200000.00"), D("95.08")),
                                 Candidate(2, "A", D("37650000.50"), D("92.13")),
                                 Candidate(3, "B", D("36980000.00"), D("88.80")))
    assert report.working["A"] == {"投标报价": "36,980,000.00 / 37,650,000.50 × 60 = 58.93",
                                   "施工组织设计": "(24 + 26 + 25 + 23 + 27) / 5 = 25.00",
                                   "项目管理机构": "(8 + 9 + 7 + 8 + 9) / 5 = 8.20",
                                   "total": "58.93 + 25.00 + 8.20 = 92.13"}
    assert report.working["B"]["投标报价"] == "36,980,000.00 / 36,980,000.00 × 60 = 60.00"
    assert report.working["C"]["投标报价"] == "36,980,000.00 / 38,200,000.00 × 60 = 58.08"
    assert report.scores["A"].price_score == D("58.93") and report.scores["A"].criteria == {
        "施工组织设计": D("25.00"), "项目管理机构": D("8.20")}
    assert [r.bid_id for r in report.rejected] == ["D", "E"]
    assert report.rejected[0].reason.rule == "construction.abnormally_low_price"
    assert "无法说明低于成本的原因" in str(report.rejected[0].reason)
    assert str(report.rejected[1].reason) == "Failed the compliance review."
    assert report.per_member["m3"]["C"] == {"施工组织设计": D(29), "项目管理机构": D(10)}
    assert set(report.per_member) == {"m1", "m2", "m3", "m4", "m5"}


def test_comprehensive_by_trimmed_mean_and_the_documented_rounding():
    """Without one highest and one lowest: A's 项目管理机构 (8+8+9)/3 = 8.3333; total 58.9323 + 25 + 8.3333 =
    92.2656 -> 92.27, while the rounded parts add up to 92.26 (totals come from unrounded parts).
    B: 60 + 21 + 23/3 = 88.6667 -> 88.67.
    """
    report = evaluate("trimmed_mean")
    assert report.working["A"]["项目管理机构"] == "(8 + 9 + 7 + 8 + 9 − 9 − 7) / 3 = 8.33"
    assert report.working["A"]["施工组织设计"] == "(24 + 26 + 25 + 23 + 27 − 27 − 23) / 3 = 25.00"
    assert report.working["A"]["total"] == "58.93 + 25.00 + 8.33 = 92.27"
    assert [(c.bid_id, c.total) for c in report.candidates] == [("C", D("95.08")), ("A", D("92.27")),
                                                                ("B", D("88.67"))]


def test_trimmed_mean_needs_five_members():
    """With 4 members dropping two scores leaves too few: refused."""
    error = refusal(comprehensive, OPENED[:3], CRITERIA, scores_of(members=4), "trimmed_mean", {"A", "B", "C"},
                    rules=LAW)
    assert error.field == "aggregation" and error.params == {"minimum": 5, "members": 4}
    assert refusal(comprehensive, OPENED[:3], CRITERIA, scores_of(), "median", {"A"}, rules=LAW).field == "aggregation"


def test_a_score_above_the_criterion_maximum_is_refused():
    """31 for a criterion worth 30 is refused naming the member, the bid and the criterion; so is -1."""
    scores = scores_of()
    scores["m2"]["B"]["施工组织设计"] = D("31")
    error = refusal(comprehensive, OPENED[:3], CRITERIA, scores, "mean", {"A", "B", "C"}, rules=LAW)
    assert error.params == {"member": "m2", "bid": "B", "criterion": "施工组织设计", "score": "31", "maximum": "30"}
    scores["m2"]["B"]["施工组织设计"] = D("-1")
    assert refusal(comprehensive, OPENED[:3], CRITERIA, scores, "mean", {"A", "B", "C"},
                   rules=LAW).params["score"] == "-1"
    scores["m2"]["B"]["施工组织设计"] = D("30")
    comprehensive(OPENED[:3], CRITERIA, scores, "mean", {"A", "B", "C"}, rules=LAW)  # the maximum itself is allowed


def test_missing_or_stray_scores_are_refused():
    """Every member scores every valid bid on every non-price criterion; price is by formula, not scored."""
    scores = scores_of()
    del scores["m4"]["C"]["项目管理机构"]
    assert refusal(comprehensive, OPENED[:3], CRITERIA, scores, "mean", {"A", "B", "C"}, rules=LAW).params == {
        "member": "m4", "bid": "C", "criterion": "项目管理机构"}
    comprehensive(OPENED[:3], CRITERIA, scores, "mean", {"A", "B"}, rules=LAW)  # C is not valid: its scores unneeded
    scores = scores_of()
    scores["m1"]["A"]["投标报价"] = D("50")
    assert refusal(comprehensive, OPENED[:3], CRITERIA, scores, "mean", {"A", "B", "C"},
                   rules=LAW).params["criterion"] == (
        "投标报价")


def test_equal_totals_go_to_the_lower_price_then_to_receipt_order():
    """X: 100 -> price score 10, + 40; Y: 200 -> 5, + 45; both 50.00: X (lower price) first.
    Z and W: same price (100 / 150 × 10 = 6.67) and marks (30): Z was received first, so it ranks before W.
    """
    criteria = [Criterion("价格", D("10"), price=True), Criterion("技术", D("90"))]
    bids = [BidPrice("Y", D("200")), BidPrice("Z", D("150")), BidPrice("W", D("150")), BidPrice("X", D("100"))]
    marks = {"X": "40", "Y": "45", "Z": "30", "W": "30"}
    scores = {m: {b: {"技术": D(v)} for b, v in marks.items()} for m in ("m1", "m2", "m3")}
    report = comprehensive(bids, criteria, scores, "mean", {"X", "Y", "Z", "W"}, rules=LAW)
    assert [(c.rank, c.bid_id, c.total) for c in report.ranking] == [
        (1, "X", D("50.00")), (2, "Y", D("50.00")), (3, "Z", D("36.67")), (4, "W", D("36.67"))]
    assert [c.bid_id for c in report.candidates] == ["X", "Y", "Z"]
    assert report.working["Z"]["价格"] == "100.00 / 150.00 × 10 = 6.67"


def test_criteria_must_be_well_formed():
    """Weights add up to 100, exactly one price criterion, unique names, positive weights."""
    assert check_criteria(CRITERIA).name == "投标报价"
    assert "add up to 100" in refusal(check_criteria, CRITERIA[:2]).message
    two_prices = [Criterion("价格", D("50"), True), Criterion("报价", D("50"), True)]
    assert refusal(check_criteria, two_prices).rule == "procurement.price_score_formula"
    assert refusal(check_criteria, [Criterion("a", D("50")), Criterion("a", D("50"))]).field == "criteria"
    assert refusal(check_criteria, [Criterion("a", D("110"), True), Criterion("b", D("-10"))]).params == {
        "criterion": "b"}


# -- abnormally low prices -------------------------------------------------------------------------------------

def test_abnormally_low_flag_against_the_mean_of_the_valid_bids():
    """Valid A, B, C, D: mean 35,707,500.125; × 0.85 = 30,351,375.11: D (30,000,000) is flagged.

    E is not valid and does not count; with share 0.80 (28,566,000.10) nothing is flagged. The comparison is
    exact and strict: 85 against 0.85 × mean(85, 115) = 85 is not flagged, 84.99 against 85 is.
    """
    assert abnormally_low(OPENED, {"A", "B", "C", "D"}) == ["D"]
    assert abnormally_low(OPENED, {"A", "B", "C", "D"}, share=D("0.80")) == []
    assert abnormally_low([BidPrice("X", D("85")), BidPrice("Y", D("115"))], {"X", "Y"}) == []  # 85 is not below
    assert abnormally_low([BidPrice("X", D("84.99")), BidPrice("Y", D("115.01"))], {"X", "Y"}) == ["X"]
    assert abnormally_low(OPENED, set()) == []
    assert refusal(abnormally_low, OPENED, {"A"}, share=D("1.5")).rule == "construction.abnormally_low_price"


def test_a_flag_without_a_committee_decision_blocks_the_report():
    """No decision on D: refused naming D; accepted: kept; rejected: removed with the reason."""
    error = refusal(apply_explanations, ["B", "D"], {"B": ("accepted", "成本构成合理")})
    assert error.params == {"bid": "D"} and error.rule == "construction.abnormally_low_price"
    assert refusal(apply_explanations, ["D"], {"D": ("rejected", "  ")}).params == {"bid": "D"}
    assert refusal(apply_explanations, ["D"], {"D": ("maybe", "?")}).params == {"bid": "D"}
    assert refusal(apply_explanations, ["D"], {"D": ("accepted", "ok"), "A": ("accepted", "ok")}).params == {
        "bid": "A"}
    assert apply_explanations(["D"], {"D": ("accepted", "材料自有，成本合理")}) == []
    [(bid_id, reason)] = apply_explanations(["B", "D"], {"B": ("accepted", "合理"), "D": ("rejected", "不能说明")})
    assert bid_id == "D" and reason.params == {"reason": "不能说明"}
    zh = reason.render(lambda msgid: "报价明显偏低且不能合理说明：%(reason)s")
    assert zh == "报价明显偏低且不能合理说明：不能说明"


def test_an_accepted_explanation_keeps_the_low_bid_as_the_price_base():
    """D accepted: it is valid, so the lowest valid price is 30,000,000 and D scores the full 60."""
    scores = scores_of({**MARKS, "D": ([20, 20, 20, 20, 20], [5, 5, 5, 5, 5])})
    flags = abnormally_low(OPENED, {"A", "B", "C", "D"})
    rejections = apply_explanations(flags, {"D": ("accepted", "材料自有")})
    report = comprehensive(OPENED, CRITERIA, scores, "mean", {"A", "B", "C", "D"}, rejections=rejections, rules=LAW)
    assert report.working["D"]["投标报价"] == "30,000,000.00 / 30,000,000.00 × 60 = 60.00"
    # 48.67496 -> 48.67, not 48.675 -> 48.68: rounded once, from the unrounded value
    assert report.working["B"]["投标报价"] == "30,000,000.00 / 36,980,000.00 × 60 = 48.67"


# -- the report ------------------------------------------------------------------------------------------------

def test_the_report_is_complete_only_when_every_member_confirmed():
    """Missing members listed in committee order; a stranger cannot confirm."""
    members = [Member(f"m{i}", "expert") for i in range(1, 6)]
    report = evaluate("mean")
    assert confirm(report, ["m3", "m1"], members) == (False, ("m2", "m4", "m5"))
    assert confirm(report, ["m5", "m4", "m3", "m2", "m1"], members) == (True, ())
    assert refusal(confirm, report, ["m1", "x9"], members).params == {"member": "x9"}
    assert refusal(confirm, report, ["m1"], members[:4]).params == {"member": "m5"}  # m5 scored, not on the list


@pytest.mark.parametrize(("category", "minimum"), [("goods", 30), ("services", 10)])
def test_the_procurement_price_weight_is_refused_one_point_under_the_order_87_minimum(category, minimum):
    """87号令 Art. 55: comprehensive scoring of goods gives price at least 30%, of services at least 10%; works
    (招标投标法 applies) have no such floor."""
    def criteria(price):
        return [{"name": "价格", "weight": str(price), "price": True}, {"name": "技术", "weight": str(100 - price)}]

    kept = scoring.clean_criteria(LAW, "procurement", category, "comprehensive", criteria(minimum))
    assert [c["weight"] for c in kept] == [str(minimum), str(100 - minimum)]
    with pytest.raises(DomainError) as caught:
        scoring.clean_criteria(LAW, "procurement", category, "comprehensive", criteria(minimum - 1))
    assert (caught.value.field, caught.value.rule) == ("criteria", f"procurement.price_weight_{category}")
    assert scoring.clean_criteria(LAW, "procurement", "works", "comprehensive", criteria(5))
    assert scoring.clean_criteria(LAW, "construction", None, "comprehensive", criteria(5))


def test_criteria_must_add_up_to_100_with_one_price_criterion():
    for wrong in ([{"name": "价格", "weight": "30", "price": True}, {"name": "技术", "weight": "60"}],
                  [{"name": "价格", "weight": "30"}, {"name": "技术", "weight": "70"}],
                  [{"name": "价格", "weight": "abc", "price": True}]):
        with pytest.raises(DomainError) as caught:
            scoring.clean_criteria(LAW, "construction", None, "comprehensive", wrong)
        assert caught.value.field == "criteria"

"""Experts' marks reviewed (domain/mark_review.py): each member's distance from the committee's mean per factor and
bid, flagged strictly past the threshold, judged exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trading.domain import mark_review as r
from trading.domain.errors import DomainError
from trading.domain.rules import RULES

POINTS = {"施工组织设计": Decimal(30), "项目管理机构": Decimal(10)}


def marks(factor: str, *scores, bid: str = "11") -> list[r.Mark]:
    return [r.Mark(str(seat), bid, factor, Decimal(score)) for seat, score in enumerate(scores, start=1)]


def test_the_threshold_is_a_centre_setting_with_its_source():
    rule = RULES[r.RULE]
    assert rule.value == 20 and rule.unit == "percent" and rule.confidence == "P" and "中心设定" in rule.source


def test_a_mark_exactly_at_the_threshold_is_not_flagged_and_one_hundredth_past_it_is():
    """Five members on a 30-point factor: four give 24, one gives 18.75: mean 22.95, the fifth is 4.2 below it, 14%
    of the points. The threshold is set at 14: not flagged; at 13.99 it is (judged exactly, not on the rounded
    figure)."""
    found = r.review(marks("施工组织设计", 24, 24, 24, 24, "18.75"), POINTS, Decimal(14))
    fifth = found[-1]
    assert (fifth.mean, fifth.deviation, fifth.marks, fifth.points) == (Decimal("22.95"), Decimal("14.00"), 5, 30)
    assert not fifth.flagged
    assert r.review(marks("施工组织设计", 24, 24, 24, 24, "18.75"), POINTS, Decimal("13.99"))[-1].flagged


def test_the_working_of_every_mark_and_only_the_outlier_flagged_at_the_default():
    found = r.review(marks("施工组织设计", 24, 25, 23, 24, 12), POINTS, Decimal(20))
    assert [d.flagged for d in found] == [False, False, False, False, True]
    outlier = r.flagged(found)[0]
    assert (outlier.member, outlier.bid, outlier.factor, outlier.mark, outlier.mean) == (
        "5", "11", "施工组织设计", Decimal(12), Decimal("21.60"))
    assert outlier.deviation == Decimal("32.00") and outlier.key == ("5", "11", "施工组织设计")


def test_an_unusually_high_mark_is_flagged_as_an_unusually_low_one():
    found = r.flagged(r.review(marks("项目管理机构", 5, 5, 5, 5, 10), POINTS, Decimal(20)))
    assert [(d.member, d.deviation) for d in found] == [("5", Decimal("40.00"))]


def test_the_price_and_compliance_are_not_reviewed_and_a_lone_mark_has_no_committee():
    found = r.review(marks("投标报价", 60, 10) + marks("compliance", 1, 0) + marks("项目管理机构", 9, bid="12"),
                     POINTS, Decimal(20))
    assert found == []


def test_each_bid_and_factor_has_its_own_mean():
    found = r.review(marks("施工组织设计", 24, 24, 24) + marks("施工组织设计", 12, 12, 12, bid="12"), POINTS,
                     Decimal(20))
    assert {d.mean for d in found} == {Decimal(24), Decimal(12)} and not r.flagged(found)


@pytest.mark.parametrize("threshold", [Decimal(0), Decimal(-5), Decimal(101), Decimal("NaN"), 20])
def test_a_threshold_outside_0_to_100_percent_is_refused_naming_the_rule(threshold):
    with pytest.raises(DomainError) as refused:
        r.review([], POINTS, threshold)
    assert refused.value.rule == r.RULE and refused.value.field == "threshold"

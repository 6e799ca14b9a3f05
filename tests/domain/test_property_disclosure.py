"""Before a state property lot's formal disclosure (32号令 第十三条、第十九条), at the edges: a change of control waits
20 working days after its pre-disclosure (one working day short is refused naming property.pre_disclosure); a
relisting on the first day past 12 months from the first disclosure needs a new valuation dated after it, with its
report number and approver (property.no_buyer_revalue), the day before does not."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from trading.domain import calendar, property_disclosure as pd, property_terms
from trading.domain.errors import DomainError
from trading.domain.rules import DEFAULT_RULES as LAW

PUBLISHED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in Beijing


def refusal(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def test_a_change_of_control_needs_a_pre_disclosure_of_20_working_days_before_the_formal_one():
    end = pd.pre_disclosure_end(PUBLISHED, LAW)
    assert calendar.working_days_between(date(2026, 3, 2), calendar.local_date(end)) == 20
    assert calendar.local_date(end) == date(2026, 3, 30)  # 20 working days on, no holiday in between
    pd.check_formal_start(LAW, control_change=True, pre_published_at=PUBLISHED, listing_start=end)
    early = refusal(lambda: pd.check_formal_start(LAW, control_change=True, pre_published_at=PUBLISHED,
                                                  listing_start=calendar.start_of_local_day(date(2026, 3, 27))))
    assert (early.field, early.rule) == ("listing_start", "property.pre_disclosure")
    none = refusal(lambda: pd.check_formal_start(LAW, control_change=True, pre_published_at=None, listing_start=end))
    assert (none.field, none.rule) == ("listing_start", "property.pre_disclosure")
    pd.check_formal_start(LAW, control_change=False, pre_published_at=None, listing_start=PUBLISHED)  # none needed
    # a transfer that keeps control but chose to pre-disclose is held to the same period
    assert refusal(lambda: pd.check_formal_start(LAW, control_change=False, pre_published_at=PUBLISHED,
                                                 listing_start=PUBLISHED)).rule == "property.pre_disclosure"


def test_a_centres_longer_pre_disclosure_applies():
    stricter = LAW.with_settings({"property.pre_disclosure": 25}, "administrator")
    end = pd.pre_disclosure_end(PUBLISHED, stricter)
    assert calendar.working_days_between(date(2026, 3, 2), calendar.local_date(end)) == 25


FIRST = datetime(2025, 6, 16, 1, 0, tzinfo=UTC)  # the first formal disclosure began on 16 June 2025


def test_twelve_months_are_counted_from_the_first_disclosure():
    assert pd.revaluation_from(FIRST, LAW) == date(2026, 6, 17)
    assert not pd.revaluation_due(FIRST, calendar.start_of_local_day(date(2026, 6, 16)), LAW)
    assert pd.revaluation_due(FIRST, calendar.start_of_local_day(date(2026, 6, 17)), LAW)
    assert not pd.revaluation_due(None, PUBLISHED, LAW)  # never disclosed: nothing to count


SAMPLE = dict(valuation="25800000", payment="lump_sum", result_publicity_days="5")


def check(start: date, **changes):
    return property_terms.check(LAW, property_terms.PropertyInput(**{**SAMPLE, **changes}),
                                starting_price=Decimal("25800000"), lot_round=2, first_disclosure=FIRST,
                                disclosure_start=calendar.start_of_local_day(start))


def test_a_relisting_past_twelve_months_needs_a_new_valuation_with_its_number_approver_and_date():
    assert "revaluation" not in check(date(2026, 6, 16))[1]
    late = date(2026, 6, 17)
    for changes, field in [({}, "revaluation_number"),
                           ({"revaluation_number": "鄂众联评报字〔2026〕第1088号"}, "revaluation_body"),
                           ({"revaluation_number": "鄂众联评报字〔2026〕第1088号", "revaluation_body": "咸宁市国资委",
                             "revaluation_on": date(2025, 6, 16)}, "revaluation_on")]:
        error = refusal(lambda changes=changes: check(late, **changes))
        assert (error.field, error.rule) == (field, "property.no_buyer_revalue")
    _, terms = check(late, revaluation_number=" 鄂众联评报字〔2026〕第1088号 ", revaluation_body="咸宁市国资委",
                     revaluation_on=date(2026, 5, 20))
    assert terms["revaluation"] == {"number": "鄂众联评报字〔2026〕第1088号", "body": "咸宁市国资委",
                                    "on": "2026-05-20"}
    again = property_terms.input_of(Decimal("25800000"), terms)
    assert (again.revaluation_number, again.revaluation_on) == ("鄂众联评报字〔2026〕第1088号", date(2026, 5, 20))


def test_the_change_of_control_is_kept_with_the_terms_and_read_back():
    _, terms = check(date(2026, 1, 5), control_change=True)
    assert terms["control_change"] is True
    assert property_terms.input_of(None, terms).control_change is True
    assert "control_change" not in check(date(2026, 1, 5))[1]


def test_the_pre_disclosure_text_names_the_transfer_and_when_the_formal_disclosure_may_begin():
    title, text = pd.pre_disclosure_text(
        centre="咸宁市公共资源交易中心", transferor="咸宁市国有资本投资运营集团有限公司", name="某公司51%股权转让",
        deal_code="421200-2026-CQ-0001", scope="咸宁某公司51%股权", location="咸宁市咸安区",
        valuation="25,800,000.00元",
        approval="咸宁市国资委 咸国资产权〔2026〕3号", note="", published_on="2026-03-02", formal_from="2026-03-30",
        rule_source="企业国有资产交易监督管理办法 第十三条", days=20, control_change=True)
    assert title == "某公司51%股权转让（信息预披露）"
    assert "实际控制权发生转移" in text and "2026-03-30" in text and "不少于20个工作日" in text

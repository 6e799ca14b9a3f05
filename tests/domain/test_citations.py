"""A rule is shown as its law and article, as a centre cites it (issue 17): never as its id."""

from __future__ import annotations

import re

import pytest

from trading.domain.citations import chinese_number, cite
from trading.domain.rules import RULES


@pytest.mark.parametrize(("text", "value"), [("十", 10), ("二十二", 22), ("十六", 16), ("四十", 40), ("一百零五", 105)])
def test_chinese_numerals_read_as_people_read_them(text, value):
    assert chinese_number(text) == value


def test_a_rule_is_cited_by_its_law_and_article_in_chinese_and_english():
    assert cite("construction.bidders_confidential") == "招标投标法 第二十二条"
    assert cite("construction.bidders_confidential", chinese=False) == "Bidding Law, Art. 22"
    assert cite("construction.min_bids") == "招标投标法 第二十八条"  # the first of the two sources
    assert cite("electronic.opening_at_deadline", chinese=False) == "E-Bidding Measures, Arts. 29–30"
    assert cite("procurement.price_score_formula") == "财政部令第87号 第五十五条"
    assert cite("screen.cv_threshold") == "招标投标法实施条例 第四十条"  # a screen: the law it relies on
    assert cite("experts.cooldown") == "平台规则" and cite("experts.cooldown", chinese=False) == "platform policy"
    assert cite("auth.throttle") == "GB/T 22239-2019"


def test_no_citation_is_a_code_name_and_every_english_one_is_free_of_chinese():
    for rule_id in RULES:
        for chinese in (True, False):
            text = cite(rule_id, chinese=chinese)
            assert text and rule_id not in text and not re.search(r"\b[a-z]+\.[a-z_]+\b", text), (rule_id, text)
            if not chinese:
                assert not re.search(r"[\u3400-\u9fff]", text), (rule_id, text)

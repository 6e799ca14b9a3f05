"""统一交易编码: region + year + trade type + sequence, formatted and parsed with clear refusals."""

from __future__ import annotations

import pytest

from trading.domain.dealcode import DealCode, check_sequence, format_code, parse_code
from trading.domain.errors import DomainError
from trading.domain.rules import TRADE_TYPES


def test_the_example():
    """The first construction trade of 2026 in 咸宁市."""
    assert format_code("421200", 2026, "construction", 1) == "4212002026JS0001"
    assert parse_code("4212002026JS0001") == DealCode("421200", 2026, "construction", 1)


@pytest.mark.parametrize(
    ("trade_type", "letters"),
    [("construction", "JS"), ("procurement", "CG"), ("land", "TD"), ("property", "CQ")],
)
def test_every_trade_type_round_trips(trade_type, letters):
    """Each of the four trade types has its two letters, and parsing gives back what was formatted."""
    code = format_code("422823", 2025, trade_type, 9999)
    assert code == f"4228232025{letters}9999"
    deal = parse_code(code)
    assert deal == DealCode("422823", 2025, trade_type, 9999) and str(deal) == code


def test_the_letters_cover_the_platforms_trade_types():
    from trading.domain.dealcode import TYPE_LETTERS

    assert set(TYPE_LETTERS) == set(TRADE_TYPES)


def test_parse_tolerates_spaces_and_lower_case():
    assert str(parse_code(" 4212002026js0042 ")) == "4212002026JS0042"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "16 characters"),
        (None, "16 characters"),
        ("4212002026JS001", "has 15"),
        ("4212002026JS00001", "has 17"),
        ("42120A2026JS0001", "6-digit region code"),
        ("421200202XJS0001", "are the year"),
        ("4212000999JS0001", "four digits"),
        ("4212002026XX0001", "JS, CG, TD or CQ"),
        ("4212002026JS00A1", "4-digit sequence"),
        ("4212002026JS0000", "starts at 1"),
    ],
)
def test_malformed_codes_are_refused_with_the_reason(text, words):
    with pytest.raises(DomainError) as refused:
        parse_code(text)
    assert words in str(refused.value)
    assert refused.value.field == "deal_code"


def test_parse_checks_the_shape_not_the_region():
    """A code issued for a region that was later merged still parses (422300 咸宁地区 ended in 1998)."""
    assert parse_code("4223001997CG0003").region == "422300"


def test_sequence_range():
    """The sequence runs from 1 to 9999; beyond it no code can be issued."""
    assert check_sequence(1) == 1 and check_sequence(9999) == 9999
    with pytest.raises(DomainError) as refused:
        check_sequence(10000)
    assert "beyond 9999" in str(refused.value) and refused.value.params["seq"] == 10000
    for bad in (0, -1, True, 1.0, "1"):
        with pytest.raises(DomainError):
            check_sequence(bad)
    with pytest.raises(DomainError) as refused:
        format_code("421200", 2026, "construction", 10000)
    assert refused.value.field == "seq"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("421201", 2026, "construction", 1), "region_code"),  # 市辖区 is not a place
        (("999999", 2026, "construction", 1), "region_code"),
        (("421200", 26, "construction", 1), "year"),
        (("421200", "2026", "construction", 1), "year"),
        (("421200", 2026, "JS", 1), "trade_type"),
        (("421200", 2026, "fishing", 1), "trade_type"),
        (("421200", 2026, "land", 0), "seq"),
    ],
)
def test_format_refuses_bad_parts_on_their_field(args, field):
    """format_code issues codes for current regions, four-digit years and the four trade types only."""
    with pytest.raises(DomainError) as refused:
        format_code(*args)
    assert refused.value.field == field

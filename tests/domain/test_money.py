"""Money: Decimal yuan parsing with named refusals, and 元/万元/亿元 formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trading.domain.errors import DomainError
from trading.domain.money import (
    format_auto,
    format_wan,
    format_yi,
    format_yuan,
    parse_yuan,
    percent,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.5", "1234.50"),
        ("1,234.50", "1234.50"),
        ("１２３", "123.00"),
        ("１，２３４．５６", "1234.56"),
        ("￥1,000元", "1000.00"),
        ("  42 ", "42.00"),
        (".5", "0.50"),
        ("-0", "0.00"),
        ("9999999999999999.99", "9999999999999999.99"),
        (Decimal("12.3"), "12.30"),
        (7, "7.00"),
    ],
)
def test_parse_yuan_accepts(text, expected):
    """Plain, grouped, full-width and ¥/元-decorated amounts all read as Decimal yuan."""
    value = parse_yuan(text, "budget")
    assert value == Decimal(expected)
    assert str(value) == expected


@pytest.mark.parametrize(
    ("text", "msgid_part"),
    [
        ("", "Enter an amount"),
        ("   ", "Enter an amount"),
        (None, "Enter an amount"),
        ("abc", "not an amount"),
        ("12,34", "not an amount"),
        ("1.2.3", "not an amount"),
        ("1e5", "not an amount"),
        ("-5", "negative"),
        ("1.234", "at most 2 decimals"),
        ("NaN", "finite"),
        ("inf", "finite"),
        ("-Infinity", "finite"),
        (Decimal("NaN"), "finite"),
        ("10000000000000000", "too large"),
        ("1" + "0" * 40, "too large"),
    ],
)
def test_parse_yuan_refuses_naming_the_field(text, msgid_part):
    """Every refusal is a DomainError that names the field it is about."""
    with pytest.raises(DomainError) as caught:
        parse_yuan(text, "budget")
    assert caught.value.field == "budget"
    assert msgid_part in caught.value.message


def test_parse_yuan_allows_negative_when_asked():
    """Adjustments may be negative when the caller says so."""
    assert parse_yuan("-1,234.5", "adjustment", allow_negative=True) == Decimal("-1234.50")


def test_parse_yuan_refuses_float():
    """Floats never become money."""
    with pytest.raises(TypeError):
        parse_yuan(1.5, "budget")


@pytest.mark.parametrize(
    ("func", "amount", "expected"),
    [
        (format_yuan, Decimal("1234567.89"), "1,234,567.89 元"),
        (format_yuan, Decimal("0.005"), "0.01 元"),
        (format_yuan, Decimal("2.675"), "2.68 元"),
        (format_yuan, 0, "0.00 元"),
        (format_yuan, Decimal("-0.001"), "0.00 元"),
        (format_wan, Decimal(1234567), "123.46 万元"),
        (format_wan, Decimal(12345), "1.23 万元"),
        (format_wan, Decimal(15000), "1.50 万元"),
        (format_yi, Decimal(115500000), "1.16 亿元"),
        (format_yi, Decimal(8102000000), "81.02 亿元"),
        (format_auto, Decimal("9999.99"), "9,999.99 元"),
        (format_auto, Decimal(10000), "1.00 万元"),
        (format_auto, Decimal(99999999), "10,000.00 万元"),
        (format_auto, Decimal(100000000), "1.00 亿元"),
        (format_auto, Decimal(-250000), "-25.00 万元"),
    ],
)
def test_formatting_rounds_half_up(func, amount, expected):
    """元/万元/亿元 with thousands separators, rounded half up to 2 decimals."""
    assert func(amount) == expected


def test_formatting_digits():
    """The ``digits`` parameter sets the decimals shown."""
    assert format_wan(Decimal(1234567), digits=4) == "123.4567 万元"
    assert format_yuan(Decimal("1234.5"), digits=0) == "1,235 元"
    assert format_auto(Decimal(160672600), digits=4) == "1.6067 亿元"


def test_formatting_refuses_float():
    """Formatting a float is a programming error."""
    with pytest.raises(TypeError):
        format_yuan(1.5)


def test_percent():
    """A percentage as Decimal, rounded half up; None when the base is zero."""
    assert percent(Decimal("160.6726"), Decimal(6180)) == Decimal("2.60")
    assert percent(1, 8, places=1) == Decimal("12.5")
    assert percent(1, 3, places=4) == Decimal("33.3333")
    assert percent(Decimal("0.125"), 1, places=1) == Decimal("12.5")
    assert percent(5, 0) is None
    assert percent(0, Decimal("0.00")) is None

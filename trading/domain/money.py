"""Money is ``Decimal`` yuan, never float: parsing with clear refusals, and 元/万元/亿元 formatting.

Rounding: every formatter rounds half up (``ROUND_HALF_UP``, the way amounts are rounded on Chinese
tender documents) to ``digits`` decimals, 2 by default; ``format_wan`` and ``format_yi`` divide by
10^4 and 10^8 first and then round, so ``format_wan(Decimal("1234567"))`` is ``"123.46 万元"``.
Amounts are limited to what ``Numeric(18, 2)`` can store: below 10^16 yuan, at most 2 decimals.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import N_, DomainError

CENT = Decimal("0.01")
WAN = Decimal(10) ** 4
YI = Decimal(10) ** 8
MAX_YUAN = Decimal(10) ** 16  # exclusive: Numeric(18, 2) holds at most 16 integer digits

# After NFKC normalisation (full-width digits, comma, point, minus and ￥ become ASCII): an optional
# sign, an optional ¥, digits with or without correct thousands grouping, optional decimals, optional 元.
_AMOUNT = re.compile(
    r"(?P<sign>[+-]?)¥?\s*(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.(?P<frac>[0-9]*))?\s*元?",
    re.ASCII,
)
_NOT_FINITE = {"nan", "snan", "inf", "infinity", "+inf", "-inf", "+infinity", "-infinity", "+nan", "-nan"}


def _check(value: Decimal, field: str, allow_negative: bool) -> Decimal:
    """Apply the range and precision checks shared by text and Decimal input."""
    if not value.is_finite():
        raise DomainError(N_("The amount must be a finite number."), field=field)
    if value < 0 and not allow_negative:
        raise DomainError(N_("The amount cannot be negative."), field=field, value=str(value))
    if abs(value) >= MAX_YUAN:
        raise DomainError(
            N_("The amount is too large: it must be below %(limit)s yuan."),
            field=field,
            value=str(value),
            limit="10,000,000,000,000,000",
        )
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise DomainError(N_("An amount in yuan has at most 2 decimals (fen)."), field=field,
                          value=str(value))
    return (value + 0).quantize(CENT)  # "+ 0" turns -0 into 0


UNITS: dict[str, Decimal] = {"元": Decimal(1), "千元": Decimal(1000), "万元": WAN, "亿元": YI}


def _number(text: str, field: str, unit: str) -> Decimal:
    """The number of an amount typed by a user, before the range and precision checks."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    if not cleaned:
        raise DomainError(N_("Enter an amount in yuan."), field=field)
    if cleaned.lower().replace(" ", "") in _NOT_FINITE:
        raise DomainError(N_("The amount must be a finite number."), field=field)
    match = _AMOUNT.fullmatch(cleaned)
    if not match or not (match["int"] or match["frac"]) or (unit != "元" and cleaned.endswith("元")):
        if unit == "元":
            raise DomainError(N_("%(value)s is not an amount in yuan."), field=field, value=text)
        raise DomainError(N_("%(value)s is not an amount in %(unit)s."), field=field, value=text, unit=unit)
    digits = match["int"].replace(",", "") or "0"
    try:
        return Decimal(f"{match['sign']}{digits}.{match['frac'] or '0'}")
    except InvalidOperation:  # pragma: no cover - the pattern only lets valid numbers through
        raise DomainError(N_("%(value)s is not an amount in yuan."), field=field, value=text) from None


def parse_yuan(text: str | int | Decimal | None, field: str, *, allow_negative: bool = False) -> Decimal:
    """Read an amount in yuan typed by a user ("1,234.50", "１２３", "¥12 元") or refuse naming the field."""
    if isinstance(text, (bool, float)):
        raise TypeError("amounts are Decimal or text, never float or bool")
    if isinstance(text, (int, Decimal)):
        return _check(Decimal(text), field, allow_negative)
    return _check(_number(text, field, "元"), field, allow_negative)


def parse_in_unit(text: str, unit: str, field: str) -> Decimal:
    """Read an amount written in ``unit`` (元, 千元, 万元 or 亿元: "2,050.5" in 万元) as exact Decimal yuan; refuse
    a number that is not a whole number of fen once multiplied, or a cell that says 元 in another unit."""
    number = _number(text, field, unit)
    value = number * UNITS[unit]
    if unit != "元" and value.is_finite() and value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise DomainError(N_("%(value)s %(unit)s is not a whole number of fen (0.01 yuan)."), field=field,
                          value=str(number), unit=unit)
    return _check(value, field, allow_negative=False)


def _as_decimal(amount: Decimal | int) -> Decimal:
    """Accept Decimal or int; refuse float (and bool) so binary rounding never reaches money."""
    if isinstance(amount, bool) or not isinstance(amount, (int, Decimal)):
        raise TypeError(f"amounts are Decimal or int, not {type(amount).__name__}")
    return Decimal(amount)


def _grouped(amount: Decimal, digits: int) -> str:
    """Round half up to ``digits`` decimals and group thousands with commas."""
    quantum = Decimal(1).scaleb(-digits)
    rounded = amount.quantize(quantum, rounding=ROUND_HALF_UP) + 0
    return f"{rounded:,.{digits}f}"


def format_yuan(amount: Decimal | int, digits: int = 2) -> str:
    """Show an amount in yuan: ``Decimal("1234567.891")`` -> ``"1,234,567.89 元"``."""
    return f"{_grouped(_as_decimal(amount), digits)} 元"


def format_wan(amount: Decimal | int, digits: int = 2) -> str:
    """Show an amount in 万元 (10^4 yuan): ``Decimal("1234567")`` -> ``"123.46 万元"``."""
    return f"{_grouped(_as_decimal(amount) / WAN, digits)} 万元"


def format_yi(amount: Decimal | int, digits: int = 2) -> str:
    """Show an amount in 亿元 (10^8 yuan): ``Decimal("115500000")`` -> ``"1.16 亿元"``."""
    return f"{_grouped(_as_decimal(amount) / YI, digits)} 亿元"


def format_auto(amount: Decimal | int, digits: int = 2) -> str:
    """Pick the unit by size: 亿元 from 10^8 yuan, 万元 from 10^4 yuan, else 元 (by absolute value)."""
    size = abs(_as_decimal(amount))
    if size >= YI:
        return format_yi(amount, digits)
    if size >= WAN:
        return format_wan(amount, digits)
    return format_yuan(amount, digits)


def percent(numerator: Decimal | int, denominator: Decimal | int, places: int = 2) -> Decimal | None:
    """``numerator / denominator`` in percent, rounded half up (2.6 means 2.6 %); None when dividing by 0."""
    num, den = _as_decimal(numerator), _as_decimal(denominator)
    if den == 0:
        return None
    quantum = Decimal(1).scaleb(-places)
    return (num * 100 / den).quantize(quantum, rounding=ROUND_HALF_UP) + 0

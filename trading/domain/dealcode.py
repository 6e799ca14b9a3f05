"""The unified deal code (统一交易编码) of a lot's trade: region + year + trade type + sequence.

``4212002026JS0001`` is the first construction trade certified in 2026 for 咸宁市 (421200): a 6-digit
region code (GB/T 2260, see ``regions``), the 4-digit year, two letters for the trade type (JS 建设工程,
CG 政府采购, TD 土地, CQ 产权) and a 4-digit sequence from 0001 to 9999 per (region, year, type). The format
is the platform's own; docs/DEAL_CODE.md says how the sequence is allocated. ``format_code`` issues codes
for current regions only; ``parse_code`` checks the shape, so an old code stays readable after its region
is renamed or merged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import regions
from .errors import N_, DomainError

TYPE_LETTERS = {"construction": "JS", "procurement": "CG", "land": "TD", "property": "CQ"}
TRADE_TYPES_BY_LETTERS = {letters: trade_type for trade_type, letters in TYPE_LETTERS.items()}
MAX_SEQ = 9999
LENGTH = 16

_DIGITS = re.compile(r"[0-9]+", re.ASCII)


@dataclass(frozen=True)
class DealCode:
    """A parsed deal code: region code, year, trade type (``construction`` ...) and sequence number."""

    region: str
    year: int
    trade_type: str
    seq: int

    def __str__(self) -> str:
        return f"{self.region}{self.year:04d}{TYPE_LETTERS[self.trade_type]}{self.seq:04d}"


def check_sequence(seq: int, field: str = "seq") -> int:
    """The sequence number if it is 1..9999, else a refusal (the counter for the year is exhausted)."""
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise DomainError(N_("The sequence number must be a whole number."), field=field, seq=str(seq))
    if seq < 1:
        raise DomainError(N_("The sequence number starts at 1, not %(seq)s."), field=field, seq=seq)
    if seq > MAX_SEQ:
        raise DomainError(
            N_("No deal code left: the sequence %(seq)s is beyond %(max)s for this region, year and trade type."),
            field=field, seq=seq, max=MAX_SEQ,
        )
    return seq


def _check_year(year: int, field: str = "year") -> int:
    """The year if it has four digits."""
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise DomainError(N_("The year of a deal code has four digits, not %(year)s."), field=field, year=str(year))
    return year


def _check_trade_type(trade_type: str, field: str = "trade_type") -> str:
    """The trade type if it is one of the four."""
    if trade_type not in TYPE_LETTERS:
        raise DomainError(
            N_("Unknown trade type %(trade_type)s: expected construction, procurement, land or property."),
            field=field, trade_type=str(trade_type),
        )
    return trade_type


def format_code(region: str, year: int, trade_type: str, seq: int) -> str:
    """The deal code for a current region, a year, a trade type and a sequence, e.g. ``4212002026JS0001``."""
    code = regions.check_region(region).code
    deal = DealCode(code, _check_year(year), _check_trade_type(trade_type), check_sequence(seq))
    return str(deal)


def parse_code(text: str, field: str = "deal_code") -> DealCode:
    """The parts of a deal code (spaces and lower case tolerated), or a refusal saying what is wrong."""
    code = str(text or "").strip().upper()
    if len(code) != LENGTH:
        raise DomainError(
            N_("A deal code has 16 characters (6-digit region, 4-digit year, 2-letter trade type, 4-digit "
               "sequence); %(code)s has %(count)s."),
            field=field, code=code, count=len(code),
        )
    region, year, letters, seq = code[:6], code[6:10], code[10:12], code[12:]
    if not _DIGITS.fullmatch(region):
        raise DomainError(N_("A deal code starts with a 6-digit region code, not %(region)s."),
                          field=field, code=code, region=region)
    if not _DIGITS.fullmatch(year):
        raise DomainError(N_("Characters 7 to 10 of a deal code are the year, not %(year)s."),
                          field=field, code=code, year=year)
    if letters not in TRADE_TYPES_BY_LETTERS:
        raise DomainError(
            N_("Characters 11 and 12 of a deal code are the trade type (JS, CG, TD or CQ), not %(letters)s."),
            field=field, code=code, letters=letters,
        )
    if not _DIGITS.fullmatch(seq):
        raise DomainError(N_("A deal code ends with a 4-digit sequence number, not %(seq)s."),
                          field=field, code=code, seq=seq)
    return DealCode(region, _check_year(int(year), field), TRADE_TYPES_BY_LETTERS[letters],
                    check_sequence(int(seq), field))

"""Experts' marks reviewed (评分偏离复核): after an evaluation report, each member's mark for each scoring factor of
each bid is compared with the committee's mean for that factor and bid; a mark further from the mean than the
threshold (``experts.mark_deviation``: a percentage of the factor's points, a centre setting, as no law gives a number)
is flagged for the supervisor, who confirms it as an ``expert_deviation`` credit event or dismisses it, each with a
reason.

Decisions:
* The mean is the plain mean of every seated member's mark, the member's own included (the review asks how far a
  member stood from the committee, whatever the report's aggregation dropped).
* Deviation = |mark − mean| ÷ the factor's points × 100 (percent); flagged when it is strictly above the threshold,
  compared exactly (|mark × n − sum| × 100 > threshold × points × n), never on rounded figures.
* Only scored factors are reviewed (comprehensive scoring); a compliance vote is a judgement with a majority, not a
  mark with a mean. A factor of a bid marked by fewer than two members has no committee to deviate from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .errors import N_, DomainError

RULE = "experts.mark_deviation"
POINT = Decimal("0.01")


@dataclass(frozen=True)
class Mark:
    """One member's mark for one factor of one bid."""

    member: str
    bid: str
    factor: str
    score: Decimal


@dataclass(frozen=True)
class Deviation:
    """The working of one mark: the committee's mean (of ``marks`` marks), the deviation in percent of the factor's
    points (both rounded to 2 decimals for display), the threshold, and whether it is flagged (judged exactly)."""

    member: str
    bid: str
    factor: str
    mark: Decimal
    mean: Decimal
    points: Decimal
    deviation: Decimal
    threshold: Decimal
    flagged: bool
    marks: int

    @property
    def key(self) -> tuple[str, str, str]:
        """Which mark it is: (member, bid, factor)."""
        return self.member, self.bid, self.factor


def _round(value: Decimal) -> Decimal:
    return value.quantize(POINT, rounding=ROUND_HALF_UP) + 0


def review(marks: Iterable[Mark], points: Mapping[str, Decimal], threshold: Decimal) -> list[Deviation]:
    """The working of every mark of a scored factor (``points``: each factor's maximum), in the order the marks
    came, grouped by bid and factor."""
    if not isinstance(threshold, Decimal) or not threshold.is_finite() or not 0 < threshold <= 100:
        raise DomainError(N_("The deviation threshold must be above 0 and at most 100 percent."), field="threshold",
                          rule=RULE)
    groups: dict[tuple[str, str], list[Mark]] = {}
    for mark in marks:
        if mark.factor in points:
            groups.setdefault((mark.bid, mark.factor), []).append(mark)
    found: list[Deviation] = []
    for (_bid, factor), members in groups.items():
        if len(members) < 2:
            continue
        n, total, maximum = len(members), sum(m.score for m in members), points[factor]
        for m in members:
            gap = abs(m.score * n - total)
            found.append(Deviation(m.member, m.bid, factor, m.score, _round(total / n), maximum,
                                   _round(gap * 100 / (maximum * n)), threshold, gap * 100 > threshold * maximum * n,
                                   n))
    return found


def flagged(found: Iterable[Deviation]) -> list[Deviation]:
    """The flagged marks only."""
    return [d for d in found if d.flagged]

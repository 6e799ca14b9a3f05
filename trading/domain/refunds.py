"""What a refunded deposit earns, with its working: interest at the platform's rate for the days held, and, for a
procurement deposit refunded after its due date, the overdue charge (超期资金占用费) at the central bank's
benchmark lending rate raised by ``procurement.late_refund_interest`` (20%) for the days overdue (87号令 Art. 38).

A land deposit (竞买保证金) earns no interest: 39号令 第二十一条 refunds it 不计利息; its working names that rule
(``no_interest_rule``) instead of a rate.

Both are simple interest over a 360-day year, to the fen, as Chinese banks count. A refund is overdue from the
due date (the midnight after the last allowed day, Beijing time); each local day it is late counts one day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from .calendar import local_date
from .money import CENT

DAY_COUNT = 360


def simple_interest(principal: Decimal, rate: Decimal, days: int) -> Decimal:
    """Simple interest at an annual ``rate`` for ``days`` days over 360, to the fen."""
    return (principal * rate * max(days, 0) / DAY_COUNT).quantize(CENT, rounding=ROUND_HALF_UP)


def overdue_days(due: datetime | None, refunded_at: datetime) -> int:
    """How many local days after its due date a refund was made (0 when on time or without a due date)."""
    if due is None or refunded_at < due:
        return 0
    return (local_date(refunded_at) - local_date(due)).days + 1


@dataclass(frozen=True)
class Working:
    """How a refund's interest and overdue charge were reckoned (stored with the deposit and shown with it)."""

    principal: Decimal
    held_since: datetime
    refunded_at: datetime
    days_held: int
    rate: Decimal
    interest: Decimal
    due: datetime | None = None
    overdue_days: int = 0
    central_bank_rate: Decimal | None = None
    uplift_percent: Decimal | None = None
    late_rate: Decimal | None = None
    late_interest: Decimal = Decimal("0")
    late_rule: str | None = None
    no_interest_rule: str | None = None  # the rule under which no interest is due (a land deposit)

    def as_dict(self) -> dict:
        """Plain JSON values (Decimals and times as text) for the deposit's row."""
        return {key: (value.isoformat() if isinstance(value, datetime) else
                      str(value) if isinstance(value, Decimal) else value)
                for key, value in self.__dict__.items()}


def reckon(principal: Decimal, held_since: datetime, refunded_at: datetime, rate: Decimal, *,
           due: datetime | None = None, central_bank_rate: Decimal | None = None,
           uplift_percent: Decimal | None = None, late_rule: str | None = None,
           no_interest_rule: str | None = None) -> Working:
    """The interest for the days held and, when ``uplift_percent`` is given (a procurement refund) and the refund
    is overdue, the overdue charge: principal x central bank rate x (1 + uplift) x days overdue / 360. With
    ``no_interest_rule`` (a land deposit) neither: the working names the rule and the rate is 0."""
    days = max((refunded_at - held_since).days, 0)
    if no_interest_rule is not None:
        return Working(principal, held_since, refunded_at, days, Decimal("0"), Decimal("0.00"), due=due,
                       overdue_days=overdue_days(due, refunded_at), no_interest_rule=no_interest_rule)
    working = Working(principal, held_since, refunded_at, days, rate, simple_interest(principal, rate, days), due=due)
    late_days = overdue_days(due, refunded_at)
    if uplift_percent is None or central_bank_rate is None or late_days == 0:
        return working
    late_rate = central_bank_rate * (1 + uplift_percent / 100)
    return Working(principal, held_since, refunded_at, days, rate, working.interest, due=due,
                   overdue_days=late_days, central_bank_rate=central_bank_rate, uplift_percent=uplift_percent,
                   late_rate=late_rate, late_interest=simple_interest(principal, late_rate, late_days),
                   late_rule=late_rule)

"""One sealed round (一次报价) of a state property lot (32号令; RULES.md "State property rights"): the form the
disclosure may choose instead of the multi-round online bidding when two or more buyers qualify
(``property.bidding_form``). Plain functions over plain values.

- The round opens when the disclosure ends and routes the lot to it (or when the last application is decided) and
  closes at 17:00 Beijing time on the ``property.sealed_period``-th working day after (the centre's setting, 1 by
  default: a buyer has the rest of the day and the next working day to seal and submit).
- Each qualified buyer submits one price, sealed to the lot's opening key with the platform's envelope machinery
  (``domain.sealing``); it is neither replaced nor withdrawn (``property.sealed_round``). Nobody, the centre
  included, reads a price before the opening: the opening key exists only as k-of-n shares until the deadline.
- At the opening, a price below the listing price is invalid (``property.sealed_price_floor``); the highest valid
  price wins; of equal highest prices, the one received first (the time on its signed receipt) wins
  (``property.sealed_equal_prices``: 价格优先、时间优先); no price, or no valid one, is no deal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal

from .calendar import SHANGHAI, add_working_days, local_date, to_local
from .errors import N_, DomainError
from .rules import RuleSet

CLOSES_AT = time(17, 0)  # Beijing time: the sealed round closes at the office's close, as the disclosure does
SEALED = "sealed"  # the phase of an offer (a price the opening read), of the trade and of the board
DEAL, NO_PRICE, ALL_BELOW = "deal", "no_offer", "below_reserve"  # outcomes (the trade's outcome codes)


def deadline(opened_at: datetime, in_force: RuleSet) -> datetime:
    """When a sealed round opened at ``opened_at`` closes: 17:00 Beijing time on the ``property.sealed_period``-th
    working day after the day it opened (UTC)."""
    days = int(in_force.value("property.sealed_period"))
    day = add_working_days(local_date(opened_at), days)
    return datetime.combine(day, CLOSES_AT, tzinfo=SHANGHAI).astimezone(UTC)


def _shown(moment: datetime) -> str:
    return to_local(moment).strftime("%Y-%m-%d %H:%M:%S")


def check_submission(*, qualified: bool, phase: str | None, already: bool, deadline_at: datetime | None,
                     now: datetime, suspended: bool = False) -> None:
    """Refuse a sealed price unless the buyer is qualified (holds a paddle number), the lot's sealed round is open
    and not suspended by the supervisor (``suspended``: its deadline moves on by the time suspended when it is
    resumed), the buyer has not submitted its one price yet and ``now`` is before the deadline (judged when the
    upload completes)."""
    if not qualified:
        raise DomainError(N_("Only a buyer the centre qualified (with a paddle number) submits a sealed price."),
                          field="lot", rule="property.qualification")
    if suspended:
        raise DomainError(N_("The supervisor has suspended this lot's sealed round: no price is taken until it is "
                             "resumed, and its deadline then moves on by the time it was suspended."),
                          field="lot", rule="platform.supervision")
    if phase != SEALED or deadline_at is None:
        raise DomainError(N_("This lot takes sealed prices only during its sealed round, after the disclosure ends "
                             "with two or more qualified buyers."), field="lot", rule="property.sealed_round")
    if now >= deadline_at:
        raise DomainError(N_("Your sealed price arrived at %(arrived)s, after the sealed round closed at %(end)s."),
                          field="envelope", rule="property.sealed_period", arrived=_shown(now),
                          end=_shown(deadline_at))
    if already:
        raise DomainError(N_("One sealed round takes one price from each buyer: yours is in, and it can be neither "
                             "replaced nor withdrawn."), field="envelope", rule="property.sealed_round")


@dataclass(frozen=True)
class Price:
    """A sealed price as the opening read it: the buyer's paddle number, the amount (None: the envelope could not
    be opened or carried no price), when it was received (its receipt) and its place in the opening record."""

    paddle: str
    amount: Decimal | None
    received_at: datetime
    position: int


@dataclass(frozen=True)
class Outcome:
    """The sealed round's result: the outcome, the winning price (a deal), the rule that decided, and each price
    judged invalid with the rule that says why (paddle -> rule)."""

    outcome: str
    winner: Price | None
    rule: str
    invalid: dict[str, str]


def decide(prices: Sequence[Price], listing_price: Decimal) -> Outcome:
    """The highest price at or above the listing price wins; the earliest received of equal highest prices; a price
    below the listing price is invalid (an envelope the opening could not read carries none); no valid price is no
    deal."""
    invalid = {p.paddle: "electronic.decryption_failure" if p.amount is None else "property.sealed_price_floor"
               for p in prices if p.amount is None or p.amount < listing_price}
    valid = [p for p in prices if p.paddle not in invalid]
    if all(p.amount is None for p in prices):  # no price submitted (or none could be read)
        return Outcome(NO_PRICE, None, "property.sealed_round", invalid)
    if not valid:
        return Outcome(ALL_BELOW, None, "property.sealed_price_floor", invalid)
    top = max(p.amount for p in valid)
    tied = sorted((p for p in valid if p.amount == top), key=lambda p: (p.received_at, p.position))
    return Outcome(DEAL, tied[0], "property.sealed_equal_prices" if len(tied) > 1 else "property.sealed_round",
                   invalid)

"""Credit records and the blacklist (信用记录与失信名单, 行业自律): what a supervisor records against a bidder, an
agency or an expert, the score that sums it up, and who is barred.

A credit event is recorded only with its evidence and the decision that found it (a supervisor's decision
number, a court's or a department's); it costs the points of its kind. The score is 100 less the points of the
events of the last ``WINDOW_YEARS`` years, never below 0: it is shown, it never bars anyone by itself. Barring is
the blacklist's: an entry names the subject, the reason and decision and a period (1–3 years for a bidder's
collusion or false materials, 条例 第六十七条、第六十八条; an expert removed from evaluations, 条例 第七十二条),
during which a barred bidder cannot sign up or bid and a barred expert is not drawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import N_, DomainError

WINDOW_YEARS = 3  # events older than this no longer count against the score
START = 100

# kind -> (who it applies to, points, the rule it comes from)
KINDS = {
    "withdrawal_after_deadline": ("organisation", 10, "credit.withdrawal_after_deadline"),
    "refused_contract": ("organisation", 20, "credit.refused_contract"),
    "refused_land_contract": ("organisation", 20, "land.contract_refused"),  # recorded by the platform itself
    "late_land_payment": ("organisation", 10, "land.payment_term"),  # recorded by the centre's staff on a lot
    "late_property_payment": ("organisation", 10, "property.payment_days"),  # recorded by the centre's staff
    "false_materials": ("organisation", 40, "credit.false_materials"),
    "collusion_finding": ("organisation", 50, "credit.collusion_bar"),
    "agency_misconduct": ("organisation", 30, "credit.agency_misconduct"),
    "expert_absence": ("expert", 10, "credit.expert_misconduct"),
    "expert_deviation": ("expert", 20, "credit.expert_misconduct"),
}
SUBJECTS = ("organisation", "expert")


@dataclass(frozen=True)
class Event:
    """One recorded event: its kind and when it was recorded."""

    kind: str
    at: datetime


@dataclass(frozen=True)
class Entry:
    """One blacklist entry's period (``lifted_at``: ended early by a decision)."""

    starts_at: datetime
    ends_at: datetime
    lifted_at: datetime | None = None


def check_event(subject_type: str, kind: str, evidence: str, decision: str) -> None:
    """Refuse an event of an unknown kind, for the wrong subject, or without its evidence or decision."""
    if kind not in KINDS:
        raise DomainError(N_("Choose a kind of credit event."), field="kind")
    if KINDS[kind][0] != subject_type:
        raise DomainError(N_("This kind of event is recorded against an organisation or an expert, not the other."),
                          field="kind", rule=KINDS[kind][2])
    if len((evidence or "").strip()) < 4:
        raise DomainError(N_("Describe the evidence."), field="evidence", rule=KINDS[kind][2])
    if len((decision or "").strip()) < 2:
        raise DomainError(N_("Name the decision that found it (its number)."), field="decision", rule=KINDS[kind][2])


def score(events: Iterable[Event], now: datetime) -> int:
    """100 less the points of the events of the last ``WINDOW_YEARS`` years, never below 0."""
    since = now - timedelta(days=365 * WINDOW_YEARS)
    return max(0, START - sum(KINDS[e.kind][1] for e in events if since < e.at <= now))


def check_period(starts_at: datetime, ends_at: datetime, *, max_years: int) -> None:
    """A blacklist period: it ends after it starts and lasts at most ``max_years`` years."""
    if ends_at <= starts_at:
        raise DomainError(N_("The period must end after it starts."), field="ends_at", rule="credit.blacklist_period")
    if ends_at > starts_at + timedelta(days=365 * max_years + 1):
        raise DomainError(N_("A blacklist period lasts at most %(years)s years."), field="ends_at",
                          rule="credit.blacklist_period", years=max_years)


def barred(entries: Iterable[Entry], now: datetime) -> Entry | None:
    """The entry that bars its subject at ``now``, if any."""
    for entry in entries:
        if entry.starts_at <= now < entry.ends_at and (entry.lifted_at is None or now < entry.lifted_at):
            return entry
    return None

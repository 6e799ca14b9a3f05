"""Moving the simulated clock forward (never back), audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..domain.errors import N_, DomainError
from ..models import ClockSetting
from . import audit

MAX_ADVANCE = timedelta(days=3 * 366)


def advance(session, actor, now: datetime, *, by: timedelta | None = None, to: datetime | None = None) -> datetime:
    """Advance the simulated clock by ``by`` or to ``to``; returns the new simulated time."""
    if (by is None) == (to is None):
        raise DomainError(N_("Give either an amount of time or a target time."), field="by")
    if to is not None:
        if to.tzinfo is None:
            raise DomainError(N_("The target time needs a time zone."), field="to")
        by = to - now
        field = "to"
    else:
        field = "by"
    if by <= timedelta(0):
        raise DomainError(N_("The clock only moves forward: %(target)s is not after the current time %(now)s."),
                          field=field, rule="clock.forward_only", target=now + by, now=now)
    if by > MAX_ADVANCE:
        raise DomainError(N_("Advance at most three years at a time."), field=field)
    setting = session.get(ClockSetting, 1)
    if setting is None:
        setting = ClockSetting(id=1, offset_us=0)
        session.add(setting)
    setting.offset_us = (setting.offset_us or 0) + by // timedelta(microseconds=1)
    session.flush()
    new_now = now + by
    audit.record(session, actor, new_now, "clock.advance", object_type="clock", object_id=1,
                 rule="clock.forward_only",
                 payload={"from": now, "to": new_now, "by_seconds": int(by.total_seconds())})
    return new_now

"""The platform's one Clock: real UTC, or a simulated time an admin moves forward.

Views read ``current_clock().now()`` once per request and pass ``now`` to services;
services and the domain never read the time themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app

from .extensions import db
from .models import ClockSetting


def utcnow() -> datetime:
    """Real time, aware UTC."""
    return datetime.now(UTC)


class RealClock:
    """Reads the machine's UTC time."""

    simulated = False

    def now(self) -> datetime:
        """The current time, aware UTC."""
        return utcnow()


class SimulatedClock:
    """Real time plus an offset stored in the database (so every worker sees the same time)."""

    simulated = True

    def offset(self) -> timedelta:
        """How far the simulated time is ahead of real time."""
        setting = db.session.get(ClockSetting, 1)
        return timedelta(microseconds=setting.offset_us if setting else 0)

    def now(self) -> datetime:
        """Real UTC plus the stored offset."""
        return utcnow() + self.offset()


class FixedClock:
    """A clock that stands still until moved: for tests and scripted scenarios."""

    simulated = True

    def __init__(self, at: datetime):
        self.at = at

    def now(self) -> datetime:
        """The fixed time."""
        return self.at

    def move_to(self, at: datetime) -> None:
        """Set the fixed time."""
        self.at = at


def make_clock(mode: str):
    """The clock for ``TRADING_CLOCK``."""
    return SimulatedClock() if mode == "simulated" else RealClock()


def current_clock():
    """The clock of the current app (its platform context's)."""
    return current_app.extensions["trading"].clock

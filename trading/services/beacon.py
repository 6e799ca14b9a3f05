"""The platform's simulated randomness beacon, kept in the database: signed pulses, each chained to the one
emitted before it. A pulse for a round is emitted once that round's time has come (on the platform clock)."""

from __future__ import annotations

import os
from datetime import datetime

import sqlalchemy as sa

from ..domain import beacon
from ..domain.errors import N_, DomainError
from ..models import BeaconPulse


def _as_pulse(row: BeaconPulse) -> beacon.Pulse:
    """A stored pulse as the domain's Pulse."""
    return beacon.Pulse(row.round, row.time, row.output, row.prev_output, row.signature, row.public_key)


def pulse(session, round_number: int, now: datetime, key) -> beacon.Pulse | None:
    """The pulse of ``round_number``: stored, or emitted now if its time has come; None while it is future."""
    row = session.get(BeaconPulse, round_number)
    if row is not None:
        return _as_pulse(row)
    if now < beacon.time_of(round_number):
        return None
    latest = session.scalar(sa.select(BeaconPulse).order_by(BeaconPulse.round.desc()).limit(1).with_for_update())
    previous = _as_pulse(latest) if latest is not None else None
    if previous is not None and previous.round > round_number:
        raise DomainError(N_("Pulse %(round)s was never emitted and the chain has passed it (latest %(latest)s)."),
                          field=beacon.FIELD, round=round_number, latest=previous.round)
    first = round_number if previous is None else previous.round + 1
    made, rows = previous, []
    for number in range(first, round_number + 1):  # a real beacon emits every round: the chain has no gaps
        made = beacon.make_pulse(made, number, beacon.time_of(number), key, os.urandom)
        rows.append({"round": made.round, "time": made.time, "output": made.output, "prev_output": made.prev_output,
                     "signature": made.signature, "public_key": made.public_key})
    session.execute(sa.insert(BeaconPulse), rows)
    return made

"""The platform's simulated randomness beacon, kept in the database: signed pulses, each chained to the one
emitted before it. A pulse for a round is emitted once that round's time has come (on the platform clock)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization

from ..domain import beacon
from ..models import BeaconPulse


def signing_key(instance_path: str):
    """The beacon's Ed25519 key in ``instance/keys/beacon.key.pem`` (created on first use, owner-only)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from .keys import raw_private_pem, write_private

    folder = Path(instance_path) / "keys"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "beacon.key.pem"
    if not path.exists():
        write_private(path, raw_private_pem(Ed25519PrivateKey.generate()))
    return serialization.load_pem_private_key(path.read_bytes(), None)


def gateway_key(instance_path: str):
    """The calling gateway's Ed25519 key in ``instance/keys/gateway.key.pem`` (created on first use, owner-only): it
    signs each draw call's outcome, so the exported draw record authenticates who answered what and when."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from .keys import raw_private_pem, write_private

    folder = Path(instance_path) / "keys"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "gateway.key.pem"
    if not path.exists():
        write_private(path, raw_private_pem(Ed25519PrivateKey.generate()))
    return serialization.load_pem_private_key(path.read_bytes(), None)


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
    made = beacon.make_pulse(previous, round_number, beacon.time_of(round_number), key, os.urandom)
    session.add(BeaconPulse(round=made.round, time=made.time, output=made.output, prev_output=made.prev_output,
                            signature=made.signature, public_key=made.public_key))
    session.flush()
    return made

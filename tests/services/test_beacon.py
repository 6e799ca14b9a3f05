"""The simulated beacon kept in the database emits every round, as a real one does: a pulse asked for after a gap
(a second draw committed to a later round) comes with the rounds before it, so the chain never breaks."""

from __future__ import annotations

from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from trading.domain import beacon as beacons
from trading.services import beacon

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def test_a_pulse_after_a_gap_fills_the_rounds_between_and_the_chain_verifies(session, now):
    first_round = beacons.round_at(now) - 20
    first = beacon.pulse(session, first_round, now, KEY)
    later = beacon.pulse(session, first_round + 10, now, KEY)  # a redraw committed ten rounds on
    assert first is not None and later is not None and later.round == first_round + 10
    chain = [beacon.pulse(session, n, now, KEY) for n in range(first_round, first_round + 11)]
    public = beacons.public_key_of(KEY)
    for prev, pulse in zip(chain, chain[1:], strict=False):
        beacons.verify_pulse(pulse, public, prev)  # each links to the one before: no gap
    assert beacon.pulse(session, first_round + 5, now, KEY) == chain[5]  # stored, not made again
    assert beacon.pulse(session, beacons.round_at(now + timedelta(minutes=5)), now, KEY) is None  # the future

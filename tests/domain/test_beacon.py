"""The simulated randomness beacon: signed, hash-chained pulses, rounds on a fixed period, a replaceable interface."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from trading.domain.beacon import (
    EPOCH,
    GENESIS_OUTPUT,
    Beacon,
    MemoryBeacon,
    Pulse,
    make_pulse,
    public_key_of,
    round_at,
    time_of,
    verify_pulse,
)
from trading.domain.errors import DomainError

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = public_key_of(KEY)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def counter_rng():
    """A deterministic random source: successive blocks of one repeated byte."""
    state = {"n": 0}

    def rng(size: int) -> bytes:
        state["n"] += 1
        return bytes([state["n"] % 256]) * size

    return rng


def chain(length: int, rng=None) -> list[Pulse]:
    """``length`` pulses from the round of START on."""
    rng = rng or counter_rng()
    first = round_at(START)
    pulses: list[Pulse] = []
    for number in range(first, first + length):
        pulses.append(make_pulse(pulses[-1] if pulses else None, number, time_of(number), KEY, rng))
    return pulses


def test_rounds_and_times():
    """Round 0 starts at the epoch; a round's pulse time is the start of its period; both directions agree."""
    assert round_at(EPOCH) == 0
    assert round_at(EPOCH + timedelta(seconds=59)) == 0 and round_at(EPOCH + timedelta(seconds=60)) == 1
    number = round_at(START)
    assert time_of(number) == START and round_at(time_of(number) + timedelta(seconds=30)) == number
    assert round_at(START.replace(tzinfo=None)) == number  # naive means UTC
    assert time_of(3, period_seconds=30, epoch=START) == START + timedelta(seconds=90)


def test_pulses_chain_and_verify():
    """Each pulse has a 64-byte output, links to the one before and verifies with the beacon key."""
    pulses = chain(4)
    assert pulses[0].prev_output == GENESIS_OUTPUT
    verify_pulse(pulses[0], PUBLIC)
    for prev, pulse in zip(pulses, pulses[1:], strict=False):
        assert len(pulse.output) == 64 and pulse.prev_output == prev.output
        verify_pulse(pulse, PUBLIC, prev)
    assert len({p.output for p in pulses}) == 4


def test_output_is_determined_by_the_local_random_value():
    """Same inputs, same pulse; another local random value, another output."""
    assert chain(2) == chain(2)
    other = chain(2, rng=lambda size: b"\xaa" * size)
    assert other[0].output != chain(2)[0].output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: replace(p, output=bytes(64)), "signature"),
        (lambda p: replace(p, time=p.time + timedelta(seconds=1)), "signature"),
        (lambda p: replace(p, round=p.round + 1), "signature"),
        (lambda p: replace(p, signature=bytes(64)), "signature"),
        (lambda p: replace(p, output=p.output[:32]), "64"),
        (lambda p: replace(p, public_key=bytes(32)), "beacon key"),
    ],
)
def test_tampered_pulse_is_refused(change, message):
    """Any change to a signed pulse is caught."""
    with pytest.raises(DomainError) as caught:
        verify_pulse(change(chain(1)[0]), PUBLIC)
    assert message in str(caught.value) and caught.value.field == "pulse"


def test_wrong_key_and_broken_link_are_refused():
    """Another beacon's key, or a pulse that does not link to the one given as previous."""
    first, second, third = chain(3)
    other = public_key_of(Ed25519PrivateKey.from_private_bytes(bytes(32)))
    with pytest.raises(DomainError, match="beacon key"):
        verify_pulse(second, other)
    with pytest.raises(DomainError, match="does not link"):
        verify_pulse(third, PUBLIC, first)
    forged_prev = make_pulse(None, first.round, first.time, KEY, lambda size: b"\xee" * size)
    with pytest.raises(DomainError, match="does not link"):
        verify_pulse(second, PUBLIC, forged_prev)


def test_make_pulse_refuses_a_gap():
    """The next pulse is the next round, later in time."""
    first = chain(1)[0]
    with pytest.raises(DomainError, match="cannot follow"):
        make_pulse(first, first.round + 2, time_of(first.round + 2), KEY, counter_rng())
    with pytest.raises(DomainError, match="cannot follow"):
        make_pulse(first, first.round + 1, first.time, KEY, counter_rng())


def test_pulse_dict_round_trip():
    """A pulse survives as_dict/from_dict unchanged, and still verifies."""
    pulse = chain(1)[0]
    again = Pulse.from_dict(pulse.as_dict())
    assert again == pulse
    verify_pulse(again, PUBLIC)


def test_memory_beacon_publishes_on_time():
    """No pulse before its time or before the first round; latest is the current round; the chain verifies."""
    now = {"t": START + timedelta(seconds=150)}
    beacon: Beacon = MemoryBeacon(KEY, counter_rng(), lambda: now["t"], first_round=round_at(START))
    first = round_at(START)
    assert beacon.pulse(first - 1) is None
    assert beacon.pulse(first + 3) is None
    latest = beacon.latest()
    assert latest.round == first + 2 and latest.time == time_of(first + 2)
    now["t"] += timedelta(minutes=2)
    assert beacon.pulse(first + 3) is not None
    pulses = [beacon.pulse(n) for n in range(first, first + 5)]
    verify_pulse(pulses[0], PUBLIC)
    for prev, pulse in zip(pulses, pulses[1:], strict=False):
        verify_pulse(pulse, PUBLIC, prev)


def test_memory_beacon_before_its_first_round():
    """latest() before the first round says when the first pulse comes."""
    beacon = MemoryBeacon(KEY, counter_rng(), lambda: START, first_round=round_at(START) + 10)
    with pytest.raises(DomainError, match="first pulse"):
        beacon.latest()

"""A simulated public randomness beacon (NIST-beacon-like), behind an interface a real beacon could replace.

Every ``period_seconds`` from ``EPOCH`` the beacon publishes a pulse: its round number, its time, a 64-byte
output, the previous pulse's output (the hash chain) and an Ed25519 signature by the beacon's own key over
the canonical pulse body. The output is SHA-512 over the canonical (round, time, a fresh local random value,
previous output): nobody, the platform included, can know it before the round's time, and nobody can change
a published pulse without breaking its signature and every later link.

A draw commits to a future round (DESIGN §6 step 2) and takes that round's output into its seed. The service
keeps the pulses it has produced; ``MemoryBeacon`` is the in-memory version for tests and the command line.
A real beacon (NIST, or a national one) would be another ``Beacon``: only ``pulse`` and ``latest`` are used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .audit import canonical, format_time
from .errors import N_, DomainError

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
PERIOD_SECONDS = 60
OUTPUT_BYTES = 64
GENESIS_OUTPUT = bytes(OUTPUT_BYTES)
FIELD = "pulse"

Rng = Callable[[int], bytes]


@dataclass(frozen=True)
class Pulse:
    """One published pulse: round, time, 64-byte output, previous output, signature and the beacon's public key."""

    round: int
    time: datetime
    output: bytes
    prev_output: bytes
    signature: bytes
    public_key: bytes

    def body(self) -> bytes:
        """The canonical bytes the signature covers (everything but the signature)."""
        return canonical({"round": self.round, "time": format_time(self.time), "output": self.output.hex(),
                          "prev_output": self.prev_output.hex(), "public_key": self.public_key.hex()})

    def as_dict(self) -> dict:
        """The pulse as JSON values (bytes in hex, time in UTC ISO 8601)."""
        return {"round": self.round, "time": format_time(self.time), "output": self.output.hex(),
                "prev_output": self.prev_output.hex(), "signature": self.signature.hex(),
                "public_key": self.public_key.hex()}

    @classmethod
    def from_dict(cls, data: dict) -> Pulse:
        """A pulse from ``as_dict``'s form; ValueError, KeyError or TypeError if it is malformed."""
        moment = datetime.fromisoformat(str(data["time"]).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        number = data["round"]
        if isinstance(number, bool) or not isinstance(number, int):
            raise TypeError("round must be an integer")
        return cls(number, moment, bytes.fromhex(data["output"]), bytes.fromhex(data["prev_output"]),
                   bytes.fromhex(data["signature"]), bytes.fromhex(data["public_key"]))


class Beacon(Protocol):
    """What the draw needs from a beacon, simulated or real."""

    def pulse(self, round: int) -> Pulse | None:
        """The pulse of this round, or None if it is not published (yet)."""

    def latest(self) -> Pulse:
        """The most recent published pulse."""


def _aware(moment: datetime) -> datetime:
    """A naive time is taken to be UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def round_at(time: datetime, period_seconds: int = PERIOD_SECONDS, epoch: datetime = EPOCH) -> int:
    """The round whose period contains ``time`` (round 0 starts at ``epoch``)."""
    elapsed = _aware(time) - _aware(epoch)
    return int(elapsed // timedelta(seconds=period_seconds))


def time_of(round: int, period_seconds: int = PERIOD_SECONDS, epoch: datetime = EPOCH) -> datetime:
    """The time at which the pulse of ``round`` is published."""
    return _aware(epoch) + timedelta(seconds=period_seconds * round)


def public_key_of(signing_key: Ed25519PrivateKey) -> bytes:
    """The beacon's raw 32-byte public key."""
    return signing_key.public_key().public_bytes_raw()


def make_pulse(prev: Pulse | None, round: int, time: datetime, signing_key: Ed25519PrivateKey,
               rng: Rng) -> Pulse:
    """The next pulse of the chain after ``prev`` (None for the first), signed by the beacon's key."""
    if prev is not None and (round != prev.round + 1 or _aware(time) <= prev.time):
        raise DomainError(N_("Pulse %(round)s cannot follow pulse %(prev)s."), field=FIELD, round=round,
                          prev=prev.round)
    prev_output = prev.output if prev is not None else GENESIS_OUTPUT
    local = rng(OUTPUT_BYTES)
    if len(local) != OUTPUT_BYTES:
        raise ValueError(f"the random source returned {len(local)} bytes, expected {OUTPUT_BYTES}")
    output = hashlib.sha512(canonical({"round": round, "time": format_time(time), "local_random": bytes(local).hex(),
                                       "prev_output": prev_output.hex()})).digest()
    unsigned = Pulse(round, _aware(time), output, prev_output, b"", public_key_of(signing_key))
    return Pulse(round, unsigned.time, output, prev_output, signing_key.sign(unsigned.body()), unsigned.public_key)


def verify_pulse(pulse: Pulse, public_key: bytes, prev: Pulse | None = None) -> None:
    """Refuse a pulse not signed by ``public_key``, or (given ``prev``) not chained to the pulse before it."""
    if pulse.public_key != public_key:
        raise DomainError(N_("Pulse %(round)s names the beacon key %(found)s, not %(expected)s."), field=FIELD,
                          round=pulse.round, found=pulse.public_key.hex()[:16], expected=public_key.hex()[:16])
    if len(pulse.output) != OUTPUT_BYTES:
        raise DomainError(N_("The output of pulse %(round)s has %(count)s bytes, not 64."), field=FIELD,
                          round=pulse.round, count=len(pulse.output))
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(pulse.signature, pulse.body())
    except (InvalidSignature, ValueError):
        raise DomainError(N_("The signature of pulse %(round)s does not verify with the beacon key."), field=FIELD,
                          round=pulse.round) from None
    if prev is None:
        return
    if prev.round != pulse.round - 1 or pulse.prev_output != prev.output or prev.time >= pulse.time:
        raise DomainError(N_("Pulse %(round)s does not link to pulse %(prev)s."), field=FIELD, round=pulse.round,
                          prev=prev.round)


class MemoryBeacon:
    """A simulated beacon in memory: pulses from ``first_round`` up to the clock's current round, made on demand."""

    def __init__(self, signing_key: Ed25519PrivateKey, rng: Rng, clock: Callable[[], datetime], *,
                 first_round: int, period_seconds: int = PERIOD_SECONDS, epoch: datetime = EPOCH):
        self.signing_key = signing_key
        self.public_key = public_key_of(signing_key)
        self.rng = rng
        self.clock = clock
        self.first_round = first_round
        self.period_seconds = period_seconds
        self.epoch = epoch
        self.pulses: dict[int, Pulse] = {}

    def _extend_to(self, round: int) -> None:
        """Make the missing pulses up to ``round``, in order."""
        last = max(self.pulses) if self.pulses else self.first_round - 1
        for number in range(last + 1, round + 1):
            prev = self.pulses.get(number - 1)
            when = time_of(number, self.period_seconds, self.epoch)
            self.pulses[number] = make_pulse(prev, number, when, self.signing_key, self.rng)

    def pulse(self, round: int) -> Pulse | None:
        """The pulse of this round, or None before the first round or before its time."""
        if round < self.first_round or round > round_at(self.clock(), self.period_seconds, self.epoch):
            return None
        self._extend_to(round)
        return self.pulses[round]

    def latest(self) -> Pulse:
        """The pulse of the current round; refused before the first round."""
        current = round_at(self.clock(), self.period_seconds, self.epoch)
        if current < self.first_round:
            raise DomainError(N_("The beacon publishes its first pulse at %(time)s."), field=FIELD,
                              time=format_time(time_of(self.first_round, self.period_seconds, self.epoch)))
        self._extend_to(current)
        return self.pulses[current]

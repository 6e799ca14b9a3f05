"""The exported record of a draw and its verifier (the command line is ``drawing/cli.py``).

A ``DrawRecord`` holds everything needed to replay a draw without a database: the request, the frozen pool
snapshot (eligible ids per specialty) and exclusions, the inputs hash, the commitment and when it was made,
the beacon pulse with its signature and key, the revealed secret, the seed, the rankings, the calls in order
(each with the calling gateway's signature over its outcome and time) and the gateway's public key, and the
panel. ``verify`` recomputes each in turn and says, in words, what differs. The names are also importable as
``trading.domain.drawing.DrawRecord``, ``.build_record`` and ``.verify``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..audit import canonical, format_time
from ..beacon import Pulse, verify_pulse
from ..errors import N_, DomainError
from . import (
    FORMAT,
    VERSION,
    CallOutcome,
    Commitment,
    Exclusion,
    Panel,
    Request,
    Seat,
    call_statement,
    call_subject,
    commitment_digest,
    inputs_hash,
    parse_time,
    rank,
    seat,
    seed,
)


@dataclass(frozen=True)
class DrawRecord:
    """The exportable record of one draw: everything ``verify`` needs to replay it."""

    request: Request
    pool: dict[str, list[int]]
    exclusions: tuple[Exclusion, ...]
    inputs_hash: str
    commitment: Commitment
    committed_at: datetime
    pulse: Pulse
    secret: bytes
    seed: bytes
    ranking: dict[str, list[int]]
    calls: tuple[CallOutcome, ...]
    panel: Panel
    gateway_key: bytes | None = None  # the calling gateway's Ed25519 public key (None in version 1 records)

    def to_json(self) -> str:
        """The record as canonical JSON (sorted keys, no spaces), with its format name and version."""
        c = self.commitment
        return canonical({
            "format": FORMAT, "version": VERSION, "request": self.request.as_dict(),
            "pool": {code: sorted(ids) for code, ids in self.pool.items()},
            "exclusions": [[e.expert_id, e.reason_code, e.detail] for e in self.exclusions],
            "inputs_hash": self.inputs_hash,
            "commitment": {"secret_hash": c.secret_hash, "inputs_hash": c.inputs_hash,
                           "beacon_round": c.beacon_round, "commitment_hash": c.commitment_hash},
            "committed_at": format_time(self.committed_at), "pulse": self.pulse.as_dict(),
            "secret": self.secret.hex(), "seed": self.seed.hex(), "ranking": self.ranking,
            "calls": [{"expert_id": k.expert_id, "specialty": k.specialty, "outcome": k.outcome,
                       "at": format_time(k.at), "signature": k.signature.hex() if k.signature else None}
                      for k in self.calls],
            "gateway_key": self.gateway_key.hex() if self.gateway_key else None,
            "panel": self.panel.as_dict(),
        }).decode("utf-8")

    @classmethod
    def from_json(cls, text: str | bytes) -> DrawRecord:
        """A record from ``to_json``'s form, or a refusal saying it is not one."""
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT or data.get("version") not in (1, VERSION):
                raise DomainError(N_("This is not a draw record of format %(format)s version %(version)s."),
                                  field="record", format=FORMAT, version=VERSION)
            c = data["commitment"]
            return cls(
                Request.from_dict(data["request"]),
                {code: [int(i) for i in ids] for code, ids in data["pool"].items()},
                tuple(Exclusion(int(i), str(r), str(d)) for i, r, d in data["exclusions"]),
                str(data["inputs_hash"]),
                Commitment(str(c["secret_hash"]), str(c["inputs_hash"]), int(c["beacon_round"]),
                           str(c["commitment_hash"])),
                parse_time(data["committed_at"]), Pulse.from_dict(data["pulse"]), bytes.fromhex(data["secret"]),
                bytes.fromhex(data["seed"]), {code: [int(i) for i in ids] for code, ids in data["ranking"].items()},
                tuple(CallOutcome(int(k["expert_id"]), str(k["specialty"]), str(k["outcome"]), parse_time(k["at"]),
                                  bytes.fromhex(k["signature"]) if k.get("signature") else None)
                      for k in data["calls"]),
                Panel.from_dict(data["panel"]),
                bytes.fromhex(data["gateway_key"]) if data.get("gateway_key") else None,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise DomainError(N_("The draw record is malformed: %(reason)s."), field="record",
                              reason=f"{type(error).__name__}: {error}") from None


def build_record(request: Request, eligible: Mapping[str, list[int]], exclusions: Iterable[Exclusion],
                 commitment: Commitment, committed_at: datetime, pulse: Pulse, secret: bytes,
                 calls: Iterable[CallOutcome], gateway_key: bytes | None = None) -> DrawRecord:
    """The record of a draw from its frozen inputs, commitment, pulse, revealed secret, calls (with the
    gateway's signatures) and the gateway's public key."""
    digest = inputs_hash(request, eligible, exclusions)
    drawn = seed(secret, digest, pulse.output)
    ranking = rank(drawn, eligible)
    calls = tuple(calls)
    return DrawRecord(request, {c: sorted(ids) for c, ids in eligible.items()}, tuple(sorted(exclusions)), digest,
                      commitment, committed_at, pulse, secret, drawn, ranking, calls, seat(ranking, request, calls),
                      gateway_key)


def _seat_text(s: Seat) -> str:
    """A seat as shown in a difference."""
    return f"{s.specialty}#{s.expert_id}{' (backup)' if s.backup else ''} at position {s.position}"


def _inputs_problems(record: DrawRecord) -> list[str]:
    """Differences in the frozen inputs and the commitment."""
    found = []
    if set(record.pool) != set(record.request.codes):
        found.append(f"pool snapshot: specialties {sorted(record.pool)} but the request asks for "
                     f"{list(record.request.codes)}")
    where: dict[int, str] = {}
    for code, ids in record.pool.items():
        for i in ids:
            if i in where:
                found.append(f"pool snapshot: expert {i} is listed under {where[i]} and {code}")
            where[i] = code
    for e in record.exclusions:
        if e.expert_id in where:
            found.append(f"expert {e.expert_id} is both eligible ({where[e.expert_id]}) and excluded ({e.reason_code})")
    digest = inputs_hash(record.request, record.pool, record.exclusions)
    if digest != record.inputs_hash:
        found.append(f"inputs hash: the request, pool snapshot and exclusions hash to {digest}, "
                     f"the record says {record.inputs_hash}")
    c = record.commitment
    if c.inputs_hash != digest:
        found.append(f"commitment: it commits to inputs hash {c.inputs_hash}, the inputs hash to {digest}")
    if commitment_digest(c.secret_hash, c.inputs_hash, c.beacon_round) != c.commitment_hash:
        found.append("commitment hash: it does not match the committed secret hash, inputs hash and round")
    if hashlib.sha256(record.secret).hexdigest() != c.secret_hash:
        found.append(f"secret: the revealed secret hashes to {hashlib.sha256(record.secret).hexdigest()}, "
                     f"the commitment says {c.secret_hash}")
    return found


def _call_text(position: int, call: CallOutcome) -> str:
    """A call as named in a difference."""
    return (f"call {position} (expert {call.expert_id}, {call.specialty}, {call.outcome} at "
            f"{format_time(call.at)})")


def unsigned_calls(record: DrawRecord) -> list[int]:
    """The positions (1 = first) of the calls that carry no gateway signature."""
    return [position for position, call in enumerate(record.calls, start=1) if call.signature is None]


def _call_problems(record: DrawRecord, gateway_key: bytes | None, allow_unsigned: bool) -> list[str]:
    """Each call's gateway signature checked against the trusted gateway key (else the key the record names)."""
    found = []
    if gateway_key is not None and record.gateway_key is not None and gateway_key != record.gateway_key:
        found.append(f"gateway key: the record names {record.gateway_key.hex()}, the trusted gateway key is "
                     f"{gateway_key.hex()}: the calls were signed by someone else")
    key = gateway_key if gateway_key is not None else record.gateway_key
    unsigned = unsigned_calls(record)
    if unsigned and not allow_unsigned:
        found.append(f"{'call' if len(unsigned) == 1 else 'calls'} {', '.join(map(str, unsigned))}: no gateway "
                     f"signature ({len(unsigned)} of {len(record.calls)} calls), so their outcomes and times are "
                     "unauthenticated: anyone could have written them")
    signed = [(p, c) for p, c in enumerate(record.calls, start=1) if c.signature is not None]
    if signed and key is None:
        found.append("calls: they are signed, but the record names no gateway key and none was given")
        return found
    verifier = Ed25519PublicKey.from_public_bytes(key) if signed else None
    for position, call in signed:
        subject = call_subject(record.commitment.commitment_hash, record.request.lot_code, position,
                               call.expert_id, call.specialty)
        try:
            verifier.verify(call.signature, call_statement(subject, call.outcome, call.at))
        except InvalidSignature:
            found.append(f"{_call_text(position, call)}: the gateway's signature does not match: the outcome, time, "
                         "expert or position was changed after the gateway signed it")
    return found


def verify(record: DrawRecord, beacon_key: bytes | None = None, gateway_key: bytes | None = None, *,
           allow_unsigned: bool = False) -> list[str]:
    """Replay a draw record: [] for MATCH, else each difference in words. The pulse is checked against
    ``beacon_key`` and every call's signature against ``gateway_key`` (each taken from the record if None, which
    proves the record intact but not whose keys these are). Unsigned calls are a difference unless
    ``allow_unsigned``."""
    found = _inputs_problems(record)
    pulse, c = record.pulse, record.commitment
    if pulse.round != c.beacon_round:
        found.append(f"pulse: it is of round {pulse.round}, the commitment names round {c.beacon_round}")
    try:
        verify_pulse(pulse, beacon_key if beacon_key is not None else pulse.public_key)
    except DomainError as error:
        found.append(f"pulse: {error.render()}")
    if pulse.time <= record.committed_at:
        found.append(f"pulse: round {pulse.round} was published at {format_time(pulse.time)}, not after the "
                     f"commitment at {format_time(record.committed_at)}")
    found.extend(_call_problems(record, gateway_key, allow_unsigned))
    if record.calls and record.calls[0].at < pulse.time:
        found.append(f"calls: the first call, at {format_time(record.calls[0].at)}, was made before the pulse "
                     f"that decides the ranking ({format_time(pulse.time)})")
    digest = inputs_hash(record.request, record.pool, record.exclusions)
    drawn = seed(record.secret, digest, pulse.output)
    if drawn != record.seed:
        found.append(f"seed: the secret, inputs and pulse give {drawn.hex()}, the record says {record.seed.hex()}")
    ranking = rank(drawn, record.pool)
    for code in sorted(set(ranking) | set(record.ranking)):
        mine, theirs = ranking.get(code, []), record.ranking.get(code, [])
        if mine != theirs:
            at = next((i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b),
                      min(len(mine), len(theirs)))
            replay = mine[at] if at < len(mine) else "nothing"
            recorded = theirs[at] if at < len(theirs) else "nothing"
            found.append(f"ranking of {code}: differs from position {at + 1} (replay {replay}, record {recorded})")
    try:
        panel = seat(ranking, record.request, record.calls)
    except DomainError as error:
        found.append(f"calls: {error.render()}")
        return found
    if panel != record.panel:
        mine, theirs = set(map(_seat_text, panel.seats)), set(map(_seat_text, record.panel.seats))
        parts = []
        if theirs - mine:
            parts.append(f"the record seats {', '.join(sorted(theirs - mine))}, which the replay does not")
        if mine - theirs:
            parts.append(f"the replay seats {', '.join(sorted(mine - theirs))}, which the record does not")
        found.append("panel: " + ("; ".join(parts) or "the same seats, but their order, times or open seats differ"))
    return found

"""The random drawing of experts (专家抽取), pure and replayable (DESIGN §6).

1. ``recuse`` freezes the inputs: who is eligible per requested specialty, who is excluded and why.
   ``check_supply`` refuses a draw that cannot fill its seats before anything is committed.
2. ``commit`` binds a fresh 32-byte secret (by its hash), the inputs hash and a future beacon round.
3. ``seed`` = HMAC-SHA256(secret, inputs hash || pulse output); ``rank`` orders each specialty's eligible
   experts by HMAC-SHA256(seed, "code|id"), ties by id: no modulo, no shuffle, no dependence on row order.
4. ``seat`` replays the calls down the ranking; ``next_to_call`` says who is next while a seat is open.
5. ``DrawRecord`` is the exported record and ``verify`` replays it without a database: [] means MATCH
   (``drawing/record.py``, importable from here); ``drawing/cli.py`` is its command line,
   ``python -m trading.domain.drawing verify FILE``.

Matching: an expert qualifies for a requested specialty when one of its codes is that code or lies under it
(catalogue codes are prefixes of their descendants). An expert who qualifies for several requested
specialties is assigned, before the draw, to exactly one: the one it matches most closely (the longest
code), and among equally close ones the first in the request. So the eligible lists are disjoint, each expert
is ranked and called at most once, and a draw that passes ``check_supply`` fills every seat when everyone
called accepts. Exclusions are recorded only for experts who qualify for a requested specialty, with the
first reason in ``REASONS`` order. Backups are seats too: a specialty has count + backups seats; the first
``count`` acceptances are members, the rest backups.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .. import regions
from ..audit import canonical, format_time
from ..calendar import local_date
from ..errors import N_, DomainError
from ..experts import ExpertRecord

FORMAT = "trading.draw-record"
VERSION = 2  # 2 adds each call's gateway signature and the gateway's public key; 1 is still read
CALL_STATEMENT = "trading.draw-call-outcome"
REASONS = ("removed", "suspended", "penalised", "blacklisted", "works_for_tenderee", "works_for_regulator",
           "works_for_bidder", "tie_to_bidder", "relative_of_bidder", "recently_drawn", "same_region")
OUTCOMES = ("accepted", "declined", "no_answer", "conflict")
# Why an expert was left out, as the centre writes it on the draw record (the page and the archive).
REASON_NAMES_ZH = {"works_for_tenderee": "本单位为招标人", "works_for_bidder": "工作单位为投标人",
                   "relative_of_bidder": "近亲属为投标人主要负责人", "recently_drawn": "近期已被抽中",
                   "suspended": "暂停评标资格", "removed": "已被清退", "same_region": "与招标人同一地区",
                   "penalised": "曾因招标投标违法行为受过处罚", "works_for_regulator": "工作单位为行政监督部门",
                   "tie_to_bidder": "与投标人有或近年有劳动、任职或控股关系", "blacklisted": "列入失信名单"}

_CODE = re.compile(r"[ABC](?:[0-9]{2})*", re.ASCII)
_HEX64 = re.compile(r"[0-9a-f]{64}", re.ASCII)


def parse_time(text: str) -> datetime:
    """A UTC time from ``format_time``'s form (ISO 8601 ending in Z)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Request:
    """What staff ask for: per specialty (code, count, backups), same-region exclusion, time, place, cooldown."""

    lot_code: str
    specialties: tuple[tuple[str, int, int], ...]
    exclude_same_region: bool
    evaluation_at: datetime
    place: str
    cooldown_days: int
    rules_version: str

    def __post_init__(self):
        needs = tuple((str(code).strip().upper(), int(count), int(backups))
                      for code, count, backups in self.specialties)
        object.__setattr__(self, "specialties", needs)
        codes = [code for code, _, _ in needs]
        if not needs:
            raise DomainError(N_("Ask for at least one specialty."), field="specialties")
        for code, count, backups in needs:
            if not _CODE.fullmatch(code) or count < 1 or backups < 0:
                raise DomainError(N_("Specialty %(code)s: a catalogue code, at least 1 expert and no negative "
                                     "number of backups."), field="specialties", code=code)
        if len(set(codes)) != len(codes):
            raise DomainError(N_("Each specialty is asked for once."), field="specialties")
        if self.cooldown_days < 0:
            raise DomainError(N_("The cooldown cannot be negative."), field="cooldown_days")

    @property
    def codes(self) -> tuple[str, ...]:
        """The requested specialty codes in request order."""
        return tuple(code for code, _, _ in self.specialties)

    def seats(self, code: str) -> tuple[int, int]:
        """(count, backups) for one requested specialty."""
        return next((count, backups) for c, count, backups in self.specialties if c == code)

    def as_dict(self) -> dict:
        """The request as JSON values."""
        return {"lot_code": self.lot_code, "specialties": [list(need) for need in self.specialties],
                "exclude_same_region": self.exclude_same_region,
                "evaluation_at": format_time(self.evaluation_at),
                "place": self.place, "cooldown_days": self.cooldown_days, "rules_version": self.rules_version}

    @classmethod
    def from_dict(cls, data: dict) -> Request:
        """A request from ``as_dict``'s form."""
        return cls(data["lot_code"], tuple(tuple(need) for need in data["specialties"]),
                   bool(data["exclude_same_region"]), parse_time(data["evaluation_at"]), data["place"],
                   int(data["cooldown_days"]), data["rules_version"])


@dataclass(frozen=True, order=True)
class Exclusion:
    """One expert left out of the draw, with the reason code and a detail (an organisation, a date, a region)."""

    expert_id: int
    reason_code: str
    detail: str


def index_pool(pool: Iterable[ExpertRecord]) -> dict[str, list[ExpertRecord]]:
    """The pool grouped by the experts' own specialty codes, so that a draw looks only at relevant experts."""
    index: dict[str, list[ExpertRecord]] = {}
    for expert in pool:
        for code in expert.specialties:
            index.setdefault(code, []).append(expert)
    return index


def _assign(specialties: frozenset[str], ordered: list[str]) -> str | None:
    """The requested code an expert is assigned to (``ordered``: longest first, then request order), or None."""
    for wanted in ordered:
        if any(own.startswith(wanted) for own in specialties):
            return wanted
    return None


def _near(region: str) -> frozenset[str]:
    """The region codes that count as the same region: this one, those under it and those above it."""
    codes = set(regions.descendants(region))
    current = regions.get(region)
    while current is not None and current.parent:
        codes.add(current.parent)
        current = regions.get(current.parent)
    return frozenset(codes)


def tie_cutoff(now: datetime, years: int | None) -> date | None:
    """The earliest end of a past tie that still recuses an expert: the same date ``years`` before ``now``'s
    Beijing date (a tie that ended on it is within the years; 29 February counts from 28 February); None when past
    ties do not count (only ties that still hold do)."""
    if years is None:
        return None
    day = local_date(now)
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _tie(expert: ExpertRecord, bidder_ids: set[int], cutoff: date | None) -> tuple[int, date | None] | None:
    """The expert's first tie to a bidder that recuses it: one that still holds, or (``cutoff``) ended on or after
    the cutoff."""
    for org_id, ended_on in sorted(expert.ties, key=lambda t: (t[0], t[1] or date.max)):
        if org_id in bidder_ids and (ended_on is None or (cutoff is not None and ended_on >= cutoff)):
            return org_id, ended_on
    return None


def _reason(expert: ExpertRecord, request: Request, tenderee_id: int | None, bidder_ids: set[int],
            near: frozenset[str], now: datetime, regulator_ids: frozenset[int] = frozenset(),
            cutoff: date | None = None, barred: frozenset[int] = frozenset()) -> tuple[str, str] | None:
    """The first reason (in REASONS order) to leave an expert out, with its detail; None if eligible."""
    if expert.status == "removed":
        return "removed", ""
    if expert.status == "suspended" and (expert.suspended_until is None or expert.suspended_until > now):
        return "suspended", format_time(expert.suspended_until) if expert.suspended_until else "indefinite"
    if expert.status not in ("active", "suspended"):
        raise ValueError(f"expert {expert.expert_id} has the unknown status {expert.status!r}")
    if expert.penalised_on is not None:
        return "penalised", expert.penalised_on.isoformat()
    if expert.expert_id in barred:
        return "blacklisted", ""
    if expert.employer_id is not None and expert.employer_id == tenderee_id:
        return "works_for_tenderee", f"organisation {tenderee_id}"
    if expert.employer_id is not None and expert.employer_id in regulator_ids:
        return "works_for_regulator", f"organisation {expert.employer_id}"
    if expert.employer_id is not None and expert.employer_id in bidder_ids:
        return "works_for_bidder", f"organisation {expert.employer_id}"
    tie = _tie(expert, bidder_ids, cutoff) if expert.ties else None
    if tie is not None:
        return "tie_to_bidder", f"organisation {tie[0]} until {tie[1].isoformat() if tie[1] else 'now'}"
    kin = expert.relatives_of & bidder_ids
    if kin:
        return "relative_of_bidder", "organisations " + ",".join(map(str, sorted(kin)))
    if expert.last_drawn_at is not None and expert.last_drawn_at > now - timedelta(days=request.cooldown_days):
        return "recently_drawn", format_time(expert.last_drawn_at)
    if expert.region_code in near:
        return "same_region", expert.region_code
    return None


@dataclass(frozen=True)
class Screen:
    """Which experts ``recuse`` must see in full (kept in step with ``_reason``): those whose status is not
    'active', who were penalised, whose employer is one of ``organisations`` (the parties and the regulators) or
    who declared a relative or a tie there, who were last drawn after ``drawn_after``, or (when ``regions`` is not
    None) whose region is one of ``regions``. No reason can leave out any other expert, so a caller that asks its
    database for the kept ones only passes the others to ``recuse`` as ``cleared``, by id and specialties. The
    screen may keep more than needed, never fewer."""

    organisations: frozenset[int]
    drawn_after: datetime
    regions: frozenset[str] | None
    barred: frozenset[int] = frozenset()  # experts the blacklist bars at the draw (services.credit)

    def keeps(self, expert: ExpertRecord) -> bool:
        """Whether the screen keeps ``expert`` (what the caller's query must select)."""
        return (expert.status != "active" or expert.employer_id in self.organisations
                or expert.penalised_on is not None or expert.expert_id in self.barred
                or not self.organisations.isdisjoint(expert.relatives_of)
                or not self.organisations.isdisjoint(org for org, _ in expert.ties)
                or (expert.last_drawn_at is not None and expert.last_drawn_at > self.drawn_after)
                or (self.regions is not None and expert.region_code in self.regions))


def _check_region(request: Request, tenderee_region: str | None) -> None:
    if request.exclude_same_region and not tenderee_region:
        raise DomainError(N_("Give the tenderee's region to keep out experts of the same region."),
                          field="exclude_same_region")


def screen(request: Request, *, tenderee_id: int | None, bidder_ids: set[int], tenderee_region: str | None,
           now: datetime, regulator_ids: frozenset[int] = frozenset(), recusal_years: int | None = None,
           barred: frozenset[int] = frozenset()) -> Screen:
    """The screen for a draw: the tenderee, the regulators and the bidders, the cooldown a day early (stored times
    compare as text in some databases), the tenderee's region and those around it when same-region experts are
    left out."""
    _check_region(request, tenderee_region)
    organisations = (frozenset(bidder_ids) | frozenset(regulator_ids)
                     | ({tenderee_id} if tenderee_id is not None else frozenset()))
    return Screen(organisations, now - timedelta(days=request.cooldown_days + 1),
                  _near(tenderee_region) if request.exclude_same_region else None, frozenset(barred))


def recuse(pool: Iterable[ExpertRecord] | Mapping[str, list[ExpertRecord]], request: Request, *,
           tenderee_id: int | None, bidder_ids: set[int], tenderee_region: str | None,
           now: datetime, cleared: Mapping[int, frozenset[str]] | None = None,
           regulator_ids: frozenset[int] = frozenset(), recusal_years: int | None = None,
           barred: frozenset[int] = frozenset()) -> tuple[dict[str, list[int]], list[Exclusion]]:
    """Eligible expert ids per requested specialty (sorted) and the exclusions (sorted), as of ``now``.

    Same region means the expert's region is the tenderee's or lies under it, or the other way round: pass
    the prefecture's code to keep out the experts of the whole city. ``pool`` may be an ``index_pool``.
    ``cleared``: experts that ``screen`` does not keep (id -> specialties), eligible wherever they qualify.
    Left out besides (评标委员会和评标方法暂行规定 Art. 12): experts penalised before, and the staff of the
    ``regulator_ids`` (the supervisory bodies); the experts the blacklist bars (``barred``);
    a tie to a bidder that still holds; and with ``recusal_years``
    (procurement, 政府采购法实施条例 Art. 9) a tie that ended within those years before the draw.
    """
    position = {code: i for i, code in enumerate(request.codes)}
    ordered = sorted(request.codes, key=lambda c: (-len(c), position[c]))
    if isinstance(pool, Mapping):
        pool = [e for key, experts in pool.items() if any(key.startswith(c) for c in ordered) for e in experts]
    _check_region(request, tenderee_region)
    near = _near(tenderee_region) if request.exclude_same_region else frozenset()
    bidders, regulators, cutoff = set(bidder_ids), frozenset(regulator_ids), tie_cutoff(now, recusal_years)
    eligible: dict[str, list[int]] = {code: [] for code in request.codes}
    exclusions: list[Exclusion] = []
    seen: set[int] = set()
    assigned: dict[frozenset[str], str | None] = {}
    for expert in pool:
        if expert.expert_id in seen:
            continue
        if expert.specialties not in assigned:
            assigned[expert.specialties] = _assign(expert.specialties, ordered)
        code = assigned[expert.specialties]
        if code is None:
            continue
        seen.add(expert.expert_id)
        reason = _reason(expert, request, tenderee_id, bidders, near, now, regulators, cutoff, frozenset(barred))
        if reason is None:
            eligible[code].append(expert.expert_id)
        else:
            exclusions.append(Exclusion(expert.expert_id, *reason))
    for expert_id, held in (cleared or {}).items():
        if expert_id in seen:
            continue
        if held not in assigned:
            assigned[held] = _assign(held, ordered)
        if assigned[held] is not None:
            seen.add(expert_id)
            eligible[assigned[held]].append(expert_id)
    exclusions.sort(key=lambda e: (e.expert_id, e.reason_code, e.detail))
    return {code: sorted(ids) for code, ids in eligible.items()}, exclusions


def check_supply(eligible: Mapping[str, list[int]], request: Request, rule: str) -> None:
    """Refuse, naming each short specialty and by how many, when the eligible experts cannot fill the seats."""
    shortages = []
    for code, count, backups in request.specialties:
        available = len(eligible.get(code, ()))
        if available < count + backups:
            shortages.append({"code": code, "needed": count + backups, "available": available,
                              "short": count + backups - available})
    if shortages:
        summary = "; ".join(f"{s['code']}: {s['needed']} needed, {s['available']} eligible, short by {s['short']}"
                            for s in shortages)
        raise DomainError(N_("Too few eligible experts (%(summary)s)."), field="specialties", rule=rule,
                          summary=summary, code=shortages[0]["code"], short=shortages[0]["short"],
                          shortages=shortages)


def inputs_hash(request: Request, eligible: Mapping[str, Iterable[int]], exclusions: Iterable[Exclusion]) -> str:
    """SHA-256 hex of the canonical frozen inputs: request, sorted eligible ids, sorted exclusions, rules version."""
    return hashlib.sha256(canonical({
        "request": request.as_dict(),
        "eligible": {code: sorted(ids) for code, ids in eligible.items()},
        "exclusions": sorted([e.expert_id, e.reason_code, e.detail] for e in exclusions),
        "rules_version": request.rules_version,
    })).hexdigest()


@dataclass(frozen=True)
class Commitment:
    """What is logged before any randomness exists: the secret's hash, the inputs hash, the future round."""

    secret_hash: str
    inputs_hash: str
    beacon_round: int
    commitment_hash: str


def commitment_digest(secret_hash: str, digest: str, beacon_round: int) -> str:
    """SHA-256 hex of the canonical commitment body."""
    return hashlib.sha256(canonical({"secret_hash": secret_hash, "inputs_hash": digest,
                                     "beacon_round": beacon_round})).hexdigest()


def commit(inputs_hash: str, secret: bytes, beacon_round: int) -> Commitment:
    """Commit to a fresh 32-byte secret, the frozen inputs and the beacon round whose pulse will be used."""
    if len(secret) != 32 or not _HEX64.fullmatch(inputs_hash):
        raise ValueError("commit needs a 32-byte secret and a SHA-256 hex inputs hash")
    secret_hash = hashlib.sha256(secret).hexdigest()
    digest = commitment_digest(secret_hash, inputs_hash, beacon_round)
    return Commitment(secret_hash, inputs_hash, beacon_round, digest)


def seed(secret: bytes, inputs_hash: str, pulse_output: bytes) -> bytes:
    """HMAC-SHA256(secret, inputs hash bytes || pulse output)."""
    return hmac.new(secret, bytes.fromhex(inputs_hash) + pulse_output, hashlib.sha256).digest()


def _hmac_states(key: bytes) -> tuple:
    """HMAC-SHA256's inner and outer hash states after the key block (RFC 2104), to be copied per message: the
    same values as ``hmac.digest``, without redoing the key schedule for each of tens of thousands of experts."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return hashlib.sha256(bytes(b ^ 0x36 for b in key)), hashlib.sha256(bytes(b ^ 0x5C for b in key))


def rank(seed: bytes, eligible: Mapping[str, Iterable[int]]) -> dict[str, list[int]]:
    """Each specialty's experts ordered by HMAC-SHA256(seed, "code|id"), ties by id."""
    inner, outer = _hmac_states(seed)
    ranking = {}
    for code, ids in eligible.items():
        keyed = []
        for i in ids:
            message, digest = inner.copy(), outer.copy()
            message.update(f"{code}|{i}".encode())
            digest.update(message.digest())
            keyed.append((digest.digest(), i))
        keyed.sort()
        ranking[code] = [i for _, i in keyed]
    return ranking


@dataclass(frozen=True)
class CallOutcome:
    """One call of the draw: whom, for which specialty, the outcome and when, and the calling gateway's Ed25519
    signature over ``call_statement`` (None for calls recorded before the gateway signed)."""

    expert_id: int
    specialty: str
    outcome: str
    at: datetime
    signature: bytes | None = field(default=None, repr=False)


def call_subject(commitment_hash: str, lot_code: str, position: int, expert_id: int, specialty: str) -> dict:
    """What the platform tells the gateway when it places a call: which draw, which call (1 = first), whom."""
    return {"draw": commitment_hash, "lot_code": lot_code, "position": int(position), "expert_id": int(expert_id),
            "specialty": specialty}


def call_statement(subject: Mapping, outcome: str, at: datetime) -> bytes:
    """The bytes the gateway signs when a call ends: canonical JSON of the subject, the outcome and the time."""
    return canonical({"statement": CALL_STATEMENT, **subject, "outcome": outcome, "at": format_time(at)})


@dataclass(frozen=True)
class Seat:
    """An expert who accepted: specialty, member or backup, position in the ranking (1 = first), when."""

    expert_id: int
    specialty: str
    backup: bool
    position: int
    at: datetime


@dataclass(frozen=True)
class Panel:
    """The seats filled so far, the open seats per specialty, and specialties whose ranking ran out."""

    seats: tuple[Seat, ...]
    open: dict[str, int]
    exhausted: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Whether every seat (members and backups) is filled."""
        return not any(self.open.values())

    def as_dict(self) -> dict:
        """The panel as JSON values."""
        return {"seats": [{"expert_id": s.expert_id, "specialty": s.specialty, "backup": s.backup,
                           "position": s.position, "at": format_time(s.at)} for s in self.seats],
                "open": dict(self.open), "exhausted": list(self.exhausted)}

    @classmethod
    def from_dict(cls, data: dict) -> Panel:
        """A panel from ``as_dict``'s form."""
        return cls(tuple(Seat(int(s["expert_id"]), s["specialty"], bool(s["backup"]), int(s["position"]),
                              parse_time(s["at"])) for s in data["seats"]),
                   {k: int(v) for k, v in data["open"].items()}, tuple(data["exhausted"]))


def _call_error(message: str, number: int, call: CallOutcome, **params) -> DomainError:
    """A refusal of the ``number``-th call (1-based)."""
    return DomainError(message, field="calls", call=number, expert_id=call.expert_id, code=call.specialty, **params)


def _replay(ranking: Mapping[str, list[int]], request: Request,
            outcomes: Iterable[CallOutcome]) -> tuple[Panel, dict[str, int]]:
    """The panel after the calls, and how far down each ranking the calls went; refuses a call out of turn."""
    reached = {code: 0 for code in request.codes}
    filled = dict.fromkeys(request.codes, 0)
    called: dict[int, int] = {}
    seats: list[Seat] = []
    last = None
    for number, call in enumerate(outcomes, start=1):
        if call.outcome not in OUTCOMES:
            raise _call_error(N_("Call %(call)s: unknown outcome %(outcome)s."), number, call, outcome=call.outcome)
        if call.specialty not in reached or call.specialty not in ranking:
            raise _call_error(N_("Call %(call)s is for %(code)s, which the draw did not ask for."), number, call)
        if call.expert_id in called:
            raise _call_error(N_("Call %(call)s calls expert %(expert_id)s a second time (first: call %(first)s)."),
                              number, call, first=called[call.expert_id])
        count, backups = request.seats(call.specialty)
        if filled[call.specialty] >= count + backups:
            raise _call_error(N_("Call %(call)s calls expert %(expert_id)s for %(code)s, whose seats are all "
                                 "filled."), number, call)
        order = ranking[call.specialty]
        expected = order[reached[call.specialty]] if reached[call.specialty] < len(order) else None
        if call.expert_id != expected:
            raise _call_error(N_("Call %(call)s calls expert %(expert_id)s for %(code)s out of ranking order: the "
                                 "next in the ranking is %(expected)s."), number, call,
                              expected="nobody" if expected is None else expected)
        if last is not None and call.at < last:
            raise _call_error(N_("Call %(call)s is dated before the call made ahead of it."), number, call)
        last, called[call.expert_id] = call.at, number
        reached[call.specialty] += 1
        if call.outcome == "accepted":
            filled[call.specialty] += 1
            seats.append(Seat(call.expert_id, call.specialty, filled[call.specialty] > count,
                              reached[call.specialty], call.at))
    open_seats = {code: sum(request.seats(code)) - filled[code] for code in request.codes}
    exhausted = tuple(code for code in request.codes
                      if open_seats[code] and reached[code] >= len(ranking.get(code, ())))
    return Panel(tuple(seats), open_seats, exhausted), reached


def seat(ranking: Mapping[str, list[int]], request: Request, outcomes: Iterable[CallOutcome]) -> Panel:
    """The panel the calls, replayed in order, produce; refuses a call out of order, for a full seat, or repeated."""
    return _replay(ranking, request, outcomes)[0]


def next_to_call(ranking: Mapping[str, list[int]], request: Request,
                 outcomes: Iterable[CallOutcome]) -> tuple[str, int] | None:
    """(specialty, expert id) of the next call, first open specialty in request order; None when none is left."""
    panel, reached = _replay(ranking, request, outcomes)
    for code in request.codes:
        if panel.open[code] and reached[code] < len(ranking[code]):
            return code, ranking[code][reached[code]]
    return None


# The exported record builds on everything above, so it is imported last (and re-exported).
from .record import DrawRecord as DrawRecord, build_record as build_record, verify as verify  # noqa: E402

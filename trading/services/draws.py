"""专家抽取 (DESIGN §6): recusal frozen and hashed, a commitment before any randomness, the ranking from the
committed secret and a future beacon pulse, automated calls down the ranking, the panel kept from staff and
the tenderee until the evaluation starts, and the record that anyone can replay after the award."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..domain import beacon as beacons, drawing, gcpause, lifecycle, specialties
from ..domain.committee import committee_rules
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..models import Draw, DrawCall, Expert, Lot, Organisation, Registration
from ..notify import CallScript, KeypadGateway, SimulatedGateway, render_script
from . import audit, beacon, credit, experts, keys, rulebook, visibility

RULES_VERSION = "rules-2026.1"
DRAW_SECRET = "draw-secret"  # the at-rest purpose that keeps a draw's secret until its reveal


def request_of(draw: Draw) -> drawing.Request:
    """The stored request as the domain's Request."""
    data = draw.request
    return drawing.Request(lot_code=data["lot_code"], specialties=tuple(tuple(s) for s in data["specialties"]),
                           exclude_same_region=data["exclude_same_region"], evaluation_at=draw.evaluation_at,
                           place=draw.place, cooldown_days=data["cooldown_days"], rules_version=data["rules_version"])


def draws_of(session, lot: Lot) -> list[Draw]:
    """The draws of the lot's current round, oldest first."""
    return list(session.scalars(sa.select(Draw).where(Draw.lot_id == lot.id, Draw.round == lot.round)
                                .order_by(Draw.number)))


def create(ctx, session, actor, now: datetime, lot: Lot, *, wanted: list[tuple[str, int, int]],
           exclude_same_region: bool, evaluation_at: datetime, place: str, gateway: str = "simulated",
           reason: str = "") -> Draw:
    """Freeze the recusal (the cooldown of the rules in force), refuse a short supply before anything is committed,
    and commit to a future beacon round; the secret is kept sealed at rest. The first draw of a round is made by
    centre staff; another needs a supervisor and a written reason."""
    earlier = [d for d in draws_of(session, lot) if d.status != "cancelled"]
    if earlier:
        if actor is None or not actor.has_role("supervisor"):
            raise Forbidden(N_("A second draw for the same lot needs a supervisor's written reason."), field="reason",
                            rule="construction.committee_secret")
        if len((reason or "").strip()) < 4:
            raise DomainError(N_("Write why the lot is drawn again; both draws stay on record."), field="reason",
                              rule="construction.committee_secret")
    elif actor is None or not actor.has_role("staff"):
        raise Forbidden(N_("Centre staff run the draw."), field="draw")
    if lot.state not in lifecycle.DRAWING:
        raise DomainError(N_("Experts are drawn for a lot in trading (announced, opening or evaluating)."),
                          field="lot", rule="platform.five_stages")
    size_rule = "construction.committee_size"  # land tenders borrow the construction committee
    if lot.project.trade_type in ("construction", "procurement"):  # single source has none: refused
        size_rule = committee_rules(lot.project.trade_type, lot.method, lot.budget, lot.complex,
                                    rules=rulebook.of_lot(ctx, session, lot))[0]
    if evaluation_at <= now:
        raise DomainError(N_("The evaluation time must be in the future."), field="evaluation_at")
    place = (place or "").strip()
    if not place:
        raise DomainError(N_("Enter the evaluation place."), field="place")
    if gateway not in ("simulated", "keypad"):
        raise DomainError(N_("Choose how the calls are answered."), field="gateway")
    catalogue = specialties.load()
    cleaned = []
    for code, count, backups in wanted:
        catalogue.check(code)
        if count < 1 or backups < 0 or count + backups > 30:
            raise DomainError(N_("Ask for 1 to 30 experts of %(code)s, backups included."), field="specialties",
                              code=code)
        cleaned.append((code, int(count), int(backups)))
    if not cleaned:
        raise DomainError(N_("Ask for at least one specialty."), field="specialties")
    in_force = rulebook.of_lot(ctx, session, lot)
    cooldown = int(in_force.value("experts.cooldown"))
    recusal_years = int(in_force.value("procurement.recusal_years")) if lot.project.trade_type == "procurement" \
        else None
    request = drawing.Request(lot_code=lot.deal_code, specialties=tuple(cleaned),
                              exclude_same_region=exclude_same_region, evaluation_at=evaluation_at, place=place,
                              cooldown_days=cooldown, rules_version=RULES_VERSION)
    bidder_ids = set(session.scalars(sa.select(Registration.bidder_id).where(Registration.lot_id == lot.id,
                                                                             Registration.round == lot.round)))
    tenderees = lot.project.party_ids()
    regulators = frozenset(session.scalars(sa.select(Organisation.id).where(
        Organisation.org_type == "supervisory_body")))  # the one supervisory body (五统一): its staff never evaluate
    parties = {"tenderee_id": lot.project.tenderee_id, "bidder_ids": bidder_ids,
               "tenderee_region": lot.project.region_code, "now": now, "regulator_ids": regulators,
               "recusal_years": recusal_years, "barred": frozenset(credit.barred_expert_ids(session, now))}
    with gcpause.paused():  # tens of thousands of short-lived objects, no cycles
        pool, clear = experts.for_draw(session, [code for code, _, _ in cleaned], drawing.screen(request, **parties))
        eligible, exclusions = drawing.recuse(pool, request, cleared=clear, **parties)
    drawing.check_supply(eligible, request, size_rule)
    digest = drawing.inputs_hash(request, eligible, exclusions)
    secret = os.urandom(32)
    round_number = beacons.round_at(now) + 2  # a round whose pulse does not exist yet
    commitment = drawing.commit(digest, secret, round_number)
    draw = Draw(lot_id=lot.id, round=lot.round, number=len(draws_of(session, lot)) + 1, status="committed",
                request={"lot_code": lot.deal_code, "specialties": [list(s) for s in cleaned],
                         "exclude_same_region": exclude_same_region, "cooldown_days": cooldown,
                         "rules_version": RULES_VERSION, "gateway": gateway, "tenderees": sorted(tenderees),
                         "regulators": sorted(regulators), "recusal_years": recusal_years},
                evaluation_at=evaluation_at, place=place, snapshot={k: list(v) for k, v in eligible.items()},
                exclusions=[{"expert_id": e.expert_id, "reason": e.reason_code, "detail": e.detail}
                            for e in exclusions],
                inputs_hash=digest,
                secret_sealed=keys.seal_at_rest(ctx, DRAW_SECRET, secret, commitment.commitment_hash),
                secret_hash=commitment.secret_hash, commitment_hash=commitment.commitment_hash,
                beacon_round=round_number, reason=(reason or "").strip(), created_by_id=actor.id, created_at=now)
    del secret
    session.add(draw)
    session.flush()
    audit.record(session, actor, now, "draw.commit", object_type="lot", object_id=lot.id,
                 rule="construction.committee_secret",
                 payload={"draw_id": draw.id, "number": draw.number, "inputs_hash": digest,
                          "secret_hash": commitment.secret_hash, "commitment": commitment.commitment_hash,
                          "beacon_round": round_number, "eligible": {k: len(v) for k, v in eligible.items()},
                          "excluded": len(exclusions), "reason": draw.reason})
    return draw


def _outcomes(draw: Draw) -> list[drawing.CallOutcome]:
    """The finished calls of a draw, in order, with the gateway's signatures."""
    return [drawing.CallOutcome(c.expert_id, c.specialty, c.outcome, c.finished_at, c.signature)
            for c in draw.calls if c.outcome]


class _CallStore:
    """The gateways' per-call state, kept on the DrawCall row (so a call survives across requests)."""

    def __init__(self, session):
        self.session = session

    def get(self, call_id: str) -> dict | None:
        row = self.session.scalar(sa.select(DrawCall).where(DrawCall.call_id == call_id))
        return dict(row.gateway_state) if row is not None and row.gateway_state else None

    def set(self, call_id: str, state: dict) -> None:
        row = self.session.scalar(sa.select(DrawCall).where(DrawCall.call_id == call_id))
        row.gateway_state = dict(state)


def gateway_for(session, draw: Draw, timeout: int = 60, signing_key=None):
    """The draw's voice gateway: simulated (seeded from the commitment) or the keypad page; with the gateway's
    key (``ctx.keyring.gateway_key``) it signs the outcomes."""
    store = _CallStore(session)
    if draw.request.get("gateway") == "keypad":
        return KeypadGateway(store=store, timeout_seconds=max(timeout, 600), signing_key=signing_key)
    return SimulatedGateway(seed=int(draw.commitment_hash[:12], 16), timeout_seconds=timeout, store=store,
                            signing_key=signing_key)


def script_for(draw: Draw, lot: Lot, code: str, centre_name: str) -> str:
    """The Chinese call script for one specialty of the draw."""
    catalogue = specialties.load()
    name = catalogue.get(code).name if catalogue.get(code) else code
    return render_script(CallScript(project=lot.project.name, lot=lot.name, specialty_name=name,
                                     evaluation_at=draw.evaluation_at, place=draw.place, centre_name=centre_name))


def advance(ctx, session, now: datetime, draw: Draw) -> Draw:
    """Move a draw on at ``now``: rank once the beacon pulse (signed by the platform's beacon key) exists, collect
    answered calls (signed by the gateway's key), and call the next ranked expert while a seat is open (one call at a
    time), in the centre's name."""
    if draw.status in ("complete", "cancelled"):
        return draw
    lot = session.get(Lot, draw.lot_id)
    request = request_of(draw)
    if draw.ranking is None:
        pulse = beacon.pulse(session, draw.beacon_round, now, ctx.keyring.beacon_key)
        if pulse is None:
            return draw
        secret = keys.open_at_rest(ctx, DRAW_SECRET, draw.secret_sealed, draw.commitment_hash)
        seed = drawing.seed(secret, draw.inputs_hash, pulse.output)
        draw.ranking = drawing.rank(seed, draw.snapshot)
        draw.status = "calling"
        audit.record(session, None, now, "draw.rank", object_type="lot", object_id=lot.id,
                     rule="construction.committee_secret",
                     payload={"draw_id": draw.id, "beacon_round": pulse.round, "pulse": pulse.output.hex()})
    gateway = gateway_for(session, draw, signing_key=ctx.keyring.gateway_key)
    for call in draw.calls:
        if call.outcome is None:
            result = gateway.poll(call.call_id, now)
            if result is None:
                return draw  # one call at a time: wait for it
            _finish_call(ctx, session, now, draw, lot, call, result, gateway.attest(call.call_id, now))
    following = drawing.next_to_call(draw.ranking, request, _outcomes(draw))
    panel = drawing.seat(draw.ranking, request, _outcomes(draw))
    if following is None or not any(panel.open.values()):
        draw.status = "complete"
        audit.record(session, None, now, "draw.complete", object_type="lot", object_id=lot.id,
                     rule="construction.committee_size",
                     payload={"draw_id": draw.id, "seats": len(panel.seats), "open": dict(panel.open)})
        return draw
    code, expert_id = following
    expert = session.get(Expert, expert_id)
    call = DrawCall(seq=len(draw.calls) + 1, expert_id=expert_id, specialty=code, call_id=uuid.uuid4().hex,
                    placed_at=now, gateway_state={})
    draw.calls.append(call)
    session.flush()
    gateway.place_call(call.call_id, expert.mobile, script_for(draw, lot, code, ctx.centre_name(session)), now,
                       subject=drawing.call_subject(draw.commitment_hash, request.lot_code, call.seq, expert_id, code))
    audit.record(session, None, now, "draw.call", object_type="lot", object_id=lot.id,
                 payload={"draw_id": draw.id, "seq": call.seq, "specialty": code})
    return draw


def _finish_call(ctx, session, now: datetime, draw: Draw, lot: Lot, call: DrawCall, result,
                 signature: bytes | None) -> None:
    """Record a call's outcome, with the gateway's signature, on the call and on the expert's record."""
    call.outcome, call.keys, call.signature = result.outcome, result.keys, signature
    call.answered_at, call.finished_at = result.answered_at, result.finished_at
    expert = session.get(Expert, call.expert_id)
    expert.draws += 1
    if result.outcome == "accepted":
        expert.last_drawn_at = result.finished_at
    history = [(c.finished_at, c.outcome) for c in session.scalars(
        sa.select(DrawCall).where(DrawCall.expert_id == expert.id, DrawCall.outcome.is_not(None)))]
    experts.count_outcome(ctx, session, now, expert, result.outcome, history)
    session.flush()
    audit.record(session, None, result.finished_at, "draw.answer", object_type="lot", object_id=lot.id,
                 payload={"draw_id": draw.id, "seq": call.seq, "specialty": call.specialty,
                          "outcome": result.outcome, "signature": signature.hex() if signature else None})


def panel(draw: Draw) -> drawing.Panel | None:
    """The seats filled so far (None before the ranking)."""
    if draw.ranking is None:
        return None
    return drawing.seat(draw.ranking, request_of(draw), _outcomes(draw))


def names_visible(session, user, lot: Lot, now: datetime) -> bool:
    """Whether ``user`` may see who was drawn (the visibility policy: the supervisor always, staff from the start
    of the evaluation, everyone else from the award)."""
    return visibility.sees(session, user, lot, visibility.Fact.PANEL_NAMES, now)


def _secretly_seated(session, user, draw: Draw, now: datetime) -> dict[int, int]:
    """The experts the draw left out as recently drawn whose seat is on another lot's panel still secret from
    ``user``: expert id -> that lot's id."""
    recent = [e["expert_id"] for e in draw.exclusions if e["reason"] == "recently_drawn"]
    if not recent:
        return {}
    seats = session.execute(sa.select(DrawCall.expert_id, Draw.lot_id).join(Draw).where(
        DrawCall.expert_id.in_(recent), DrawCall.outcome == "accepted", Draw.lot_id != draw.lot_id,
        DrawCall.finished_at <= draw.created_at)).all()
    shown = visibility.seen_lots(session, user, {s.lot_id for s in seats}, visibility.Fact.PANEL_NAMES, now)
    return {s.expert_id: s.lot_id for s in seats if s.lot_id not in shown}


def visible_exclusions(session, user, draw: Draw, now: datetime) -> list[dict]:
    """The draw's exclusions as ``user`` may see them: an expert left out as recently drawn was seated on another
    lot's panel, so the entry is withheld while that lot's panel is still secret from ``user``."""
    withheld = _secretly_seated(session, user, draw, now)
    return [e for e in draw.exclusions if not (e["reason"] == "recently_drawn" and e["expert_id"] in withheld)]


def names_secret_panels(session, user, lot: Lot, now: datetime) -> bool:
    """True when a draw record of ``lot`` (complete, as the archive holds it) names an expert seated on another
    lot's panel that is still secret from ``user``: the record cannot be cut without breaking its replay, so the
    file that holds it waits until that panel may be named."""
    return any(_secretly_seated(session, user, draw, now) for draw in session.scalars(sa.select(Draw).where(
        Draw.lot_id == lot.id, Draw.round == lot.round, Draw.revealed_secret.is_not(None))))


def reveal(ctx, session, actor, now: datetime, draw: Draw) -> Draw:
    """After the award: store the secret in clear so anyone can replay the draw."""
    lot = session.get(Lot, draw.lot_id)
    if lot.state not in lifecycle.DECIDED:
        raise DomainError(N_("The draw's secret is revealed only after the award."), field="draw",
                          rule="construction.committee_secret")
    if draw.revealed_secret is None:
        secret = keys.open_at_rest(ctx, DRAW_SECRET, draw.secret_sealed, draw.commitment_hash)
        draw.revealed_secret = secret.hex()
        draw.revealed_at = now
        audit.record(session, actor, now, "draw.reveal", object_type="lot", object_id=lot.id,
                     rule="construction.committee_secret",
                     payload={"draw_id": draw.id, "secret": draw.revealed_secret})
    return draw


def record(ctx, session, draw: Draw) -> drawing.DrawRecord:
    """The complete, replayable record of a revealed draw, with the platform's calling gateway's public key."""
    if draw.revealed_secret is None:
        raise DomainError(N_("The draw's secret is revealed only after the award."), field="draw",
                          rule="construction.committee_secret")
    pulse = beacon.pulse(session, draw.beacon_round, beacons.time_of(draw.beacon_round), ctx.keyring.beacon_key)
    request = request_of(draw)
    exclusions = [drawing.Exclusion(e["expert_id"], e["reason"], e["detail"]) for e in draw.exclusions]
    commitment = drawing.Commitment(draw.secret_hash, draw.inputs_hash, draw.beacon_round, draw.commitment_hash)
    return drawing.build_record(request, draw.snapshot, exclusions, commitment, draw.created_at, pulse,
                                bytes.fromhex(draw.revealed_secret), _outcomes(draw),
                                gateway_key=ctx.keyring.gateway_key.public_key().public_bytes_raw())


def get(session, draw_id: int) -> Draw:
    """A draw by id, or NotFound."""
    row = session.get(Draw, draw_id)
    if row is None:
        raise NotFound(N_("No such draw."), field="draw")
    return row


CALL_TIMEOUT = timedelta(seconds=60)


@dataclass(frozen=True)
class Counters:
    """An expert's call counters as a viewer may see them."""

    draws: int = 0
    accepted: int = 0
    declines: int = 0
    no_answers: int = 0


def visible_counters(session, user, expert_ids: list[int], now: datetime) -> dict[int, Counters]:
    """Each expert's draw counters counting only the draws whose panel ``user`` may see (the supervisor sees the
    stored totals): a counter that moved with a draw still sealed would tell who was called."""
    if user is not None and user.has_role("supervisor"):
        return {e.id: Counters(e.draws, e.accepted, e.declines, e.no_answers) for e in session.scalars(
            sa.select(Expert).where(Expert.id.in_(expert_ids)))}
    rows = session.execute(sa.select(DrawCall.expert_id, DrawCall.outcome, Draw.lot_id).join(Draw).where(
        DrawCall.expert_id.in_(expert_ids), DrawCall.outcome.is_not(None))).all()
    shown = visibility.seen_lots(session, user, {r.lot_id for r in rows}, visibility.Fact.PANEL_NAMES, now)
    tally: dict[int, dict[str, int]] = {i: {"draws": 0, "accepted": 0, "declined": 0, "no_answer": 0}
                                        for i in expert_ids}
    for expert_id, outcome, lot_id in rows:
        if lot_id in shown:
            tally[expert_id]["draws"] += 1
            if outcome in tally[expert_id]:
                tally[expert_id][outcome] += 1
    return {i: Counters(t["draws"], t["accepted"], t["declined"], t["no_answer"]) for i, t in tally.items()}

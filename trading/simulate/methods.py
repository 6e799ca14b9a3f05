"""The demo's lots of the non-tender procurement methods, each walked from filing to the contract through the
services, as people would take them in the browser: a single-source lot (its one named supplier responds, the
response is opened, the tenderee records the negotiation at a lower price, the result is published, awarded and
contracted) and a competitive-negotiation lot (three suppliers respond, a group of three experts is drawn by the
simulated phone, evaluates by the lowest price, and the result follows)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from ..domain import calendar, methods as rule_methods, schedule
from ..models import Lot, User
from ..services import announcements, chronograph, draws, evaluation as room, negotiations, opening, result
from . import lots as walk
from .demo import DEMO_KEY_PASSPHRASE

SINGLE_SOURCE_PRICES = ["2380000.00"]
NEGOTIATION_PRICES = ["1218000.00", "1196000.00", "1235000.00"]
CONTRACT_AFTER_DAYS = 1  # the contract is signed the day after the award


def _bidders(people: walk.Cast, names: tuple[str, ...]) -> list[User]:
    return [next(b for b in people.bidders if b.username == name) for name in names]


def _open(ctx, session, people: walk.Cast, lot: Lot) -> datetime:
    """At the deadline: the clock step moves the lot to its opening; two key holders release their shares and the
    bids open. Returns the time the bids opened."""
    at = lot.bid_deadline
    chronograph.tick(ctx, session, at)
    for minutes, holder in ((5, people.staff), (8, people.supervisor)):
        opening.release_share(ctx, session, holder, at + timedelta(minutes=minutes), lot, DEMO_KEY_PASSPHRASE)
    return at + timedelta(minutes=8)


def _draw(ctx, session, people: walk.Cast, lot: Lot, at: datetime):
    """Staff draw the lot's experts (one backup per specialty) on the simulated phone, before the deadline (from
    ``at``: late, so that lot 5's draw of yesterday has few beacon pulses to catch up on)."""
    evaluation_at = lot.bid_deadline + timedelta(hours=1)
    wanted = [(s.code, s.count, 1) for s in lot.specialties]
    for attempt in range(3):  # a ranking can run out before the seats fill (rarely): the supervisor draws again
        actor, reason = (people.staff, "") if attempt == 0 else (people.supervisor, "首次抽取人数不足，重新抽取。")
        draw = draws.create(ctx, session, actor, at, lot, wanted=wanted, exclude_same_region=False,
                            evaluation_at=evaluation_at, place="咸宁市公共资源交易中心谈判室1", reason=reason)
        while draw.status != "complete" and at < lot.bid_deadline:
            draws.advance(ctx, session, at, draw)
            at += timedelta(seconds=20)
        if draw.status == "complete" and _members_seated(draw, wanted):
            return draw
    raise RuntimeError("the demo draw did not fill its seats")


def _members_seated(draw, wanted) -> bool:
    """Whether the draw seated every member asked for: a draw whose ranking ran out is complete with seats open
    (人数不足), and the supervisor must draw again."""
    seats = draws.panel(draw).seats
    return all(sum(1 for s in seats if s.specialty == code and not s.backup) >= count for code, count, _ in wanted)


def evaluate(ctx, session, people: walk.Cast, lot: Lot, opened_at: datetime):
    """The committee or group in the closed room: statements, a chair, every response found compliant (and 80% of
    each criterion's points under comprehensive scoring), the report confirmed by all; staff publish the result.
    Returns the evaluation (the result is published at its ``opens_at``)."""
    evaluation, _passwords = room.start(ctx, session, people.staff, opened_at, lot)
    return finish(ctx, session, people, lot, evaluation)


def finish(ctx, session, people: walk.Cast, lot: Lot, evaluation):
    """``evaluate`` from an evaluation started (the room accounts made): what the committee and staff do once the
    room opens. Returns the evaluation."""
    at = evaluation.opens_at
    seated = [m for m in evaluation.members if m.status == "seated"]
    for member in seated:
        room.sign_statement(session, member.user, at, evaluation, conflict=False)
    for member in seated:
        room.vote_chair(session, member.user, at, evaluation, seated[0].id)
    scores = {c["name"]: str(Decimal(c["weight"]) * Decimal("0.8")) for c in lot.criteria or [] if not c.get("price")}
    for member in seated:
        for entry in room.opened_entries(session, lot):
            room.vote_compliance(session, member.user, at, evaluation, entry.bid_id, True)
            if evaluation.method == "comprehensive":
                room.score(session, member.user, at, evaluation, entry.bid_id, scores)
    room.submit_report(ctx, session, seated[0].user, at, evaluation)
    for member in seated:
        room.confirm_report(session, member.user, at, evaluation)
    result.publish(ctx, session, people.staff, at, lot)
    return evaluation


def _evaluate(ctx, session, people: walk.Cast, lot: Lot, opened_at: datetime) -> datetime:
    """``evaluate``, returning the time the result was published."""
    return evaluate(ctx, session, people, lot, opened_at).opens_at


def _negotiate(ctx, session, people: walk.Cast, lot: Lot, opened_at: datetime) -> datetime:
    """The tenderee's negotiators meet the one supplier the next day and record the price agreed."""
    at = opened_at + timedelta(days=1)
    negotiations.conclude(ctx, session, people.tenderee, at, lot, rule_methods.Negotiation(
        negotiated_on=calendar.local_date(at), place="咸宁市公共资源交易中心谈判室2", negotiators="陈静、王磊、刘洋",
        cost_note="供应商提供了三年维保的人工和备件成本构成，以及省内三家医院同型号设备维保合同（231万至245万元）。",
        price="2310000.00",
        justification="参照同类合同价格的下限商定为231万元，含三年原厂维保、软件升级、备件和每年两次预防性维护。"))
    return at


def _start(ctx, sample_name: str, now: datetime) -> datetime:
    """The latest whole number of days before ``now`` from which the walk (announcement, the method's window, a day
    to evaluate or negotiate, the result notice, the award and a contract the next day) ends over a day before
    ``now``: the later the walk, the fewer beacon pulses lot 5's draw of yesterday emits to catch up."""
    method = walk.SAMPLES[sample_name].method
    for days in range(5, 90):
        start = now - timedelta(days=days)
        deadline = schedule.propose("procurement", method, start, ctx.rules).bid_deadline
        notice_end = result.period_end(deadline + timedelta(days=1), ctx.rules["procurement.result_period"])
        signed_on = calendar.add_days(calendar.local_date(notice_end + timedelta(hours=10)), CONTRACT_AFTER_DAYS)
        if calendar.start_of_local_day(signed_on) + timedelta(hours=10) < now - timedelta(days=1):
            return start
    raise RuntimeError("no start found for the demo walk")


def to_contract(ctx, session, people: walk.Cast, now: datetime, sample_name: str, prices: list[str],
                bidder_names: tuple[str, ...]) -> Lot:
    """Create the sample's lot as late before ``now`` as it allows (``_start``) and walk it to a registered
    contract."""
    start = _start(ctx, sample_name, now)
    lot = walk.create(ctx, session, people, start, sample_name)
    walk.advance(ctx, session, people, start, lot, "method_approved")
    announcements.publish(ctx, session, people.tenderee, start, lot, announcements.propose(ctx, lot, start))
    walk.submit_bids(ctx, session, people, start + timedelta(hours=2), lot, prices,
                     bidders=_bidders(people, bidder_names))
    single_source = lot.method == rule_methods.SINGLE_SOURCE
    if not single_source:
        _draw(ctx, session, people, lot, lot.bid_deadline - timedelta(hours=2))
    opened_at = _open(ctx, session, people, lot)
    published_at = (_negotiate if single_source else _evaluate)(ctx, session, people, lot, opened_at)
    publicity = result.publicity_of(session, lot)
    awarded_at = max(published_at, publicity.ends_at) + timedelta(hours=10)
    award = result.award(ctx, session, people.tenderee, awarded_at, lot, 1)
    signed_on = calendar.add_days(calendar.local_date(awarded_at), CONTRACT_AFTER_DAYS)
    result.register_contract(ctx, session, people.tenderee,
                             calendar.start_of_local_day(signed_on) + timedelta(hours=10), lot,
                             number=f"咸采合〔2026〕{lot.id:03d}号", signed_on=signed_on, amount=str(award.price))
    session.flush()
    return lot


def load(ctx, session, now: datetime) -> list[str]:
    """The single-source and the competitive-negotiation lot, walked to the contract once (after the expert pool is
    loaded); one line per lot."""
    people = walk.cast(session)
    lines = []
    for name, prices, bidders, note in (
            ("procurement-single-source", SINGLE_SOURCE_PRICES, ("bidder4",), "单一来源，协商后成交"),
            ("procurement-negotiation", NEGOTIATION_PRICES, ("bidder4", "bidder5", "bidder6"),
             "竞争性谈判，3人谈判小组")):
        lot = walk.existing(session, name) or to_contract(ctx, session, people, now, name, prices, bidders)
        lines.append(f"  lot {lot.id:<3} {'procurement':<13} {lot.state:<16} {lot.project.name}（{note}）")
    return lines

"""Lots walked through the services for the tests: a sample lot announced on the demo's people (``announced_lot``),
and a construction lot walked from its filing to the archive (``simulate.lots`` create and advance, then the opening,
the evaluation room, the result and the contract) with each step on a known day, and one member's outlying mark:
the material of the performance and marks-review tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from tests.conftest import FIXED_NOW
from trading.domain import calendar
from trading.models import Evaluation, Lot, User
from trading.platform import current_platform
from trading.services import announcements, archive, chronograph, draws, evaluation as room, opening, result
from trading.simulate import demo, experts as demo_experts, lots as walk

KEY_PASS = demo.DEMO_KEY_PASSPHRASE
PRICES = ["38100000.00", "37650000.50", "36980000.00"]
OUTLIER = Decimal("12")  # the fifth member's 施工组织设计 for the first bid (the others give 24 of 30)


def announced_lot(ctx, session, now: datetime, sample: str = "construction", signed_up: int = 0):
    """The demo's people and a ``sample`` lot filed and announced at ``now``, with its first ``signed_up`` demo
    bidders signed up: ``(people, lot)``."""
    demo.load(session, now)
    session.flush()
    people = walk.cast(session)
    lot = walk.create(ctx, session, people, now, sample)
    walk.advance(ctx, session, people, now, lot, "announced")
    if signed_up:
        walk.sign_up(session, people, now, lot, signed_up)
    return people, lot


def at(day: date, hour: int = 10) -> datetime:
    """``hour`` o'clock Beijing time on ``day``."""
    return calendar.start_of_local_day(day) + timedelta(hours=hour)


@dataclass
class Walked:
    """The lot, the people, the evaluation and when each step was taken."""

    lot: Lot
    people: walk.Cast
    evaluation: Evaluation
    times: dict[str, datetime]
    signed_on: date | None = None


def _panel(ctx, session, people, lot, at_: datetime) -> None:
    """Staff draw the panel; every expert called accepts on the keypad."""
    wanted = [(s.code, s.count, 1) for s in lot.specialties]
    draw = draws.create(ctx, session, people.staff, at_, lot, wanted=wanted, exclude_same_region=False,
                        evaluation_at=lot.bid_deadline + timedelta(hours=2), place="封闭评标室3", gateway="keypad")
    gateway = draws.gateway_for(session, draw)
    while draw.status != "complete":
        draws.advance(ctx, session, at_, draw)
        waiting = [c for c in draw.calls if c.outcome is None]
        if waiting:
            gateway.press(waiting[0].call_id, "1", at_ + timedelta(seconds=5))
        at_ += timedelta(seconds=30)


def evaluate(ctx, session, lot: Lot, evaluation: Evaluation, *, outlier: Decimal = OUTLIER, confirm: bool = True):
    """Statements, a chair, every bid compliant; every member gives 80% of each factor's points but the fifth, who
    gives the first bid ``outlier`` for 施工组织设计; the chair submits the report, everyone confirms (``confirm``)."""
    seated = [m for m in evaluation.members if m.status == "seated"]
    users = [session.get(User, m.user_id) for m in seated]
    t = evaluation.opens_at
    for user in users:
        room.sign_statement(session, user, t, evaluation, conflict=False)
    for user in users:
        room.vote_chair(session, user, t, evaluation, seated[0].id)
    entries = room.opened_entries(session, lot)
    for index, user in enumerate(users):
        for entry in entries:
            room.vote_compliance(session, user, t, evaluation, entry.bid_id, True)
            scores = {"施工组织设计": "24.00", "项目管理机构": "8.00"}
            if index == 4 and entry is entries[0]:
                scores["施工组织设计"] = str(outlier)
            room.score(session, user, t, evaluation, entry.bid_id, scores)
    room.submit_report(ctx, session, users[0], t, evaluation)
    if confirm:
        for user in users:
            room.confirm_report(session, user, t, evaluation)


def walked(session, *, certify_on: date = date(2026, 3, 6), contract_days: int = 30, until: str = "archive",
           outlier: Decimal = OUTLIER) -> Walked:
    """The demo's construction lot, filed Monday 2 March 2026 (FIXED_NOW); certified on ``certify_on`` (Friday 6:
    4 working days, one over the centre's 3); the method asked and approved on Monday 9 March, announced Tuesday 10;
    three bids; opened at the deadline; the room opened at once and the report confirmed when it opens; candidates
    published 2 days later; awarded the day after the publicity; the contract signed ``contract_days`` after the
    award and registered 2 days after that; archived 3 days later. ``until``: "report" stops after the report."""
    ctx = current_platform()
    demo.load(session, FIXED_NOW)
    demo_experts.load(ctx, session, FIXED_NOW)
    people = walk.cast(session)
    times = {"file": FIXED_NOW}
    lot = walk.create(ctx, session, people, FIXED_NOW, "construction")
    walk.advance(ctx, session, people, FIXED_NOW, lot, "filed")
    times["certify"] = at(certify_on)
    walk.advance(ctx, session, people, times["certify"], lot, "certified")
    times["approve_method"] = at(date(2026, 3, 9), 15)
    walk.advance(ctx, session, people, times["approve_method"], lot, "method_approved")
    times["announce"] = at(date(2026, 3, 10))
    announcements.publish(ctx, session, people.tenderee, times["announce"], lot,
                          announcements.propose(ctx, lot, times["announce"]))
    walk.submit_bids(ctx, session, people, at(date(2026, 3, 11)), lot, PRICES)
    _panel(ctx, session, people, lot, at(date(2026, 3, 12)))
    times["close_bidding"] = lot.bid_deadline
    chronograph.tick(ctx, session, lot.bid_deadline)
    for holder in (people.staff, people.supervisor):
        opening.release_share(ctx, session, holder, lot.bid_deadline, lot, KEY_PASS)
    times["start_evaluation"] = lot.bid_deadline + timedelta(minutes=30)
    evaluation, _ = room.start(ctx, session, people.staff, times["start_evaluation"], lot)
    evaluate(ctx, session, lot, evaluation, outlier=outlier, confirm=until != "report")
    times["confirm_report"] = evaluation.opens_at
    found = Walked(lot, people, evaluation, times)
    if until == "report":
        session.flush()
        return found
    times["start_publicity"] = evaluation.opens_at + timedelta(days=2)
    publicity = result.publish(ctx, session, people.staff, times["start_publicity"], lot)
    times["award"] = publicity.ends_at + timedelta(hours=10)
    award = result.award(ctx, session, people.tenderee, times["award"], lot, 1)
    found.signed_on = calendar.add_days(calendar.local_date(times["award"]), contract_days)
    times["register_contract"] = at(calendar.add_days(found.signed_on, 2))
    result.register_contract(ctx, session, people.tenderee, times["register_contract"], lot, number="咸建合〔2026〕1号",
                             signed_on=found.signed_on, amount=str(award.price))
    times["archive"] = times["register_contract"] + timedelta(days=3)
    archive.create(ctx, session, people.staff, times["archive"], lot)
    session.flush()
    return found

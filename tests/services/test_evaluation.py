"""Stages 3–5 after the opening through the services with a fixed clock: the closed evaluation room, the
candidate publicity with objections, the award, the contract, the deposit refunds and the warnings."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from trading.domain import archive as bundle, calendar, drawing
from trading.domain.errors import DomainError, Forbidden
from trading.models import AuditEntry, BankTransfer, Deal, Deposit, Expert, ReleasedShare, User, UserRole
from trading.platform import current_platform
from trading.services import (
    archive,
    chronograph,
    draws,
    evaluation as room,
    opening,
    result,
    statistics,
)
from trading.simulate import demo, experts as demo_experts, lots as walk

KEY_PASS = demo.DEMO_KEY_PASSPHRASE  # the demo holders' key-holder passphrase (not their login password)


class Scene:
    """A construction lot opened with three bids and a complete draw, ready for the evaluation."""

    def __init__(self, session, now, tmp_path, prices, trade_type="construction"):
        self.ctx = ctx = current_platform()  # the app's (the web tests share this scene)
        demo.load(session, now)
        demo_experts.load(ctx, session, now)
        self.people = people = walk.cast(session)
        self.store = ctx.store  # the app's blob store
        self.lot = lot = walk.create(ctx, session, people, now, trade_type)
        walk.advance(ctx, session, people, now, lot, "announced")
        self.platform = ctx.platform_keys()
        self.bids = walk.submit_bids(ctx, session, people, now, lot, prices)
        wanted = [(s.code, s.count, 1) for s in lot.specialties]  # one backup per specialty
        draw = draws.create(ctx, session, people.staff, now, lot, wanted=wanted, exclude_same_region=False,
                            evaluation_at=lot.bid_deadline + timedelta(hours=2), place="封闭评标室3",
                            gateway="keypad")
        at, gateway = now, draws.gateway_for(session, draw)
        while draw.status != "complete":  # every expert called accepts on the keypad: the panel is always full
            draws.advance(ctx, session, at, draw)
            waiting = [c for c in draw.calls if c.outcome is None]
            if waiting:
                gateway.press(waiting[0].call_id, "1", at + timedelta(seconds=5))
            at += timedelta(seconds=30)
        self.draw, self.key, self.gateway_key = draw, ctx.keyring.beacon_key, ctx.keyring.gateway_key
        self.at = lot.bid_deadline
        chronograph.tick(ctx, session, self.at)
        for holder in (people.staff, people.supervisor):
            opening.release_share(ctx, session, holder, self.at, lot, KEY_PASS)
        self.session = session

    def start(self):
        self.evaluation, self.passwords = room.start(self.ctx, self.session, self.people.staff, self.at, self.lot)
        self.in_room = self.evaluation.opens_at
        return self.evaluation

    def members(self):
        return [m for m in self.evaluation.members if m.status == "seated"]

    def user(self, member) -> User:
        return self.session.get(User, member.user_id)

    def everyone_signs_and_elects(self):
        for m in self.members():
            room.sign_statement(self.session, self.user(m), self.in_room, self.evaluation, conflict=False)
        first = self.members()[0]
        for m in self.members():
            room.vote_chair(self.session, self.user(m), self.in_room, self.evaluation, first.id)
        return first

    def mark_all(self, compliant=lambda bid, member: True):
        """Every member votes and gives every bid 80% of each criterion's points."""
        scores = {c["name"]: str(Decimal(c["weight"]) * Decimal("0.8"))
                  for c in self.lot.criteria if not c.get("price")}
        for m in self.members():
            for bid in self.bids:
                room.vote_compliance(self.session, self.user(m), self.in_room, self.evaluation, bid.id,
                                     compliant(bid, m), "" if compliant(bid, m) else "资质不符")
                room.score(self.session, self.user(m), self.in_room, self.evaluation, bid.id, scores)

    def to_publicity(self):
        """The whole evaluation, every bid compliant: statements, chair, marks, the report signed and confirmed by
        every member, the candidates published. Returns the publicity."""
        self.start()
        chair = self.everyone_signs_and_elects()
        self.mark_all()
        room.submit_report(self.ctx, self.session, self.user(chair), self.in_room, self.evaluation)
        for m in self.members():
            room.confirm_report(self.session, self.user(m), self.in_room, self.evaluation)
        return result.publish(self.ctx, self.session, self.people.staff, self.in_room, self.lot)


@pytest.fixture
def scene(app, session, now, tmp_path):
    return Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])


def test_the_evaluation_waits_for_the_panel_and_seats_members_with_room_accounts(session, scene):
    with pytest.raises(Forbidden):
        room.start(scene.ctx, session, scene.people.tenderee, scene.at, scene.lot)
    evaluation = scene.start()
    assert scene.lot.state == "evaluating"
    assert len(scene.members()) == 5 and sum(m.status == "reserve" for m in evaluation.members) == 2
    # experts without a login get a centre room account, whose password appears once
    # (about 59 bits, in letters that cannot be misread on the printed sheet: no 0/o, 1/l/i)
    assert scene.passwords and all(re.fullmatch(r"[a-hjkmnp-z2-9]{4}(-[a-hjkmnp-z2-9]{4}){2}", p)
                                   for p in scene.passwords.values())
    assert len(set(scene.passwords.values())) == len(scene.passwords)
    created = session.scalar(sa.select(User).where(User.username == f"pw{evaluation.id}-1"))
    assert created is None or created.has_role("expert")


def test_only_seated_members_in_the_window_enter_and_a_statement_comes_first(session, scene):
    evaluation = scene.start()
    member = scene.members()[0]
    with pytest.raises(Forbidden):  # a bidder, the tenderee, an expert of another lot: not members
        room.require_member(session, scene.people.tenderee, scene.in_room, evaluation)
    with pytest.raises(Forbidden):  # before the room opens
        room.require_member(session, scene.user(member), scene.in_room - timedelta(minutes=1), evaluation)
    with pytest.raises(Forbidden):  # after it closes
        room.require_member(session, scene.user(member), evaluation.closes_at, evaluation)
    with pytest.raises(DomainError) as refused:
        room.vote_compliance(session, scene.user(member), scene.in_room, evaluation, scene.bids[0].id, True)
    assert refused.value.field == "statement"


def test_a_declared_conflict_removes_the_member_and_seats_the_next_ranked_backup(session, scene):
    evaluation = scene.start()
    leaving = next(m for m in scene.members() if m.specialty == "A080201")
    backup = next(m for m in evaluation.members if m.status == "reserve" and m.specialty == "A080201")
    room.sign_statement(session, scene.user(leaving), scene.in_room, evaluation, conflict=True,
                        reason="本人配偶在投标人处任职")
    assert leaving.status == "removed" and backup.status == "seated" and len(scene.members()) == 5
    with pytest.raises(Forbidden):
        room.require_member(session, scene.user(leaving), scene.in_room, evaluation)
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "evaluation.conflict"))
    assert entry.payload["replacement_seat"] == backup.seat


def test_the_full_life_of_a_construction_lot_to_the_contract_with_refunds(session, scene):
    evaluation = scene.start()
    chair = scene.everyone_signs_and_elects()
    assert evaluation.chair_member_id == chair.id
    scene.mark_all()
    with pytest.raises(Forbidden):  # only the chair submits
        room.submit_report(scene.ctx, session, scene.user(scene.members()[1]), scene.in_room, evaluation)
    room.submit_report(scene.ctx, session, scene.user(chair), scene.in_room, evaluation)
    report = evaluation.report
    # equal technical scores: the lowest price (bidder 3) has the full price score and ranks first
    assert [c["label"] for c in report["candidates"]] == ["投标人C", "投标人B", "投标人A"]
    assert report["scores"]["投标人C"]["price_score"] == "60.00" and report["scores"]["投标人C"]["total"] == "92.00"
    assert report["candidates"][0]["name"] == scene.bids[2].bidder.name
    with pytest.raises(DomainError):  # the tenderee publishes only a confirmed report
        result.publish(scene.ctx, session, scene.people.tenderee, scene.in_room, scene.lot)
    for m in scene.members():
        room.confirm_report(session, scene.user(m), scene.in_room, evaluation)
    assert evaluation.status == "confirmed"
    rated = scene.members()[0]
    room.rate_member(session, scene.people.staff, scene.in_room, evaluation, rated.id, 4)
    assert session.get(Expert, rated.expert_id).rating_count == 1
    with pytest.raises(DomainError):  # once per member
        room.rate_member(session, scene.people.staff, scene.in_room, evaluation, rated.id, 5)

    publicity = result.publish(scene.ctx, session, scene.people.tenderee, scene.in_room, scene.lot)
    assert scene.lot.state == "publicity" and publicity.rule == "construction.publicity_period"
    day = calendar.local_date(scene.in_room)
    assert calendar.local_date(publicity.ends_at - timedelta(seconds=1)) == calendar.add_days(day, 3)
    objection = result.raise_objection(scene.ctx, session, scene.people.bidders[0], scene.in_room, scene.lot,
                                       "第一中标候选人项目经理有在建工程，请核查")
    with pytest.raises(DomainError) as refused:  # the award waits for the answer, even after the publicity
        result.award(scene.ctx, session, scene.people.tenderee, publicity.ends_at, scene.lot, 1)
    assert refused.value.rule == "construction.publicity_objection_answer"
    result.answer_objection(session, scene.people.tenderee, scene.in_room + timedelta(days=1), objection.id,
                            "经核查，该项目经理无在建工程，异议不成立。")
    with pytest.raises(DomainError) as early:
        result.award(scene.ctx, session, scene.people.tenderee, scene.in_room, scene.lot, 1)
    assert early.value.field == "publicity_end"
    with pytest.raises(DomainError) as not_first:  # state-funded: the first candidate unless it withdrew
        result.award(scene.ctx, session, scene.people.tenderee, publicity.ends_at, scene.lot, 2)
    assert not_first.value.rule == "construction.award_first_candidate"

    awarded_at = publicity.ends_at + timedelta(hours=10)
    award = result.award(scene.ctx, session, scene.people.tenderee, awarded_at, scene.lot, 1)
    assert scene.lot.state == "awarded" and award.bidder_id == scene.bids[2].bidder_id
    deposits = {d.bidder_id: d for d in session.scalars(sa.select(Deposit).where(Deposit.lot_id == scene.lot.id))}
    losers = [deposits[b.bidder_id] for b in scene.bids[:2]]
    assert all(d.status == "refunded" and d.interest > 0 and not d.refund_late for d in losers)
    assert deposits[award.bidder_id].status == "paid"
    assert scene.draw.revealed_secret is not None  # anyone may now replay the draw
    exported = draws.record(scene.ctx, session, scene.draw)  # the exported record replays
    assert all(call.signature for call in exported.calls)  # every outcome signed by the gateway
    assert drawing.verify(exported, scene.key.public_key().public_bytes_raw(),
                          scene.gateway_key.public_key().public_bytes_raw()) == []
    deal = session.scalar(sa.select(Deal).where(Deal.lot_id == scene.lot.id))  # the statistics' fact row
    assert (deal.price, deal.budget, deal.imported, deal.awarded_on) == (
        award.price, scene.lot.budget, False, calendar.local_date(awarded_at))

    signed = calendar.local_date(awarded_at) + timedelta(days=40)
    late_at = calendar.start_of_local_day(signed) + timedelta(hours=3)
    assert any(w.kind == "contract" for w in result.warnings(scene.ctx, session, late_at))
    with pytest.raises(DomainError) as wrong_price:
        result.register_contract(scene.ctx, session, scene.people.tenderee, late_at, scene.lot, number="HT-1",
                                 signed_on=signed, amount="1")
    assert wrong_price.value.field == "amount"
    contract = result.register_contract(scene.ctx, session, scene.people.tenderee, late_at, scene.lot,
                                        number="HT-2026-001", signed_on=signed, amount=str(award.price))
    assert contract.late and scene.lot.state == "contracted"
    assert session.scalar(sa.select(Deal.contracted_on).where(Deal.lot_id == scene.lot.id)) == signed
    winner = deposits[award.bidder_id]
    assert winner.status == "refunded" and winner.interest > losers[0].interest
    interest = session.scalars(sa.select(BankTransfer).where(BankTransfer.kind == "interest")).all()
    assert len(interest) == 3  # every deposit came back with interest

    with pytest.raises(Forbidden):
        archive.create(scene.ctx, session, scene.people.tenderee, late_at, scene.lot)
    row = archive.create(scene.ctx, session, scene.people.staff, late_at, scene.lot)
    assert scene.lot.state == "archived"
    assert all(r.sealed == b"" for r in session.scalars(sa.select(ReleasedShare)))  # the opening key is gone for good
    public = scene.platform.signing_key.public_key().public_bytes_raw()
    with scene.store.open(row.blob_key) as handle:
        checked = bundle.verify_archive(handle, expected_public_key=public)
    assert checked.ok, checked.problems
    names = {f.split("/")[0] for f in _names(scene.store, row.blob_key)}
    assert names >= {"documents", "envelopes", "opening", "draw", "evaluation", "notices", "audit"}


def _names(store, key):
    import zipfile

    with store.open(key) as handle, zipfile.ZipFile(handle) as z:
        return z.namelist()


def test_a_declared_low_price_needs_the_bidders_explanation_and_the_chairs_decision(app, session, now, tmp_path):
    scene = Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "26000000.00"])
    evaluation = scene.start()
    chair = scene.everyone_signs_and_elects()
    scene.mark_all()
    cases = room.low_price_cases(session, evaluation)
    assert [c.bid_id for c in cases] == [scene.bids[2].id]
    with pytest.raises(DomainError) as refused:
        room.submit_report(scene.ctx, session, scene.user(chair), scene.in_room, evaluation)
    assert refused.value.rule == "construction.abnormally_low_price"
    with pytest.raises(DomainError):  # no acceptance before the explanation
        room.decide_low_price(session, scene.user(chair), scene.in_room, evaluation, cases[0].id, "accepted", "合理")
    with pytest.raises(Forbidden):  # another bidder cannot explain
        room.explain_low_price(session, scene.people.bidders[0], scene.in_room, cases[0].id, "价格合理" * 5)
    room.explain_low_price(session, scene.people.bidders[2], scene.in_room, cases[0].id,
                           "本公司自有沥青拌和站，材料成本低于市场价约15%，详见成本分析表。")
    with pytest.raises(Forbidden):  # the chair records the committee's decision
        room.decide_low_price(session, scene.user(scene.members()[1]), scene.in_room, evaluation, cases[0].id,
                              "rejected", "不合理")
    room.decide_low_price(session, scene.user(chair), scene.in_room, evaluation, cases[0].id, "rejected",
                          "成本分析表未能证明报价不低于成本")
    room.submit_report(scene.ctx, session, scene.user(chair), scene.in_room, evaluation)
    assert [c["label"] for c in evaluation.report["candidates"]] == ["投标人B", "投标人A"]
    assert evaluation.report["rejected"][0]["rule"] == "construction.abnormally_low_price"


def test_compliance_decided_by_majority_rejects_a_bid(app, session, now, tmp_path):
    scene = Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
    evaluation = scene.start()
    chair = scene.everyone_signs_and_elects()
    seats = [m.id for m in scene.members()]
    scene.mark_all(compliant=lambda bid, member: bid.id != scene.bids[0].id or member.id == seats[0])
    room.submit_report(scene.ctx, session, scene.user(chair), scene.in_room, evaluation)
    assert [r["label"] for r in evaluation.report["rejected"]] == ["投标人A"]
    assert len(evaluation.report["candidates"]) == 2


def test_fewer_opened_bids_than_the_minimum_cannot_be_evaluated(app, session, now, tmp_path):
    scene = Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
    entry = opening.record(session, scene.lot)[0]
    entry.status = "revoked"
    with pytest.raises(DomainError) as refused:
        room.start(scene.ctx, session, scene.people.staff, scene.at, scene.lot)
    assert refused.value.rule == "construction.min_bids"


def test_the_life_of_a_procurement_package_with_a_one_working_day_result_notice(app, session, now, tmp_path):
    scene = Scene(session, now, tmp_path, ["4650000.00", "4598000.00", "4720000.00"], trade_type="procurement")
    publicity = scene.to_publicity()
    # 价格 30 points: the lowest price (投标人B) has them all; the others' equal technical scores decide nothing
    assert [c["label"] for c in scene.evaluation.report["candidates"]] == ["投标人B", "投标人A", "投标人C"]
    assert publicity.rule == "procurement.result_period"
    day = calendar.local_date(scene.in_room)
    assert calendar.local_date(publicity.ends_at - timedelta(seconds=1)) == calendar.add_working_days(day, 1)
    award = result.award(scene.ctx, session, scene.people.tenderee, publicity.ends_at, scene.lot, 1)
    signed = calendar.local_date(publicity.ends_at) + timedelta(days=3)
    at = calendar.start_of_local_day(signed) + timedelta(hours=9)
    result.register_contract(scene.ctx, session, scene.people.tenderee, at, scene.lot, number="咸采合〔2026〕7号",
                             signed_on=signed, amount=str(award.price))
    refunded = session.scalars(sa.select(Deposit).where(Deposit.lot_id == scene.lot.id)).all()
    assert scene.lot.state == "contracted" and all(d.status == "refunded" for d in refunded)
    assert {d.refund_rule for d in refunded} == {"procurement.deposit_refund"}


def test_a_price_typed_in_full_width_digits_is_parsed_once_and_the_award_and_statistics_read_the_decimal(
        app, session, now, tmp_path):
    """Bidders type their prices as a Chinese keyboard gives them (full-width digits, ¥, 元, thousands commas); the
    bidder tool seals the yuan amount and the opening parses it, once, into the record's Decimal price, keeping the
    text read from the bid for the record. Everything after the opening reads the Decimal: with the kept text
    blanked, the evaluation, the award, the deal and the savings rate come out the same."""
    scene = Scene(session, now, tmp_path, ["４，６５０，０００．００", "¥4,598,000元", "４７２００００"],
                  trade_type="procurement")
    record = opening.record(session, scene.lot)
    assert [e.price for e in record] == [Decimal("4650000.00"), Decimal("4598000.00"), Decimal("4720000.00")]
    assert [e.price_text for e in record] == ["4650000.00", "4598000.00", "4720000.00"]  # as read from the bids
    for entry in record:
        entry.price_text = "见投标函"  # nothing after the opening reads the text
    session.flush()
    publicity = scene.to_publicity()
    assert [c["label"] for c in scene.evaluation.report["candidates"]] == ["投标人B", "投标人A", "投标人C"]
    award = result.award(scene.ctx, session, scene.people.tenderee, publicity.ends_at, scene.lot, 1)
    assert (award.bid_id, award.price) == (scene.bids[1].id, Decimal("4598000.00"))
    deal = session.scalar(sa.select(Deal).where(Deal.lot_id == scene.lot.id))
    assert deal.price == Decimal("4598000.00")
    figures = statistics.savings(session, statistics.Filters(trade_type="procurement"))
    rate = figures["savings_rate"]
    assert (rate.numerator, rate.denominator) == (scene.lot.budget - Decimal("4598000.00"), scene.lot.budget)


def test_outsiders_stay_out_of_the_room_and_the_tenderee_reads_only_the_confirmed_report(session, scene):
    evaluation = scene.start()
    other = User(username="expert-other", display_name="另一名专家", organisation_id=scene.people.staff.organisation_id,
                 password_hash="x", active=True, created_at=scene.at,
                 role_rows=[UserRole(role="expert")])
    session.add(other)
    session.flush()
    for outsider in (other, scene.people.tenderee, scene.people.bidders[0], scene.people.staff):
        with pytest.raises(Forbidden):  # an expert of another lot, the tenderee, a bidder, staff
            room.require_member(session, outsider, scene.in_room, evaluation)
    chair = scene.everyone_signs_and_elects()
    scene.mark_all()
    room.submit_report(scene.ctx, session, scene.user(chair), scene.in_room, evaluation)
    assert not room.may_read_report(session, scene.people.tenderee, scene.lot, evaluation)
    assert room.may_read_report(session, scene.people.supervisor, scene.lot, evaluation)
    for m in scene.members():
        room.confirm_report(session, scene.user(m), scene.in_room, evaluation)
    assert room.may_read_report(session, scene.people.tenderee, scene.lot, evaluation)
    assert not room.may_read_report(session, scene.people.bidders[0], scene.lot, evaluation)

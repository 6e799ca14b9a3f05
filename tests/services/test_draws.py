"""The expert draw through the services: recusal, the commitment before randomness, the ranking from the beacon,
calls down the ranking, names kept from staff, a second draw only with a reason, and replay after the award."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from trading.domain import drawing
from trading.domain.errors import DomainError, Forbidden
from trading.models import AuditEntry, Draw, Expert
from trading.services import draws, experts
from trading.simulate import demo, experts as demo_experts, lots as walk


@pytest.fixture
def scene(ctx, session, now):
    """The demo accounts, the construction lot announced with bidders 1 and 2 signed up, the demo expert pool; the
    platform context, whose keyring signs the beacon's pulses and the calls' outcomes."""
    demo.load(session, now)
    people = walk.cast(session)
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "announced")
    walk.sign_up(session, people, now, lot, 2)
    demo_experts.load(ctx, session, now)
    session.flush()
    return type("Scene", (), {"ctx": ctx, "people": people, "lot": lot, "key": ctx.keyring.beacon_key,
                              "gateway_key": ctx.keyring.gateway_key})


WANTED = [("A080201", 4, 1), ("A0601", 1, 1)]


def make(session, scene, now, **changes):
    args = dict(wanted=WANTED, exclude_same_region=False, evaluation_at=now + timedelta(days=25),
                place="咸宁市公共资源交易中心封闭评标室3")
    args.update(changes)
    actor = args.pop("actor", scene.people.staff)
    return draws.create(scene.ctx, session, actor, now, scene.lot, **args)


def run(session, scene, now, draw, limit=200):
    """Advance the draw minute by minute until it completes."""
    at = now
    for _ in range(limit):
        draws.advance(scene.ctx, session, at, draw)
        if draw.status == "complete":
            return at
        at += timedelta(seconds=30)
    raise AssertionError("the draw did not complete")


def test_recusal_excludes_bidders_staff_and_relatives_with_reasons(session, now, scene):
    draw = make(session, scene, now)
    reasons = {e["reason"] for e in draw.exclusions}
    assert {"works_for_bidder", "relative_of_bidder"} <= reasons
    excluded = {e["expert_id"] for e in draw.exclusions}
    assert not excluded & set(draw.snapshot["A080201"])
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "draw.commit"))
    assert entry.payload["commitment"] == draw.commitment_hash and "secret" not in json.dumps(entry.payload)[:0]


def test_a_short_supply_is_refused_before_anything_is_committed(session, now, scene):
    with pytest.raises(DomainError) as refused:
        make(session, scene, now, wanted=[("A0601", 20, 0)])
    assert "A0601" in str(refused.value) and refused.value.rule == "construction.committee_size"
    assert session.scalar(sa.select(sa.func.count(Draw.id))) == 0


def test_the_draw_ranks_at_its_beacon_round_and_calls_until_the_seats_are_filled(session, now, scene, monkeypatch):
    # A fixed secret and call ids fix the simulated answers (seeded by the commitment and the call id), so the
    # ranking's chance of running out before the seats fill (about 1 in 600) cannot make this test flaky.
    ids = iter(range(1, 1000))
    monkeypatch.setattr(draws, "os", SimpleNamespace(urandom=lambda n: bytes(range(n))))
    monkeypatch.setattr(draws, "uuid", SimpleNamespace(uuid4=lambda: SimpleNamespace(hex=f"{next(ids):032x}")))
    draw = make(session, scene, now)
    draws.advance(scene.ctx, session, now, draw)
    assert draw.ranking is None and draw.calls == []  # the pulse of the committed round is still in the future
    run(session, scene, now, draw)
    panel = draws.panel(draw)
    assert len(panel.seats) == 7 and not any(panel.open.values())
    called = [c.expert_id for c in draw.calls]
    assert len(called) == len(set(called))
    ranked = draw.ranking["A080201"]
    first = [c.expert_id for c in draw.calls if c.specialty == "A080201"]
    assert first == ranked[:len(first)]  # down the ranking, in order
    assert all(c.outcome in ("accepted", "declined", "no_answer", "conflict") for c in draw.calls)


def test_names_are_for_the_supervisor_until_the_evaluation(session, now, scene):
    assert not draws.names_visible(session, scene.people.staff, scene.lot, now)
    assert not draws.names_visible(session, scene.people.tenderee, scene.lot, now)
    assert draws.names_visible(session, scene.people.supervisor, scene.lot, now)


def test_a_second_draw_needs_a_supervisor_and_a_reason_and_both_stay(session, now, scene):
    make(session, scene, now)
    with pytest.raises(Forbidden):
        make(session, scene, now)
    with pytest.raises(DomainError) as refused:
        make(session, scene, now, actor=scene.people.supervisor)
    assert refused.value.field == "reason"
    second = make(session, scene, now, actor=scene.people.supervisor, reason="原抽取的评标时间变更，经批准重新抽取")
    assert second.number == 2 and len(draws.draws_of(session, scene.lot)) == 2


def test_after_the_award_the_record_replays_and_any_change_is_found(session, now, scene, runner, tmp_path):
    draw = make(session, scene, now)
    run(session, scene, now, draw)
    with pytest.raises(DomainError):
        draws.reveal(scene.ctx, session, scene.people.supervisor, now, draw)
    scene.lot.state = "awarded"  # the award comes with the opening and evaluation issue
    draws.reveal(scene.ctx, session, scene.people.supervisor, now, draw)
    record = draws.record(scene.ctx, session, draw)
    keys = ["--beacon-key", scene.key.public_key().public_bytes_raw().hex(),
            "--gateway-key", scene.gateway_key.public_key().public_bytes_raw().hex()]
    assert drawing.verify(record) == []
    data = json.loads(record.to_json())
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    ok = runner.invoke(args=["draw", "verify", str(path), *keys])
    assert ok.exit_code == 0 and "MATCH" in ok.output
    assert runner.invoke(args=["draw", "verify", str(path)]).exit_code == 3  # no trusted key: fails closed
    data["calls"][0], data["calls"][1] = data["calls"][1], data["calls"][0]
    path.write_text(json.dumps(data, ensure_ascii=False))
    bad = runner.invoke(args=["draw", "verify", str(path), *keys])
    assert bad.exit_code == 1


def test_a_person_answers_on_the_keypad_and_a_decline_calls_the_next(session, now, scene):
    draw = make(session, scene, now, gateway="keypad")
    at = now
    while not draw.calls:
        at += timedelta(seconds=30)
        draws.advance(scene.ctx, session, at, draw)
    first = draw.calls[0]
    gateway = draws.gateway_for(session, draw)
    assert "参加请按1，不参加请按2，重听请按3" in gateway.call(first.call_id, at).script
    gateway.press(first.call_id, "2", at + timedelta(seconds=5))
    draws.advance(scene.ctx, session, at + timedelta(seconds=6), draw)
    assert first.outcome == "declined" and len(draw.calls) == 2
    assert draw.calls[1].expert_id == draw.ranking[first.specialty][1]
    assert session.get(Expert, first.expert_id).declines == 1


def test_the_pool_for_a_parent_specialty_includes_the_experts_under_it(session, now, scene):
    under = experts.records(session, ["A0802"])  # 市政工程 (施工): the demo's A080201 道路工程 experts are under it
    assert under and all(any(code.startswith("A0802") for code in record.specialties) for record in under)
    exact = {r.expert_id for r in experts.records(session, ["A080201"])}
    assert exact <= {r.expert_id for r in under}

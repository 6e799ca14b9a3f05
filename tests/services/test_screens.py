"""The collusion screens over a lot's own records, for the supervisor once the bids are opened (条例 第四十条)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.services.test_evaluation import Scene
from trading.domain.errors import DomainError
from trading.models import Bid, Deposit, DepositPayment, User
from trading.services import screens


def test_huddled_prices_and_one_paying_account_are_screened_with_their_working(app, session, now, tmp_path):
    scene = Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
    payments = session.scalars(sa.select(DepositPayment).join(Deposit).where(Deposit.lot_id == scene.lot.id)).all()
    payments[1].payer_account = payments[0].payer_account  # one account paid for two bidders
    bids = session.scalars(sa.select(Bid).where(Bid.lot_id == scene.lot.id)).all()
    for bid in bids:
        bid.address = "10.8.0.4"  # every upload from one address; the demo's uploads are minutes apart
    found = screens.run(scene.ctx, session, scene.lot)
    by_screen = {s.screen: s for s in found.signals}
    cv = next(f for f in found.figures if f.name == "cv")  # sd 561,678 over a mean of 37.6 m: past the benchmark,
    assert f"{cv.value:.4f}" == "0.0150" and cv.past_benchmark  # but no earlier lot of the kind: shown, no signal
    assert cv.fences is None and not cv.signals and "cv" not in by_screen
    assert set(by_screen["shared_account"].bidders) == {payments[0].deposit.bidder_id, payments[1].deposit.bidder_id}
    assert set(by_screen["shared_address"].bidders) == {bid.bidder_id for bid in bids}
    assert set(found.names) >= {bid.bidder_id for bid in bids} and found.history_lots == 0


def test_the_screens_are_the_supervisors_and_only_after_the_deadline(app, session, now, tmp_path):
    scene = Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
    with pytest.raises(DomainError):
        screens.view(scene.ctx, session, scene.people.staff, scene.lot)
    with pytest.raises(DomainError):
        admin = session.scalar(sa.select(User).where(User.username == "admin"))
        screens.recompute(scene.ctx, session, admin, scene.at, scene.lot)  # the administrator only reads
    scene.lot.state = "announced"
    with pytest.raises(DomainError) as refused:
        screens.view(scene.ctx, session, scene.people.supervisor, scene.lot)
    assert refused.value.rule == "construction.bidders_confidential"


def test_the_supervisor_reads_the_screens_page_with_the_working_in_both_languages(app, now, tmp_path):
    from tests.conftest import login
    from trading.extensions import db

    with app.app_context():  # the pages are read outside it (the language is chosen per request)
        lot_id = Scene(db.session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"]).lot.id
        db.session.commit()
    client = app.test_client()
    assert login(client, "supervisor").status_code == 302
    page = client.get(f"/supervision/lots/{lot_id}/screens").get_data(as_text=True)
    assert "报价变异系数" in page and "0.0150" in page and "36,980,000.00" in page
    client.post("/language", data={"lang": "en", "next": "/"})
    page = client.get(f"/supervision/lots/{lot_id}/screens").get_data(as_text=True)
    assert "Coefficient of variation of the prices" in page and "0.0150" in page
    assert f"/supervision/lots/{lot_id}/screens" in client.get(f"/lots/{lot_id}").get_data(as_text=True)


def _shared_account_scene(session, now, tmp_path):
    scene = Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
    payments = session.scalars(sa.select(DepositPayment).join(Deposit).where(Deposit.lot_id == scene.lot.id)).all()
    payments[1].payer_account = payments[0].payer_account
    return scene, {payments[0].deposit.bidder_id, payments[1].deposit.bidder_id}


PATTERNED = ["37000000.00", "37500000.00", "38000000.00"]  # 500,000 yuan apart: an arithmetic pattern


def test_each_signal_is_stored_once_at_the_opening_with_its_rule_working_threshold_and_basis(app, session, now,
                                                                                              tmp_path):
    from trading.models import AuditEntry, ScreenSignal

    scene = Scene(session, now, tmp_path, PATTERNED)
    at_opening = session.scalars(sa.select(ScreenSignal).where(ScreenSignal.lot_id == scene.lot.id)).all()
    pattern = next(s for s in at_opening if s.screen == "pattern")  # stored when the bids were opened
    assert (pattern.rule, pattern.working["kind"], pattern.working["gaps"]) == (
        "screen.pattern_tolerance", "arithmetic", ["500000.00", "500000.00"])
    assert pattern.status == "open" and pattern.basis and pattern.inputs["prices"]
    runs = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "screen.run")).all()
    assert [(r.actor_id, r.payload["documents"], r.object_type) for r in runs] == [(None, True, "screen_run")]
    payments = session.scalars(sa.select(DepositPayment).join(Deposit).where(Deposit.lot_id == scene.lot.id)).all()
    payments[1].payer_account = payments[0].payer_account
    supervisor = scene.people.supervisor
    new = screens.recompute(scene.ctx, session, supervisor, scene.at, scene.lot)
    assert new == [s.id for s in screens.stored(session, scene.lot) if s.screen == "shared_account"]
    assert screens.recompute(scene.ctx, session, supervisor, scene.at, scene.lot) == []  # once
    stored = screens.stored(session, scene.lot)
    assert len(stored) == len(at_opening) + 1
    raised = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "screen.raise")).all()
    assert sorted(int(e.object_id) for e in raised) == [s.id for s in stored]
    assert {e.object_type for e in raised} == {"screen_signal"}  # not the lot's: its timeline and archive are read
    assert {e.payload["lot_id"] for e in raised} == {scene.lot.id}  # by the tenderee


def test_the_supervisor_dismisses_with_a_reason_once(app, session, now, tmp_path):
    from trading.models import AuditEntry

    scene = Scene(session, now, tmp_path, PATTERNED)
    signal = screens.stored(session, scene.lot)[0]
    supervisor = scene.people.supervisor
    with pytest.raises(DomainError) as refused:
        screens.decide(session, supervisor, scene.at, signal.id, "dismissed", " ")
    assert refused.value.field == "reason"
    with pytest.raises(DomainError) as refused:
        screens.decide(session, supervisor, scene.at, signal.id, "dismissed", "同类工程报价普遍接近", finding=True)
    assert refused.value.field == "finding"
    with pytest.raises(DomainError):
        screens.decide(session, scene.people.staff, scene.at, signal.id, "dismissed", "无问题")
    screens.decide(session, supervisor, scene.at, signal.id, "dismissed", "同类工程报价普遍接近")
    assert (signal.status, signal.reason, signal.decided_by_id) == ("dismissed", "同类工程报价普遍接近", supervisor.id)
    with pytest.raises(DomainError):  # decided once
        screens.decide(session, supervisor, scene.at, signal.id, "referred", "转稽查")
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "screen.dismiss")).one()
    assert entry.rule == signal.rule and entry.object_id == str(signal.id)


def test_a_referral_with_a_finding_records_a_collusion_credit_event_of_each_bidder_named(app, session, now,
                                                                                           tmp_path):
    from trading.models import CreditEvent

    scene, sharing = _shared_account_scene(session, now, tmp_path)
    screens.recompute(scene.ctx, session, scene.people.supervisor, scene.at, scene.lot)
    signal = next(s for s in screens.stored(session, scene.lot) if s.screen == "shared_account")
    with pytest.raises(DomainError) as refused:  # a finding names the decision that made it
        screens.decide(session, scene.people.supervisor, scene.at, signal.id, "referred", "两家保证金同一账户", True)
    assert refused.value.field == "decision"
    assert signal.status == "open"
    screens.decide(session, scene.people.supervisor, scene.at, signal.id, "referred", "两家保证金同一账户", True,
                   "咸监处〔2026〕12号")
    events = session.scalars(sa.select(CreditEvent).where(CreditEvent.id.in_(signal.credit_events))).all()
    assert {e.subject_id for e in events} == sharing and {e.kind for e in events} == {"collusion_finding"}
    assert all(e.lot_id == scene.lot.id and "咸监处〔2026〕12号" == e.decision for e in events)


def test_the_committees_report_disqualifying_every_bid_but_one_raises_its_signal(app, session, now, tmp_path):
    """The evaluation runs the screens again when the chair submits the report (条例 第四十条): every bid but the
    first candidate's found not compliant is stored for the supervisor, naming the winner first."""
    from trading.models import ScreenSignal
    from trading.services import evaluation as room

    scene = Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
    lowest = next(bid for bid in scene.bids if bid.bidder_id == min(
        screens.run(scene.ctx, session, scene.lot).prices.items(), key=lambda item: item[1])[0])

    def before():
        return {s.screen for s in session.scalars(sa.select(ScreenSignal).where(ScreenSignal.lot_id == scene.lot.id))}

    assert "all_but_winner_disqualified" not in before()
    scene.start()
    chair = scene.everyone_signs_and_elects()
    scene.mark_all(compliant=lambda bid, member: bid.id == lowest.id)
    room.submit_report(scene.ctx, session, scene.user(chair), scene.in_room, scene.evaluation)
    found = session.scalars(sa.select(ScreenSignal).where(ScreenSignal.lot_id == scene.lot.id,
                                                          ScreenSignal.screen == "all_but_winner_disqualified")).one()
    assert found.bidders[0] == lowest.bidder_id and set(found.bidders) == {bid.bidder_id for bid in scene.bids}
    assert found.rule == "screen.all_but_winner_disqualified" and found.status == "open"
    assert found.inputs["valid"] == {str(bid.bidder_id): bid.id == lowest.id for bid in scene.bids}


def test_a_bidder_that_signed_up_and_did_not_bid_is_read_as_standing_back(app, session, now, tmp_path):
    """What bid suppression reads: the lot's sign-ups with no opened bid (a fourth bidder signed up, never bid)."""
    from trading.models import Registration

    scene = Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
    fourth = scene.people.bidders[3]
    session.add(Registration(lot_id=scene.lot.id, round=scene.lot.round, bidder_id=fourth.organisation_id,
                             user_id=fourth.id, registered_at=now))
    session.flush()
    records = screens.gather(scene.ctx, session, scene.lot)
    assert list(records.stood_back) == [fourth.organisation_id]
    assert set(records.prices) == {bid.bidder_id for bid in scene.bids} and records.winner is None


def test_two_opened_bids_naming_one_project_manager_are_screened_as_one_person(app, session, now, tmp_path):
    """The registration number each opened bid declared (kept in the opening record's fields) is what the
    same-person screen reads: two bidders naming one number, written two ways, are one signal."""
    from trading.models import OpeningEntry

    scene = Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
    entries = session.scalars(sa.select(OpeningEntry).where(OpeningEntry.lot_id == scene.lot.id)
                              .order_by(OpeningEntry.position)).all()
    entries[0].fields = {**entries[0].fields, "项目经理注册编号": "鄂142101012345"}
    entries[2].fields = {**entries[2].fields, "项目经理注册编号": "鄂 142101012345"}
    session.flush()
    found = [s for s in screens.run(scene.ctx, session, scene.lot).signals if s.screen == "shared_person"]
    assert [set(s.bidders) for s in found] == [{entries[0].bidder_id, entries[2].bidder_id}]
    assert found[0].rule == "screen.shared_people"


def test_sign_ups_keep_their_address_and_device_and_the_screens_read_them(app, session, now):
    """Two companies signed up from one machine (one device fingerprint, one address) are one shared-device and one
    shared-address signal, read from the sign-ups themselves; the audit entry keeps the same."""
    from tests.services.walked_lot import announced_lot
    from trading.domain import screens as rules_of_screens
    from trading.models import AuditEntry, Registration
    from trading.platform import current_platform
    from trading.services import pledges, registrations

    ctx = current_platform()
    people, lot = announced_lot(ctx, session, now)
    for bidder in people.bidders[:2]:
        registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder),
                              address="10.8.0.4", fingerprint="9f2c-44ab 0e")  # odd characters are dropped
    rows = session.scalars(sa.select(Registration).where(Registration.lot_id == lot.id)).all()
    assert {(r.address, r.fingerprint) for r in rows} == {("10.8.0.4", "9f2c44ab0e")}
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "registration.sign_up")).first()
    assert entry.payload["fingerprint"] == "9f2c44ab0e" and entry.payload["address"] == "10.8.0.4"
    records = screens.gather(ctx, session, lot)
    found = {s.screen: set(s.bidders) for s in rules_of_screens.screen_records(records, ctx.rules)}
    pair = {b.organisation_id for b in people.bidders[:2]}
    assert found["shared_device"] == pair and found["shared_address"] == pair

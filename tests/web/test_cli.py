"""The flask commands: demo, clock, and audit verify catching each kind of tampering."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from trading.domain import audit as chain
from trading.extensions import db
from trading.models import AuditEntry, Organisation, User
from trading.simulate import demo as demo_data


def test_demo_is_idempotent_and_prints_every_login(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and "demo2026" in first.output and demo_data.DEMO_KEY_PASSPHRASE in first.output
    for username in ("admin", "staff", "supervisor", "tenderee1", "agency", "bidder6", "expert1"):
        assert username in first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and " new " not in second.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 12
        users = db.session.scalars(sa.select(User)).all()
        demo_users = {spec.username for spec in demo_data.USERS}
        assert {u.username for u in users} >= demo_users
        # besides the demo users, only the room accounts of the negotiation group, ended with its evaluation
        assert all(u.username.startswith("pw") and not u.active for u in users if u.username not in demo_users)
        kinds = set(db.session.scalars(sa.select(Organisation.org_type)))
    assert kinds == {"trading_centre", "supervisory_body", "tenderee", "agency", "bidder", "expert_employer"}
    assert "not loaded again" in runner.invoke(args=["demo", "--if-empty"]).output


def test_the_demo_leaves_lot_5_an_hour_before_its_deadline_with_three_bids_and_a_full_panel(restore_demo, now):
    """The lot the README's half-hour path takes from the opening to the archive (tests/e2e walks it); the demo as
    the command left it (``restore_demo``: the command's own rows)."""
    from trading.models import Bid, Lot, Project
    from trading.services import draws

    with restore_demo().app_context():
        lot = db.session.scalar(sa.select(Lot).join(Project).where(Project.name == "咸宁市永安大道东延线道路工程"))
        assert lot.id == 5 and lot.state == "announced" and lot.bid_deadline - now == timedelta(hours=1)
        bids = db.session.scalars(sa.select(Bid).where(Bid.lot_id == lot.id)).all()
        assert len(bids) == 3 and {b.status for b in bids} == {"submitted"}
        draw = draws.draws_of(db.session, lot)[-1]
        panel = draws.panel(draw)
        assert draw.status == "complete" and not any(panel.open.values())
        assert sum(not seat.backup for seat in panel.seats) == 5


def test_the_demo_walks_a_single_source_and_a_negotiation_lot_to_the_contract(restore_demo, now):
    """Lot 6: single source, its one supplier's response negotiated down and contracted at the price agreed; lot 7:
    competitive negotiation, three suppliers, a group of 3 experts, the lowest price contracted. Both ended before
    the demo's now, every deposit refunded."""
    from trading.models import Award, Contract, Deposit, Lot
    from trading.services import evaluation as room, result

    with restore_demo().app_context():
        single, negotiated = db.session.get(Lot, 6), db.session.get(Lot, 7)
        assert (single.method, single.state, negotiated.method, negotiated.state) == (
            "single_source", "contracted", "negotiation", "contracted")
        record = result.negotiation_of(db.session, single)
        award = db.session.scalar(sa.select(Award).where(Award.lot_id == single.id))
        assert record.price < record.quoted and award.price == record.price and award.bidder_id == record.bidder_id
        group = room.evaluation_of(db.session, negotiated)
        assert sum(m.status == "seated" for m in group.members) == 3
        contracts = db.session.scalars(sa.select(Contract).join(Award).where(Award.lot_id.in_((6, 7)))).all()
        assert len(contracts) == 2 and all(c.registered_at < now - timedelta(days=1) for c in contracts)
        deposits = db.session.scalars(sa.select(Deposit).where(Deposit.lot_id.in_((6, 7)))).all()
        assert len(deposits) == 4 and all(d.status == "refunded" for d in deposits)


def test_clock_commands_on_a_simulated_clock(make_app):
    runner = make_app(CLOCK="simulated").test_cli_runner()
    assert "mode: simulated" in runner.invoke(args=["clock", "show"]).output
    moved = runner.invoke(args=["clock", "advance", "--days", "2"])
    assert moved.exit_code == 0
    back = runner.invoke(args=["clock", "advance", "--to", "2000-01-01 00:00"])
    assert back.exit_code != 0 and "only moves forward" in back.output


def test_the_real_clock_cannot_be_advanced(make_app):
    runner = make_app(CLOCK="real").test_cli_runner()
    from trading.clock import RealClock

    runner.app.extensions["trading"].clock = RealClock()
    result = runner.invoke(args=["clock", "advance", "--days", "1"])
    assert result.exit_code != 0 and "cannot be moved" in result.output


@pytest.fixture
def logged(restore_demo):
    """A log of real entries (the demo load: accounts and its lots walked through the services)."""
    return restore_demo()


@pytest.fixture
def cli(logged):
    return logged.test_cli_runner()


def tamper(app, statements):
    with app.app_context():
        with db.engine.begin() as conn:
            for statement, params in statements:
                conn.execute(sa.text(statement), params)


def verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_an_intact_log_verifies(logged, cli):
    with logged.app_context():
        count = db.session.scalar(sa.select(sa.func.count(AuditEntry.seq)))
    result = verify(cli)
    assert count > 25 and result.exit_code == 0 and result.output.startswith(f"OK: {count} entries")


def test_an_edited_payload_is_detected(logged, cli):
    tamper(logged, [("UPDATE audit_entry SET payload = :p WHERE seq = 7", {"p": '{"name": "假公司"}'})])
    result = verify(cli)
    assert result.exit_code == 1 and "FAILED at sequence 7: edited" in result.output


def test_a_deleted_row_is_detected(logged, cli):
    tamper(logged, [("DELETE FROM audit_entry WHERE seq = 9", {})])
    result = verify(cli)
    assert result.exit_code == 1 and "FAILED at sequence 9: deleted" in result.output


def test_an_inserted_forged_row_is_detected(logged, cli):
    with logged.app_context():
        before = db.session.get(AuditEntry, 10)
        content = chain.EntryContent(before.at, None, "system", "user.create", "user", "99", None, {"x": 1})
        digest = chain.entry_hash(content, before.hash)
    # make room after entry 10 by renumbering the rest, then slip the forged row in as 11
    tamper(logged, [
        ("UPDATE audit_entry SET seq = seq + 1000 WHERE seq > 10", {}),
        ("UPDATE audit_entry SET seq = seq - 999 WHERE seq > 1000", {}),
        ("INSERT INTO audit_entry (seq, at, actor_id, actor_label, action, object_type, object_id, rule, payload,"
         " prev_hash, hash) VALUES (11, :at, NULL, 'system', 'user.create', 'user', '99', NULL, :p, :prev, :h)",
         {"at": before.at.replace(tzinfo=None), "p": '{"x": 1}', "prev": before.hash, "h": digest}),
    ])
    result = verify(cli)
    assert result.exit_code == 1 and "FAILED at sequence 11: inserted" in result.output


def test_two_swapped_rows_are_detected(logged, cli):
    tamper(logged, [
        ("UPDATE audit_entry SET seq = -5 WHERE seq = 5", {}),
        ("UPDATE audit_entry SET seq = 5 WHERE seq = 6", {}),
        ("UPDATE audit_entry SET seq = 6 WHERE seq = -5", {}),
    ])
    result = verify(cli)
    assert result.exit_code == 1 and "FAILED at sequence 5: reordered" in result.output


def test_a_truncated_log_is_caught_against_a_noted_head(logged, cli):
    head = verify(cli).output.split("head ")[1].strip()
    tamper(logged, [("DELETE FROM audit_entry WHERE seq = (SELECT MAX(seq) FROM audit_entry)", {})])
    assert verify(cli).exit_code == 0  # the cut end alone cannot be seen...
    result = cli.invoke(args=["audit", "verify", "--expect", head])
    assert result.exit_code == 1 and "head_mismatch" in result.output  # ...but the noted head can


def test_a_head_noted_from_the_web_page_by_its_hash_alone_is_checked(logged, cli):
    head = verify(cli).output.split("head ")[1].strip().split(":")[1]  # the page shows the hash, no number
    assert cli.invoke(args=["audit", "verify", "--expect", head]).exit_code == 0
    tamper(logged, [("DELETE FROM audit_entry WHERE seq = (SELECT MAX(seq) FROM audit_entry)", {})])
    result = cli.invoke(args=["audit", "verify", "--expect", head])
    assert result.exit_code == 1 and "head_mismatch" in result.output
    refused = cli.invoke(args=["audit", "verify", "--expect", "12:not-a-hash"])
    assert refused.exit_code == 2 and "--expect" in refused.output


def test_flask_bid_inspect_shows_an_envelope_without_any_key(runner, tmp_path):
    import io

    from tests.conftest import FIXED_NOW
    from trading.domain import pki
    from trading.domain.sealing import ceremony, envelope

    ca_key, ca_cert = pki.create_ca("test CA", FIXED_NOW)
    signer = pki.new_bidder_key()
    cert = pki.issue_bidder_certificate(ca_key, ca_cert, org_name="湖北测试公司", credit_code="91330100799655058B",
                                        public_key=signer.public_key(), serial=7, now=FIXED_NOW)
    out = io.BytesIO()
    envelope.seal(out, lot_code="4212022026JS0001", bidder_code="91330100799655058B",
                  lot_public_key=ceremony.derive_keypair(b"0123456789abcdef", "4212022026JS0001")[1],
                  price_form={"price": "100.00", "duration": "10日"}, files=[], signer=signer,
                  certificate_pem=pki.certificate_pem(cert))
    path = tmp_path / "bid.envelope"
    path.write_bytes(out.getvalue())
    result = runner.invoke(args=["bid", "inspect", str(path)])
    assert "4212022026JS0001" in result.output and "91330100799655058B" in result.output


def test_rules_show_on_a_database_never_set_up_says_to_run_init_db(tmp_path):
    from tests.conftest import _config
    from trading import create_app

    app = create_app(_config("sqlite:///" + str(tmp_path / "empty.db")), instance_path=str(tmp_path / "instance"))
    result = app.test_cli_runner().invoke(args=["rules", "show"])
    assert result.exit_code == 1 and "flask init-db" in result.output and "Traceback" not in result.output

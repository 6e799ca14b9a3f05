"""The key-holder pages: enrolling a key (own computer always; on the server only where the centre allows it, with
the passphrase rules shown on the form), the supervisors' approval list, and a change of holder asked for on the
lot page and approved by a supervisor."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from trading.domain.sealing import holderkeys
from trading.extensions import db
from trading.models import User
from trading.platform import current_platform
from trading.services import holders

STRONG = "otter lantern quarry 47"


def client_for(app, username, password="demo2026"):
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    return client


def state(app, username) -> str:
    with app.app_context():
        return holders.state(db.session, db.session.scalar(sa.select(User).where(User.username == username)))


def test_a_real_centre_takes_public_keys_only(app, demo):
    staff = client_for(app, "staff")
    page = staff.post("/holder-key", data={"mode": "server", "passphrase": STRONG, "confirm": STRONG})
    assert "own computers" in page.get_data(as_text=True) or "本人电脑" in page.get_data(as_text=True)
    assert "name=\"passphrase\"" not in staff.get("/holder-key").get_data(as_text=True)  # no server-kept form
    _, public = holderkeys.new_key_file(STRONG)
    staff.post("/holder-key", data={"mode": "own", "public_key": public.hex()})
    assert state(app, "staff") == "pending"
    assert holderkeys.fingerprint(public) in staff.get("/holder-key").get_data(as_text=True)


def test_a_training_centre_keeps_keys_under_a_passphrase_with_its_rules_on_the_form(make_app):
    app = make_app(SERVER_KEPT_HOLDER_KEYS=True)
    with app.app_context():
        from trading.simulate import demo

        demo.load(db.session, FIXED_NOW)
        db.session.commit()
    staff = client_for(app, "staff")
    for weak, confirm in (("password12345", "password12345"), ("demo2026", "demo2026"), (STRONG, STRONG + "x")):
        staff.post("/holder-key", data={"mode": "server", "passphrase": weak, "confirm": confirm})
        assert state(app, "staff") == "active"  # the demo's approved key is untouched by a refused one
    staff.post("/holder-key", data={"mode": "server", "passphrase": STRONG, "confirm": STRONG})
    assert state(app, "staff") == "pending"
    supervisor2 = client_for(app, "supervisor2")
    listing = supervisor2.get("/holder-keys").get_data(as_text=True)
    with app.app_context():
        fingerprint = holders.key_of(db.session, db.session.scalar(sa.select(User.id).where(
            User.username == "staff"))).fingerprint
        staff_id = db.session.scalar(sa.select(User.id).where(User.username == "staff"))
    assert fingerprint in listing
    supervisor2.post(f"/holder-keys/{staff_id}/approve")
    assert state(app, "staff") == "active"


def test_staff_ask_to_change_a_holder_and_a_supervisor_approves_on_the_lot_page(app, demo):
    from trading.models import HolderChange
    from trading.services import accounts
    from trading.simulate import lots as walk

    with app.app_context():
        demo.load_lots(current_platform(), db.session, FIXED_NOW)
        lot_id = walk.existing(db.session, "construction").id
        people = walk.cast(db.session)
        staff2 = accounts.create_user(db.session, db.session.scalar(sa.select(User).where(User.username == "admin")),
                                      FIXED_NOW, username="staff2", display_name="钱立新",
                                      organisation_id=people.staff.organisation_id, roles=["staff"],
                                      password="Known2026pass")
        holders.enrol_server_key(db.session, staff2, FIXED_NOW, STRONG, STRONG, allowed=True)
        holders.approve(db.session, db.session.scalar(sa.select(User).where(User.username == "supervisor2")),
                        FIXED_NOW, staff2.id)
        db.session.commit()
    client_for(app, "staff").post(f"/lots/{lot_id}/holders/change",
                                  data={"role": "host", "new_holder": "staff2", "reason": "原主持人休假"})
    with app.app_context():
        change_id = db.session.scalar(sa.select(HolderChange.id))
    assert "原主持人休假" in client_for(app, "supervisor2").get(f"/lots/{lot_id}").get_data(as_text=True)
    client_for(app, "staff").post(f"/holder-changes/{change_id}/decide", data={"decision": "approve"})  # 403
    client_for(app, "supervisor2").post(f"/holder-changes/{change_id}/decide", data={"decision": "approve"})
    page = client_for(app, "bidder4").get(f"/lots/{lot_id}").get_data(as_text=True)
    assert "关于更换密钥持有人的公告" in page and "钱立新" in page
    with app.app_context():
        assert db.session.get(HolderChange, change_id).outcome == "revoked"  # one path, bids or not (法 Art. 22)

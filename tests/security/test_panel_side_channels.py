"""Side channels that would name a drawn expert before the law allows (issue 13, item 4; 法 Art. 37): the
administrator plays every expert's simulated phone during a keypad draw and keeps the user register, and must
still not learn whom the platform calls or seats before the award."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from tests.services.test_evaluation import Scene
from trading.extensions import db
from trading.models import Draw, DrawCall, Expert
from trading.platform import current_platform
from trading.services.evaluation import ROOM_ACCOUNT_PREFIX
from trading.simulate import demo as demo_data, experts as demo_experts, lots as walk


@pytest.fixture
def ringing(app, demo):
    """A keypad draw for the demo's construction lot, its first call ringing: (call id, the called expert's name)."""
    with app.app_context():
        ctx = current_platform()
        demo_data.load_lots(ctx, db.session, FIXED_NOW)
        demo_experts.load(ctx, db.session, FIXED_NOW)
        db.session.commit()
        lot_id = walk.existing(db.session, "construction").id
    staff = app.test_client()
    assert login(staff, "staff").status_code == 302
    staff.post(f"/lots/{lot_id}/draws", data={
        "wanted-0-code": "A0601", "wanted-0-count": "1", "wanted-0-backups": "0",
        "evaluation_at": "2026-03-27T09:00", "place": "评标室", "gateway": "keypad"})
    app.extensions["trading"].clock.move_to(FIXED_NOW + timedelta(minutes=10))
    with app.app_context():
        draw_id = db.session.scalar(sa.select(Draw.id).where(Draw.lot_id == lot_id))
    staff.post(f"/draws/{draw_id}/advance")
    with app.app_context():
        call = db.session.scalar(sa.select(DrawCall).join(Draw).where(Draw.id == draw_id))
        return call.call_id, db.session.get(Expert, call.expert_id).name


def test_the_admin_playing_the_phones_is_not_told_whom_the_draw_calls(app, ringing):
    call_id, name = ringing
    admin = app.test_client()
    assert login(admin, "admin").status_code == 302
    phone = admin.get("/phone").get_data(as_text=True)
    assert call_id in phone, "the admin can still answer the ringing call"
    assert name not in phone, "the phone list names the expert being called"
    assert name not in admin.get(f"/phone/{call_id}").get_data(as_text=True)


def test_the_admin_user_register_does_not_name_the_panel_through_its_room_accounts(app, now, tmp_path):
    """The evaluation makes a room account for each drawn expert without a login of its own; the administrator's
    user register must not show whose it is before the award (the account's name would be the expert's)."""
    with app.app_context():
        scene = Scene(db.session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
        scene.start()
        rooms = [m for m in scene.members() if scene.user(m).username.startswith(ROOM_ACCOUNT_PREFIX)]
        names = [db.session.get(Expert, m.expert_id).name for m in rooms]
        app.extensions["trading"].clock.at = scene.in_room
        db.session.commit()
    assert names, "the scene seats experts in room accounts"
    admin = app.test_client()
    assert login(admin, "admin").status_code == 302
    register = "".join(admin.get(f"/admin/users?page={page}").get_data(as_text=True) for page in range(1, 6))
    assert ROOM_ACCOUNT_PREFIX in register, "the room accounts are listed"
    assert not [name for name in names if name in register], "the user register names the drawn experts"

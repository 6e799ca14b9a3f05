"""Issue 13, item 4, through the draw cooldown: an expert seated on a panel is 'recently drawn' and left out of
the next draws, and each draw lists whom it left out and why. Once a later lot's panel may be named (to staff when
its evaluation starts, to everyone at its award, and in its published draw record), that list must not name the
experts seated on another lot whose panel is still secret."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import FIXED_NOW, login
from tests.security.test_disclosure import demo_lot  # noqa: F401 (the fixture)
from trading.extensions import db
from trading.keyring import current_keyring
from trading.services import draws
from trading.simulate import lots as walk
from trading.storage import blob_store


def test_a_later_draws_exclusions_do_not_name_a_secret_panel(app, demo_lot):  # noqa: F811
    with app.app_context():
        people = walk.cast(db.session)
        lot = walk.create(db.session, people, FIXED_NOW, "procurement")
        walk.advance(db.session, people, FIXED_NOW, lot, "announced", blob_store())
        draw = draws.create(db.session, people.staff, FIXED_NOW + timedelta(minutes=1), lot,
                            wanted=[("A080201", 1, 0)], exclude_same_region=False,
                            evaluation_at=FIXED_NOW + timedelta(days=20), place="评标室",
                            at_rest=current_keyring().at_rest, gateway="simulated")
        lot.state = "evaluating"  # the later lot's evaluation starts; lot 5's panel is still secret from staff
        db.session.commit()
        draw_id, lot_id = draw.id, lot.id
    staff = app.test_client()
    assert login(staff, "staff").status_code == 302
    page = staff.get(f"/draws/{draw_id}").get_data(as_text=True)
    assert f"/lots/{lot_id}" in page or str(draw_id) in page
    named = [i for i in demo_lot["seated"] if f"<li>{i}: " in page]
    assert not named, f"staff learn lot {demo_lot['id']}'s panel (experts {named}) from a later draw's exclusions"

"""The demo's planted collusion case (bidder6 winning, bidder5 and bidder4 covering): its screens fired at the
opening, stored with their working, waiting for the supervisor's decision on the lot's screens page (README step
15)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import login
from trading.extensions import db
from trading.models import Lot, Project, ScreenSignal
from trading.simulate import collusion, lots as walk


def test_the_demo_case_shows_its_screens_with_their_working(restore_demo):
    app = restore_demo()
    name = walk.SAMPLES["construction-collusion"].project["name"]
    with app.app_context():
        lot = db.session.scalar(sa.select(Lot).join(Project).where(Project.name == name))
        later = [walk.SAMPLES[n].project["name"] for n in ("property-control", "property-paid", "land-paid",
                                                            "property-sealed")]  # issue 18's follow-up and finished
        # states, loaded after this case
        lot_id, others = lot.id, db.session.scalar(sa.select(sa.func.max(Lot.id)).join(Project).where(
            Lot.id != lot.id, Project.name.not_in(later)))
        fired = {s.screen: s for s in db.session.scalars(sa.select(ScreenSignal).where(ScreenSignal.lot_id == lot_id))}
    assert lot_id > others  # after every other demo lot before it: theirs keep their ids
    assert {"pattern", "shared_device", "shared_address", "close_uploads", "shared_metadata"} <= set(fired)
    assert fired["pattern"].working["kind"] == "arithmetic" and fired["pattern"].working["gaps"] == ["470000.00"] * 2
    assert fired["close_uploads"].working["pairs"][0][2] == 18
    assert all(s.status == "open" for s in fired.values())
    client = app.test_client()
    assert login(client, "supervisor").status_code == 302
    page = client.get(f"/supervision/lots/{lot_id}/screens").get_data(as_text=True)
    assert collusion.SHARED_PC[1] in page and "张伟 / WPS Office" in page and "470000.00" in page
    assert page.count('name="decision"') == 2 * len(fired)  # each waits for a decision (dismiss or refer)

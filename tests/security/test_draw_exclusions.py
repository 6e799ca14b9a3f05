"""Issue 13, item 4, through the draw cooldown: an expert seated on a panel is 'recently drawn' and left out of
the next draws, and each draw lists whom it left out and why. Once a later lot's panel may be named (to staff when
its evaluation starts, to everyone at its award, and in its published draw record), that list must not name the
experts seated on another lot whose panel is still secret; nor, before the deadline, the bidders whose staff or
relatives were left out."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from tests.security.test_disclosure import about_lot, app, demo_lot  # noqa: F401 (the fixtures)
from trading.extensions import db
from trading.models import Draw, Lot
from trading.platform import current_platform
from trading.services import draws
from trading.simulate import lots as walk
from trading.storage import blob_store
from trading.web.experts.draw_views import REASONS


def _later_draw(session):
    """A procurement lot announced after lot 5's panel was drawn, and its own draw a minute later: (people, lot,
    draw)."""
    people, ctx = walk.cast(session), current_platform()
    lot = walk.create(ctx, session, people, FIXED_NOW, "procurement")
    walk.advance(ctx, session, people, FIXED_NOW, lot, "announced")
    draw = draws.create(ctx, session, people.staff, FIXED_NOW + timedelta(minutes=1), lot,
                        wanted=[("A080201", 1, 0)], exclude_same_region=False,
                        evaluation_at=FIXED_NOW + timedelta(days=20), place="评标室", gateway="simulated")
    return people, lot, draw


def test_a_later_draws_exclusions_do_not_name_a_secret_panel(app, demo_lot):  # noqa: F811
    with app.app_context():
        _, lot, draw = _later_draw(db.session)
        lot.state = "evaluating"  # the later lot's evaluation starts; lot 5's panel is still secret from staff
        db.session.commit()
        draw_id, lot_id = draw.id, lot.id
    staff = app.test_client()
    assert login(staff, "staff").status_code == 302
    page = staff.get(f"/draws/{draw_id}").get_data(as_text=True)
    assert f"/lots/{lot_id}" in page or str(draw_id) in page
    named = [i for i in demo_lot["seated"] if f"<li>{i}: " in page]
    assert not named, f"staff learn lot {demo_lot['id']}'s panel (experts {named}) from a later draw's exclusions"


def test_a_later_lots_archive_waits_while_its_draw_record_names_a_secret_panel(app, demo_lot):  # noqa: F811
    """The archive holds the later lot's complete draw record, exclusions and all (cutting them would break its
    replay); staff and the tenderee may download it only once the panel it names may be named to them."""
    import io

    from trading.models import ArchiveBundle

    with app.app_context():
        people, lot, draw = _later_draw(db.session)
        left_out = {e["expert_id"] for e in draw.exclusions if e["reason"] == "recently_drawn"}
        assert left_out & set(demo_lot["seated"]), "the later draw left lot 5's panel out as recently drawn"
        # set-up: the later lot ran to its archive (the path there is tested elsewhere; its file is what is tested)
        lot.state = "archived"
        draw.revealed_secret = "00" * 32
        key = blob_store().put(io.BytesIO(b"PK archive")).key
        db.session.add(ArchiveBundle(lot_id=lot.id, blob_key=key, size=10, sha256="0" * 64, files=1,
                                     created_at=FIXED_NOW, created_by_id=people.staff.id))
        db.session.commit()
        lot_id, tenderee = lot.id, lot.project.tenderee.users[0].username
    for viewer in ("staff", tenderee):
        client = app.test_client()
        assert login(client, viewer).status_code == 302
        refused = client.get(f"/lots/{lot_id}/archive.zip")
        assert refused.status_code == 302 and b"PK" not in refused.data, f"{viewer} downloads a secret panel's names"
        assert "仍需保密" in client.get(refused.headers["Location"]).get_data(as_text=True)
    supervisor = app.test_client()
    assert login(supervisor, "supervisor").status_code == 302  # the supervisor sees every panel from the draw on
    assert supervisor.get(f"/lots/{lot_id}/archive.zip").data == b"PK archive"


def test_a_draws_exclusions_tell_the_supervisor_no_bidder_before_the_deadline(app, demo_lot):  # noqa: F811
    """Experts are left out of a draw for working for, or being related to, a bidder signed up for the lot; the
    reasons name the bidder's organisation, so before the deadline not even the supervisor (who sees the panel)
    may read them, nor the pool's counts they change."""
    with app.app_context():
        draw = db.session.scalar(sa.select(Draw).where(Draw.lot_id == demo_lot["id"], Draw.status == "complete"))
        draw_id, deadline = draw.id, db.session.get(Lot, draw.lot_id).bid_deadline
        assert any(e["reason"] in ("works_for_bidder", "relative_of_bidder") for e in draw.exclusions)
    supervisor = app.test_client()
    assert login(supervisor, "supervisor").status_code == 302
    page = supervisor.get(f"/draws/{draw_id}").get_data(as_text=True)
    assert all(name in page for name in demo_lot["panel"]), "the supervisor still sees the panel"
    with app.test_request_context():  # the page's language (Chinese)
        names = [str(REASONS["works_for_bidder"]), str(REASONS["relative_of_bidder"])]
    for reason in *names, "organisation":
        assert reason not in page, f"the supervisor reads '{reason}' in the draw's exclusions before the deadline"
    app.extensions["trading"].clock.move_to(deadline)
    assert names[0] in supervisor.get(f"/draws/{draw_id}").get_data(as_text=True)


def test_the_draws_audit_entry_tells_the_admin_no_count_of_excluded_experts_before_the_deadline(app, demo_lot):  # noqa: F811
    """The draw's commitment is audited with how many experts were eligible and how many left out; with the pool's
    list, those counts tell how many were left out for a signed-up bidder."""
    admin = app.test_client()
    assert login(admin, "admin").status_code == 302
    log = "".join(admin.get(f"/supervision/audit?page={page}").get_data(as_text=True) for page in range(1, 12))
    rows = [row for row in log.split("<tr") if about_lot(row, demo_lot['id'])]  # lot 7's draw is long past
    assert rows and not any('title="draw.commit"' in row or "excluded" in row for row in rows), \
        "the admin reads the draw's pool counts"

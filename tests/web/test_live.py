"""The opening room's live stream (trading/web/live.py): an event stream for those who may follow the opening, what
they missed on reconnecting, the page's polling when the channel's store is down, nothing for anyone else; and
across two app instances on Redis (two gunicorn processes, say), a publish in one reaches a watcher of the other."""

from __future__ import annotations

from tests.conftest import FIXED_NOW, login
from tests.services.test_live import TEST_REDIS_URL, redis_backend
from trading import live
from trading.extensions import db
from trading.platform import current_platform
from trading.services import pledges, registrations
from trading.simulate import demo as demo_data, lots as walk


def client_for(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def followed_lot(app) -> int:
    """The demo construction lot, bidder1 signed up for it (so it may follow the opening); its id."""
    with app.app_context():
        demo_data.load_lots(current_platform(), db.session, FIXED_NOW)
        lot = walk.existing(db.session, "construction")
        bidder = walk.cast(db.session).bidders[0]
        if registrations.registration_of(db.session, lot, bidder.organisation_id) is None:
            registrations.sign_up(db.session, bidder, FIXED_NOW, lot, pledge=pledges.accepted(db.session, lot, bidder))
        db.session.commit()
        return lot.id


def read(response, events: int) -> str:
    """The stream's text up to its ``events``-th event (keep-alives and the opening comment left aside)."""
    text, seen = "", 0
    for chunk in response.response:
        chunk = chunk.decode() if isinstance(chunk, bytes) else chunk
        text += chunk
        seen += chunk.count("\nevent: ") + chunk.startswith("event: ")
        if seen >= events:
            break
    response.close()
    return text


def test_a_follower_gets_an_event_stream_of_what_happened_after_the_page(app, demo):
    lot_id = followed_lot(app)
    bidder = client_for(app, "bidder1")
    page = bidder.get(f"/lots/{lot_id}/opening").get_data(as_text=True)
    assert f'data-live-url="/lots/{lot_id}/opening/live?after=0"' in page  # nothing published yet: from the start
    channel = app.extensions["trading"].live
    first = channel.publish(live.opening_channel(lot_id), "share")
    response = bidder.get(f"/lots/{lot_id}/opening/live?after=0", buffered=False)
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache, no-store"
    assert response.headers["X-Accel-Buffering"] == "no"  # a proxy in front passes each event on at once
    text = read(response, 1)
    assert text.startswith("retry: 3000\n")
    assert f"id: {first}\nevent: share\ndata: {{}}\n\n" in text
    page = bidder.get(f"/lots/{lot_id}/opening").get_data(as_text=True)
    assert f'data-live-url="/lots/{lot_id}/opening/live?after={first}"' in page  # the page goes on from its render


def test_a_browser_that_reconnects_gets_only_what_it_missed(app, demo):
    lot_id = followed_lot(app)
    channel, name = app.extensions["trading"].live, live.opening_channel(lot_id)
    seen = channel.publish(name, "share")
    missed = channel.publish(name, "progress", {"done": 1, "total": 3})
    response = client_for(app, "staff").get(f"/lots/{lot_id}/opening/live", headers={"Last-Event-ID": seen},
                                            buffered=False)
    text = read(response, 1)
    assert f"id: {missed}\nevent: progress\n" in text and f"id: {seen}\n" not in text


def test_who_may_not_follow_the_opening_gets_no_stream(app, demo):
    lot_id = followed_lot(app)
    app.extensions["trading"].live.publish(live.opening_channel(lot_id), "share")
    for username, status in (("bidder5", 404), ("expert1", 403), ("admin", 403)):  # bidder5 did not sign up
        response = client_for(app, username).get(f"/lots/{lot_id}/opening/live?after=0", buffered=False)
        assert response.status_code == status and response.mimetype != "text/event-stream", username
    anonymous = app.test_client().get(f"/lots/{lot_id}/opening/live")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]


def test_with_the_store_down_the_stream_answers_503_and_the_page_polls(make_app, demo):
    app = make_app(LIVE="redis", REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    lot_id = followed_lot(app)
    bidder = client_for(app, "bidder1")
    assert bidder.get(f"/lots/{lot_id}/opening/live").status_code == 503  # EventSource gives up: live.js polls
    page = bidder.get(f"/lots/{lot_id}/opening")
    assert page.status_code == 200 and f'data-live-poll="/lots/{lot_id}/opening.json"' in page.get_data(as_text=True)
    assert bidder.get(f"/lots/{lot_id}/opening.json").status_code == 200


def test_an_event_published_by_one_app_reaches_a_watcher_of_another(make_app, demo):
    """Two instances on one Redis (two gunicorn processes, or the job worker and the web): each has its own
    connection; the channel is the stream they share."""
    queue = redis_backend(10).prefix  # skipped without Redis, except in CI
    web = make_app(LIVE="redis", REDIS_URL=TEST_REDIS_URL, JOBS_QUEUE=queue)
    worker = make_app(LIVE="redis", REDIS_URL=TEST_REDIS_URL, JOBS_QUEUE=queue)
    lot_id = followed_lot(web)
    try:
        watcher = client_for(web, "bidder1")
        page = watcher.get(f"/lots/{lot_id}/opening").get_data(as_text=True)
        assert f"/lots/{lot_id}/opening/live?after=0-0" in page  # nothing published before the page: its origin
        sent = worker.extensions["trading"].live.publish(live.opening_channel(lot_id), "opened")  # before the stream
        response = watcher.get(f"/lots/{lot_id}/opening/live?after=0-0", buffered=False)
        assert f"id: {sent}\nevent: opened\n" in read(response, 1), "what came between render and stream is there"
    finally:
        backend = web.extensions["trading"].live.backend
        backend.redis.delete(backend.key(live.opening_channel(lot_id)))

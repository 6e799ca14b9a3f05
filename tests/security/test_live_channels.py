"""The opening room's live stream as an attack surface: a bidder signed up for one lot asks for another lot's stream
(the count and timing of its shares and decryption would leak), or smuggles an event into the stream through the
Last-Event-ID it sends back."""

from __future__ import annotations

from tests.web.test_live import client_for, followed_lot, read
from trading import live
from trading.extensions import db
from trading.services import registrations
from trading.simulate import lots as walk


def test_a_bidder_cannot_follow_the_opening_of_a_lot_it_did_not_sign_up_for(app, demo):
    mine = followed_lot(app)
    with app.app_context():
        other = walk.existing(db.session, "procurement")
        bidder1 = walk.cast(db.session).bidders[0]
        assert other is not None and other.id != mine
        assert registrations.registration_of(db.session, other, bidder1.organisation_id) is None
        other_id = other.id
    channel = app.extensions["trading"].live
    channel.publish(live.opening_channel(other_id), "share")
    bidder = client_for(app, "bidder1")
    for path in (f"/lots/{other_id}/opening/live", f"/lots/{other_id}/opening/live?after=0"):
        assert bidder.get(path, buffered=False).status_code == 404  # as the opening page itself
    response = bidder.get(f"/lots/{mine}/opening/live?channel=lot:{other_id}:opening&after=0", buffered=False)
    own = channel.publish(live.opening_channel(mine), "opened")
    text = read(response, 1)  # its own lot's stream, whatever the query says
    assert f"id: {own}\nevent: opened\n" in text and "event: share" not in text


def test_a_forged_last_event_id_is_never_written_back_into_the_stream(app, demo):
    lot_id = followed_lot(app)
    channel = app.extensions["trading"].live
    forged = "1\nevent: opened\ndata: {\"price\": 1}\n"
    response = client_for(app, "bidder1").get(f"/lots/{lot_id}/opening/live", query_string={"after": forged},
                                              buffered=False)
    sent = channel.publish(live.opening_channel(lot_id), "share")
    text = read(response, 1)
    assert f"id: {sent}\nevent: share\n" in text
    assert "opened" not in text and "price" not in text

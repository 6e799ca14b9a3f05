"""Issue 13, leak 2, through a bidder's own receipt: the receipt's address must not be the bid's row number, which
counts every bid the platform received before it (in the demo: bidder1–3's bids for lot 5)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import login
from tests.security.test_disclosure import app, demo_lot  # noqa: F401 (the fixtures)
from tests.web.test_bids import certificate, sign_up_pay_and_bid
from trading.extensions import db
from trading.models import Bid, User


def test_a_bidders_receipt_address_does_not_count_the_bids_before_it(app, demo_lot):  # noqa: F811
    bidder = app.test_client()
    assert login(bidder, "bidder4").status_code == 302
    key_file, pem = certificate(bidder)
    response = sign_up_pay_and_bid(app, bidder, "bidder4", demo_lot["id"], key_file, pem)
    assert response.status_code == 302 and "/receipt" in response.headers["Location"]
    with app.app_context():
        own = db.session.scalar(sa.select(Bid).join(User, User.organisation_id == Bid.bidder_id)
                                .where(User.username == "bidder4", Bid.lot_id == demo_lot["id"]))
    location = response.headers["Location"]
    assert f"/bids/{own.id}/" not in location, f"bidder4 counts {own.id - 1} earlier bids from its receipt address"
    page = bidder.get(location).get_data(as_text=True)
    assert own.receipt["receipt_id"] in page
    assert f"/bids/{own.id}/" not in bidder.get(f"/lots/{demo_lot['id']}/bid").get_data(as_text=True)

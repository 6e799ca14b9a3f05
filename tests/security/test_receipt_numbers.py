"""Issue 13, leak 2, through a bidder's own receipt: the receipt's address must not be the bid's row number, which
counts every bid the platform received before it (in the demo: bidder1–3's bids for lot 5)."""

from __future__ import annotations

import io

import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from tests.security.test_disclosure import demo_lot  # noqa: F401 (the fixture)
from tests.web.test_bids import certificate, credit, seal_for
from trading.extensions import db
from trading.models import Bid, Lot, User
from trading.services import deposits


def test_a_bidders_receipt_address_does_not_count_the_bids_before_it(app, demo_lot):  # noqa: F811
    bidder = app.test_client()
    assert login(bidder, "bidder4").status_code == 302
    assert bidder.post(f"/lots/{demo_lot['id']}/sign-up").status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "bidder4"))
        deposit = deposits.deposit_of(db.session, db.session.get(Lot, demo_lot["id"]), user.organisation_id)
        deposits.pay(db.session, user, FIXED_NOW, target_number=deposit.sub_account.number,
                     amount=f"{deposit.required:.2f}", memo="投标保证金")
        db.session.commit()
        org_id = user.organisation_id
    key_file, pem = certificate(bidder)
    data = seal_for(app, bidder, demo_lot["id"], key_file, pem, credit(app, "bidder4"))
    response = bidder.post(f"/lots/{demo_lot['id']}/bid/upload", data={"envelope": (io.BytesIO(data), "bid.envelope")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and "/receipt" in response.headers["Location"]
    with app.app_context():
        own = db.session.scalar(sa.select(Bid).where(Bid.bidder_id == org_id))
    location = response.headers["Location"]
    assert f"/bids/{own.id}/" not in location, f"bidder4 counts {own.id - 1} earlier bids from its receipt address"
    page = bidder.get(location).get_data(as_text=True)
    assert own.receipt["receipt_id"] in page
    assert f"/bids/{own.id}/" not in bidder.get(f"/lots/{demo_lot['id']}/bid").get_data(as_text=True)

"""Issue 18, property follow-up: once the disclosure has ended the transferor learns how many buyers the centre
qualified, never which (property.paddle_numbers); and the buyer's payments under its contract (amounts, days, the
bank's serial numbers, the collection sub-account's number) are read by the centre, the supervisor, the transferor
and the buyer alone. Every other role crawls every page it reaches from the home page and the lot and reads
neither."""

from __future__ import annotations

from datetime import timedelta

from tests.security.test_disclosure import _client, crawl
from tests.security.test_paddle_names import _leaks
from tests.services.property_lot import property_lot
from tests.services.test_property_followup import contracted
from trading.extensions import db
from trading.services import chronograph, deposits


def test_after_the_disclosure_the_transferor_counts_the_buyers_and_no_page_names_them(app):
    with app.app_context():
        ctx = app.extensions["trading"]
        people, lot = property_lot(db.session, applicants=2)
        chronograph.tick(ctx, db.session, lot.listing_end)
        db.session.commit()
        ctx.clock.move_to(lot.listing_end + timedelta(minutes=1))
        lot_id = lot.id
        secrets = {f"{b.username} name": b.organisation.name for b in people.bidders[:2]}
    leaks = []
    for username in ("bidder1", "bidder3", "tenderee2", "tenderee1", None):
        pages = crawl(_client(app, username), lot_id, (f"/lots/{lot_id}/board.json", "/public/announcements"))
        leaks += _leaks(username, pages, secrets)
        counted = any('id="qualified-count"' in text for text in pages.values())
        assert counted == (username == "tenderee2"), username
    assert leaks == []


def test_nobody_but_the_centre_the_supervisor_the_transferor_and_the_buyer_reads_the_payments(app):
    with app.app_context():
        ctx = app.extensions["trading"]
        people, lot, contract = contracted(ctx, db.session)
        at = lot.publicity_end + timedelta(days=1)
        sent = deposits.pay(db.session, people.bidders[0], at, target_number=contract.terms["account"],
                            amount="1234567.89")
        db.session.commit()
        ctx.clock.move_to(at)
        lot_id, serial, account = lot.id, sent.serial, contract.terms["account"]
    secrets = {"serial": serial, "amount": "1,234,567.89", "account": account}
    for username in ("bidder2", "bidder3", "tenderee1", "expert1", None):
        pages = crawl(_client(app, username), lot_id, ("/public/announcements", "/statistics"))
        assert _leaks(username, pages, secrets) == [], username
        assert not any('id="payments"' in text for text in pages.values()), username
    for username in ("staff", "supervisor", "tenderee2", "bidder1"):
        page = _client(app, username).get(f"/lots/{lot_id}").get_data(as_text=True)
        assert "1,234,567.89" in page and serial in page and account in page, username

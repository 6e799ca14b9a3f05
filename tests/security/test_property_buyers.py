"""Issue 18, property: the intending buyers of a state property lot are known to the transferor, to one another and
to the public by paddle number alone until the deal (property.paddle_numbers); only the centre that checks them
sees who applied (visibility Fact.APPLICANTS). Every role crawls every page and JSON it reaches from the home page
and the lot, during the disclosure and during the online bidding, and no page names another's company or its
deposit account."""

from __future__ import annotations

from datetime import timedelta

from tests.security.test_disclosure import _client, crawl
from tests.security.test_paddle_names import _leaks
from tests.services.property_lot import property_lot
from trading.extensions import db
from trading.models import Lot
from trading.services import auctions, chronograph, deposits

WATCHERS = ("bidder1", "bidder2", "bidder3", "tenderee2", "tenderee1", "admin", None)


def _secrets(app, bidding: bool):
    """The demo property lot with bidder1 and bidder2 qualified; in the online bidding with an offer each when
    ``bidding``. Returns the lot id and each buyer's name and deposit account."""
    with app.app_context():
        ctx = app.extensions["trading"]
        people, lot = property_lot(db.session)
        at = lot.listing_start + timedelta(days=1)
        if bidding:
            chronograph.tick(ctx, db.session, lot.listing_end)
            at = auctions.auction_of(db.session, lot).bidding_start
            for n, bidder in enumerate(people.bidders[:2]):
                assert auctions.place_offer(ctx, db.session, bidder, at + timedelta(minutes=n), lot.id,
                                            str(lot.starting_price + n * lot.increment)).accepted
            db.session.commit()
        ctx.clock.move_to(at + timedelta(minutes=3))
        secrets = {}
        for bidder in people.bidders[:2]:
            secrets[f"{bidder.username} name"] = bidder.organisation.name
            secrets[f"{bidder.username} account"] = deposits.deposit_of(db.session, lot, bidder.organisation_id) \
                .sub_account.number
        return lot.id, secrets


def _crawl_all(app, lot_id, secrets):
    leaks = []
    for username in WATCHERS:
        pages = crawl(_client(app, username), lot_id, (f"/lots/{lot_id}/board.json", f"/lots/{lot_id}/confirmation",
                                                       "/statistics", "/public/announcements"))
        assert len(pages) > 5
        leaks += _leaks(username, pages, secrets)
    return leaks


def test_no_page_names_an_intending_buyer_before_the_deal(app):
    lot_id, secrets = _secrets(app, bidding=False)
    assert _crawl_all(app, lot_id, secrets) == []
    # the centre's staff see the applicants they check, by name: the one exception the rule makes
    staff = _client(app, "staff").get(f"/lots/{lot_id}").get_data(as_text=True)
    assert secrets["bidder1 name"] in staff and 'id="applications"' in staff


def test_no_page_names_a_buyer_during_the_online_bidding(app):
    lot_id, secrets = _secrets(app, bidding=True)
    with app.app_context():
        assert db.session.get(Lot, lot_id).state == "auction"
    assert _crawl_all(app, lot_id, secrets) == []

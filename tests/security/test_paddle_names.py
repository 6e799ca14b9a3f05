"""Issue 18: bidders in a land listing and its online bidding are known to one another, to watchers and to the
centre by paddle number (竞买号) alone until the result is out (land.paddle_numbers, domain/visibility.py). Every
role crawls every page and JSON it can reach from the home page and the lot (the board's JSON included) while two
bidders compete, and no page names either company; once the deal is made the confirmation names the winner."""

from __future__ import annotations

from datetime import timedelta

from tests.security.test_disclosure import REGISTERED, _client, crawl
from tests.services.auction_lot import land_lot, open_listing
from trading.extensions import db
from trading.models import Lot
from trading.services import auctions, chronograph

WATCHERS = ("bidder2", "bidder3", "tenderee2", "tenderee1", "staff", "supervisor", "admin", None)


def _competing(app):
    """The land parcel in its listing, bidder1 and bidder2 qualified and each with an accepted offer."""
    with app.app_context():
        ctx = app.extensions["trading"]
        people, lot, _ = land_lot(db.session, bidders=2)
        open_listing(ctx, db.session, lot)
        at = lot.listing_start + timedelta(hours=1)
        for n, bidder in enumerate(people.bidders[:2]):
            assert auctions.place_offer(ctx, db.session, bidder, at + timedelta(minutes=n), lot.id,
                                        str(lot.starting_price + n * lot.increment)).accepted
        db.session.commit()
        ctx.clock.move_to(at + timedelta(minutes=5))
        names = {bidder.username: bidder.organisation.name for bidder in people.bidders[:2]}
        accounts = {bidder.username: auctions.deposits.deposit_of(db.session, lot, bidder.organisation_id)
                    .sub_account.number for bidder in people.bidders[:2]}
        return lot.id, names, accounts


def _leaks(username, pages: dict[str, str], secrets: dict[str, str]) -> list[str]:
    """Where ``username`` reads a secret that is not its own."""
    found = []
    for path, text in pages.items():
        if username == "admin" and path.startswith("/admin/"):
            continue  # the registers list every company, whatever it trades
        if path.startswith(("/certificates/all", "/experts")):
            continue  # per company, not per lot; the pool names experts' employers
        if path.startswith("/supervision/audit"):
            text = "".join(row for row in text.split("<tr") if not any(action in row for action in REGISTERED))
        found += [f"{owner}'s {value!r} on {path}" for owner, value in secrets.items()
                  if owner.split()[0] != username and value in text]
    return found


def test_while_the_listing_runs_no_page_or_json_names_a_bidder(app):
    lot_id, names, accounts = _competing(app)
    extra = (f"/lots/{lot_id}/board.json", f"/lots/{lot_id}/confirmation", "/statistics")
    leaks = []
    for username in WATCHERS:
        pages = crawl(_client(app, username), lot_id, extra)
        assert len(pages) > 5
        if username is not None and username.startswith("bidder2"):
            board = pages[f"/lots/{lot_id}/board.json"]
            assert '"paddle"' in board  # the board is there, by paddle number
        leaks += _leaks(username, pages, {**{f"{u} name": n for u, n in names.items()},
                                          **{f"{u} account": a for u, a in accounts.items()}})
    assert leaks == []


def test_once_the_deal_is_made_the_confirmation_names_the_winner(app):
    lot_id, names, _ = _competing(app)
    with app.app_context():
        ctx = app.extensions["trading"]
        lot = db.session.get(Lot, lot_id)
        chronograph.tick(ctx, db.session, lot.listing_end)  # the window opens; nobody joins
        chronograph.tick(ctx, db.session, lot.listing_end + timedelta(minutes=5))
        db.session.commit()
        assert lot.state == "publicity"
        ctx.clock.move_to(lot.listing_end + timedelta(minutes=6))
    page = _client(app, "bidder1").get(f"/lots/{lot_id}/confirmation").get_data(as_text=True)
    assert names["bidder2"] in page  # the highest offer was bidder2's

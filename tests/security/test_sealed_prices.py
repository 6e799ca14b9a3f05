"""Issue 18, property, one sealed round (一次报价): nobody learns a sealed price before the opening. Two qualified
buyers have submitted their prices; every role (the other buyer, the transferor, the centre's staff, the
supervisor, the administrator, a visitor) crawls every page, JSON and export it reaches, and no page shows either
price, in any of the forms money is written; nor does the database or the blob store hold it in the clear; nor may
anyone open the prices before the deadline; nor does anyone but the centre learn how many prices came in."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.security.sealed_lot import KEY_PASS
from tests.security.test_disclosure import _client, crawl
from tests.security.test_paddle_names import _leaks
from tests.services.property_lot import property_lot
from trading.domain.errors import DomainError
from trading.extensions import db
from trading.models import Bid, Lot
from trading.services import chronograph, opening
from trading.simulate import lots as walk

PRICES = {"bidder1": "26437123.45", "bidder2": "27918456.78"}
WATCHERS = ("bidder1", "bidder2", "bidder3", "tenderee2", "staff", "supervisor", "admin", None)


def _forms(price: str) -> list[str]:
    """The ways a page may write a price: as typed, grouped, in 万元."""
    whole, cents = price.split(".")
    grouped = f"{int(whole):,}"
    return [price, whole, grouped, f"{int(whole) / 10000:,.2f}", f"{grouped}.{cents}"]


def _submitted(app):
    """The sealed-round lot with both buyers' prices in, an hour before its deadline."""
    with app.app_context():
        ctx = app.extensions["trading"]
        people, lot = property_lot(db.session, form="sealed")
        chronograph.tick(ctx, db.session, lot.listing_end)
        db.session.commit()
        at = lot.listing_end + timedelta(hours=1)
        for bidder in people.bidders[:2]:
            walk.submit_bids(ctx, db.session, people, at, lot, [PRICES[bidder.username]], bidders=[bidder])
        db.session.commit()
        ctx.clock.move_to(lot.bid_deadline - timedelta(hours=1))
        return lot.id


def test_no_page_or_export_shows_a_sealed_price_before_the_opening(app):
    lot_id = _submitted(app)
    secrets = {f"{user} price {n}": form for user, price in PRICES.items() for n, form in enumerate(_forms(price))}
    leaks = []
    for username in WATCHERS:
        pages = crawl(_client(app, username), lot_id, (f"/lots/{lot_id}/board.json", f"/lots/{lot_id}/bid",
                                                       "/supervision/audit", "/statistics"))
        assert len(pages) > 5
        leaks += _leaks(username, pages, secrets)
    assert leaks == []
    # the same crawl finds the prices once they are opened (the check can see them when they are there)
    with app.app_context():
        ctx = app.extensions["trading"]
        lot = db.session.get(Lot, lot_id)
        people = walk.cast(db.session)
        chronograph.tick(ctx, db.session, lot.bid_deadline)
        for holder in (people.staff, people.supervisor):
            opening.release_share(ctx, db.session, holder, lot.bid_deadline, lot, KEY_PASS)
        db.session.commit()
        ctx.clock.move_to(lot.bid_deadline + timedelta(minutes=5))
    opened = crawl(_client(app, "staff"), lot_id, (f"/lots/{lot_id}/board.json",))
    assert _leaks("staff", opened, secrets)


def test_the_price_is_nowhere_in_the_clear_in_the_database_or_the_blob_store(app):
    lot_id = _submitted(app)
    with app.app_context():
        dumped = []
        for table in db.metadata.sorted_tables:
            dumped += [repr(tuple(row)) for row in db.session.execute(sa.select(table)).all()]
        text = "\n".join(dumped)
        assert not any(form in text for price in PRICES.values() for form in _forms(price))
        store = app.extensions["trading"].store
        for key in db.session.scalars(sa.select(Bid.blob_key).where(Bid.lot_id == lot_id)):
            with store.open(key) as handle:
                data = handle.read()
            assert not any(price.encode() in data for price in PRICES.values())


def test_neither_staff_nor_a_key_holder_opens_the_prices_before_the_deadline(app):
    lot_id = _submitted(app)
    with app.app_context():
        ctx = app.extensions["trading"]
        lot = db.session.get(Lot, lot_id)
        people = walk.cast(db.session)
        for holder in (people.staff, people.supervisor, people.land_tenderee):
            try:
                opening.release_share(ctx, db.session, holder, lot.bid_deadline - timedelta(seconds=1), lot, KEY_PASS)
            except DomainError as error:
                assert error.rule == "electronic.no_early_decrypt"
            else:
                raise AssertionError(f"{holder.username} released a share before the deadline")
        assert opening.record(db.session, lot) == []
    staff = _client(app, "staff")
    assert staff.post(f"/lots/{lot_id}/opening/release", data={"passphrase": KEY_PASS}).status_code in (302, 422)
    with app.app_context():
        assert opening.record(db.session, db.session.get(Lot, lot_id)) == []


def test_another_buyer_cannot_read_a_receipt_or_the_count_of_prices(app):
    lot_id = _submitted(app)
    first, second = _client(app, "bidder1"), _client(app, "bidder2")
    with app.app_context():
        receipts = [bid.receipt["receipt_id"] for bid in db.session.scalars(sa.select(Bid).where(Bid.lot_id == lot_id))]
    own_page = first.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="my-sealed-price"' in own_page
    assert len(receipts) == 2
    for receipt_id in receipts:
        answers = {first.get(f"/bids/{receipt_id}/receipt.json").status_code,
                   second.get(f"/bids/{receipt_id}/receipt.json").status_code}
        assert answers == {200, 404}  # each buyer reads its own receipt alone
    for username in ("staff", "tenderee2", "bidder1", "supervisor"):
        data = _client(app, username).get(f"/lots/{lot_id}/opening.json").get_json() or {}
        assert data.get("bids") is None and not data.get("entries")  # how many came in is not told before the deadline

"""A property lot's one sealed round through the web: the lot form chooses the bidding form and the lot page shows
it; after the disclosure the board sends each qualified buyer to its bid page, which takes one price without a
duration and says the round's rules; the opening room and its Excel record name buyers by paddle number; the
成交确认书 says the deal came from the sealed round."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from tests.security.sealed_lot import KEY_PASS
from tests.services.property_lot import property_lot
from trading.extensions import db
from trading.models import Lot
from trading.services import auctions, chronograph, opening
from trading.simulate import lots as walk


def _client(app, username):
    client = app.test_client()
    login(client, username)
    return client


def _sealed_round(app, qualified=2):
    """The demo property lot with the sealed form, past its disclosure: in its sealed round."""
    with app.app_context():
        people, lot = property_lot(db.session, applicants=qualified, qualified=qualified, form="sealed")
        ctx = app.extensions["trading"]
        chronograph.tick(ctx, db.session, lot.listing_end)
        db.session.commit()
        ctx.clock.move_to(lot.listing_end + timedelta(hours=1))
        return lot.id, [b.organisation.name for b in people.bidders[:qualified]]


def test_the_lot_form_keeps_the_bidding_form_and_the_lot_page_shows_it(app):
    with app.app_context():
        _, lot = property_lot(db.session, applicants=0, form="sealed")
        lot_id = lot.id
    page = _client(app, "bidder3").get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="bidding-form"' in page and "一次报价" in page
    with app.app_context():
        people = walk.cast(db.session)
        draft = walk.create(app.extensions["trading"], db.session, people, FIXED_NOW, "property")
        db.session.commit()
        draft_id = draft.id
    owner = _client(app, "tenderee2")
    form = owner.get(f"/lots/{draft_id}/edit").get_data(as_text=True)
    assert 'name="bidding_form"' in form and 'value="sealed"' in form
    data = {"name": "咸宁温泉宾馆有限公司100%股权", "starting_price": "25800000.00", "valuation": "25800000.00",
            "deposit": "2000000.00", "increment": "100000.00", "payment": "lump_sum", "asset": "equity",
            "location": "咸宁市温泉路", "scope": "股权", "qualification": "依法存续的企业法人",
            "bidding_form": "sealed"}
    assert owner.post(f"/lots/{draft_id}/edit", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Lot, draft_id).property_terms["bidding_form"] == "sealed"
    bad = owner.post(f"/lots/{draft_id}/edit", data={**data, "bidding_form": "dutch", "payment": "instalments"})
    assert bad.status_code == 200  # the form again, with the error on the field; nothing saved
    with app.app_context():
        assert db.session.get(Lot, draft_id).property_terms == {**db.session.get(Lot, draft_id).property_terms,
                                                                 "bidding_form": "sealed", "payment": "lump_sum"}


def test_a_qualified_buyer_is_sent_to_its_bid_page_which_takes_one_price_without_a_duration(app):
    lot_id, names = _sealed_round(app)
    buyer = _client(app, "bidder1")
    page = buyer.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="sealed-price-link"' in page and 'id="offer-form"' not in page and 'id="board-sealed"' in page
    bid = buyer.get(f"/lots/{lot_id}/bid").get_data(as_text=True)
    assert 'id="sealed-round-rules"' in bid and 'name="duration"' not in bid and 'name="price"' in bid
    assert "--duration" not in bid
    transferor = _client(app, "tenderee2").get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="sealed-round"' in transferor and not any(name in transferor for name in names)
    board = _client(app, "staff").get(f"/lots/{lot_id}/board.json").get_json()
    assert board["phase"] == "sealed" and board["bidding_form"] == "sealed" and board["offers"] == []
    offer = buyer.post(f"/lots/{lot_id}/offers", data={"amount": "25800000"}, headers={"Accept": "application/json"})
    assert offer.status_code == 422 and offer.get_json()["rule"] == "property.sealed_round"


def test_the_opening_room_names_buyers_by_paddle_number_and_the_confirmation_says_sealed_round(app):
    lot_id, names = _sealed_round(app)
    with app.app_context():
        ctx = app.extensions["trading"]
        lot = db.session.get(Lot, lot_id)
        people = walk.cast(db.session)
        walk.submit_bids(ctx, db.session, people, lot.listing_end + timedelta(hours=1), lot,
                         ["26000000.00", "26400000.00"], bidders=people.bidders[:2])
        db.session.commit()
        at = lot.bid_deadline
        chronograph.tick(ctx, db.session, at)
        db.session.commit()
        assert lot.state == "opening"
        ctx.clock.move_to(at + timedelta(minutes=1))
        paddles = [p.number for p in auctions.paddles(db.session, lot)]
    staff = _client(app, "staff")
    room = staff.get(f"/lots/{lot_id}/opening").get_data(as_text=True)
    assert "passphrase" in room and not any(name in room for name in names)
    with app.app_context():
        ctx = app.extensions["trading"]
        lot = db.session.get(Lot, lot_id)
        people = walk.cast(db.session)
        for holder in (people.staff, people.supervisor):
            opening.release_share(ctx, db.session, holder, at + timedelta(minutes=1), lot, KEY_PASS)
        db.session.commit()
        assert lot.state == "publicity"
    record = staff.get(f"/lots/{lot_id}/opening.json").get_json()
    assert {e["bidder"].split()[-1] for e in record["entries"]} == set(paddles)
    assert not any(name in str(record) for name in names)
    sheet = openpyxl.load_workbook(io.BytesIO(staff.get(f"/lots/{lot_id}/opening.xlsx").data)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "竞买号" in cells and not any(name in cells for name in names)
    confirmation = _client(app, "bidder2").get(f"/lots/{lot_id}/confirmation").get_data(as_text=True)
    assert "一次报价（密封报价）" in confirmation and names[1] in confirmation
    board = staff.get(f"/lots/{lot_id}/board.json").get_json()
    assert board["outcome"] == "deal" and board["price"] == "26400000.00" and len(board["offers"]) == 2
    with app.app_context():
        assert db.session.scalar(sa.select(Lot.state).where(Lot.id == lot_id)) == "publicity"


def test_a_price_sent_while_the_supervisor_has_suspended_the_round_is_refused_in_chinese_and_not_kept(app):
    from tests.web.test_bids import certificate
    from trading.models import Bid
    from trading.services import suspension

    lot_id, _ = _sealed_round(app)
    with app.app_context():
        people = walk.cast(db.session)
        lot = db.session.get(Lot, lot_id)
        suspension.suspend(db.session, people.supervisor, lot.listing_end + timedelta(minutes=30), lot,
                           "收到异议，核查报价资格")
        db.session.commit()
    buyer = _client(app, "bidder1")
    key_file, _pem = certificate(buyer)
    sent = buyer.post(f"/lots/{lot_id}/bid/seal", data={
        "price": "26000000.00", "key_file": (io.BytesIO(key_file), "bidder.key.p8"), "key_password": "keypass2026"},
        content_type="multipart/form-data", follow_redirects=True)
    page = sent.get_data(as_text=True)
    assert sent.status_code == 200 and "监管部门已暂停本标的的一次报价" in page and "巴东县“五统一”管理制度" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Bid.id)).where(Bid.lot_id == lot_id)) == 0

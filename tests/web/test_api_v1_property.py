"""The API v1 carries a state property lot's announced terms, among them the bidding form its disclosure chose for
two or more qualified buyers (multi_round 网络竞价, or sealed 一次报价), in the public lot and in the transferor's own
lot alike; other lots carry none. A sealed round's prices stay out of both until the opening."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from tests.services.property_lot import property_lot
from tests.web.test_api_v1 import bearer, token_for
from trading.extensions import db
from trading.models import Lot, Project
from trading.services import chronograph
from trading.simulate import lots as walk

PRICE = "26437123.45"


def _lots(app):
    """The sealed-round lot (a buyer's price in, an hour before the deadline) and a construction lot."""
    with app.app_context():
        ctx = app.extensions["trading"]
        people, lot = property_lot(db.session, form="sealed")
        chronograph.tick(ctx, db.session, lot.listing_end)
        at = lot.listing_end + timedelta(hours=1)
        walk.submit_bids(ctx, db.session, people, at, lot, [PRICE], bidders=people.bidders[:1])
        db.session.commit()
        ctx.clock.move_to(lot.bid_deadline - timedelta(hours=1))
        other = db.session.scalar(sa.select(Lot.id).join(Project).where(Project.trade_type != "property",
                                                                        Lot.id != lot.id).limit(1))
        return lot.id, other, people.land_tenderee.username, lot.valuation


def test_a_property_lot_carries_its_bidding_form_and_terms_publicly_and_to_its_transferor(app):
    lot_id, other_id, owner, valuation = _lots(app)
    client = app.test_client()
    public = client.get(f"/api/v1/lots/{lot_id}")
    assert public.status_code == 200, public.json
    terms = public.json["property_terms"]
    assert terms["bidding_form"] == "sealed" and Decimal(terms["valuation"]) == valuation
    assert terms["payment"] in ("lump_sum", "instalments") and terms["asset"] == "equity"
    listed = {row["id"]: row for row in client.get("/api/v1/lots", query_string={"limit": 100}).json["data"]}
    assert listed[lot_id]["property_terms"]["bidding_form"] == "sealed"
    own = client.get(f"/api/v1/me/lots/{lot_id}", headers=bearer(token_for(app, owner, ["lots"])))
    assert own.status_code == 200 and own.json["property_terms"]["bidding_form"] == "sealed"
    for answer in (public, own):  # the sealed price is nowhere before the opening
        text = answer.get_data(as_text=True)
        assert PRICE not in text and "26437123" not in text
    if other_id is not None:
        assert client.get(f"/api/v1/lots/{other_id}").json.get("property_terms") is None


def test_a_multi_round_lot_says_multi_round_and_the_document_lists_both_forms(app):
    with app.app_context():
        _, lot = property_lot(db.session)
        lot_id = lot.id
    client = app.test_client()
    assert client.get(f"/api/v1/lots/{lot_id}").json["property_terms"]["bidding_form"] == "multi_round"
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert schemas["PropertyTerms"]["properties"]["bidding_form"]["enum"] == ["multi_round", "sealed"]
    assert "property_terms" in schemas["Lot"]["properties"]

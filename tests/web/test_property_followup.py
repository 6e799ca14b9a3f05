"""The state property follow-up through the web (issue 18): the transferor publishes the pre-disclosure of a transfer
of control from its lot page and anyone reads it on the public pages; the buyer pays the price on the online bank page
into the contract's collection sub-account shown on the lot page (a payment settled outside the centre is the
exception staff record), and staff record a late one as a credit event; the transferor follows its lot (how many
buyers qualified once the disclosure has ended, the contract, the payments) and nobody else reads the payments but
the buyer."""

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
        return lot.id, contract.terms["account"], first_due


def test_the_buyer_pays_in_the_online_bank_and_the_transferor_and_buyer_read_the_schedule_others_do_not(app):
    lot_id, account, _ = _contracted(app)
    buyer = _client(app, "bidder1")
    page = buyer.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="payments"' in page and 'id="collection-account"' in page and account in page
    assert f"/bank/?to={account}" in page and 'id="payment-form"' not in page and 'id="interest-working"' in page
    too_much = buyer.post("/bank/", data={"target": account, "amount": "24423070.01"}, follow_redirects=True)
    assert "24,423,070.00" in too_much.get_data(as_text=True)  # the refusal says what is left
    buyer.post("/bank/", data={"target": account, "amount": "5,740,000", "memo": "首期款"})
    page = buyer.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert "18,683,070.00" in page  # what is still owed
    other = _client(app, "bidder2").post("/bank/", data={"target": account, "amount": "100"}, follow_redirects=True)
    assert "does not accept payments from your account" in other.get_data(as_text=True) \
        or "不接受" in other.get_data(as_text=True)
    for username in ("tenderee2", "staff", "supervisor"):  # the transferor, the centre, the supervisor
        seen = _client(app, username).get(f"/lots/{lot_id}").get_data(as_text=True)
        assert 'id="payments"' in seen and "18,683,070.00" in seen and f"/bank/?to={account}" not in seen, username
    for username in ("bidder2", "tenderee1"):  # another bidder; another authority (the lot is not its own)
        response = _client(app, username).get(f"/lots/{lot_id}")
        assert 'id="payments"' not in response.get_data(as_text=True), username


def test_staff_record_a_payment_settled_outside_the_centre_only_as_the_labelled_exception(app):
    lot_id, _, _ = _contracted(app)
    staff = _client(app, "staff")
    page = staff.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="outside-payment"' in page and 'id="payment-form"' in page
    for username in ("tenderee2", "bidder1"):
        assert 'id="payment-form"' not in _client(app, username).get(f"/lots/{lot_id}").get_data(as_text=True)
    with app.app_context():
        day = calendar.local_date(app.extensions["trading"].clock.now()).isoformat()
    form = {"amount": "5,740,000", "paid_on": day, "reference": "HBYH20260401001", "approval": ""}
    bad = staff.post(f"/lots/{lot_id}/payments/outside", data=form, follow_redirects=True)
    assert "18,683,070.00" not in bad.get_data(as_text=True)
    ok = staff.post(f"/lots/{lot_id}/payments/outside", data={**form, "approval": "咸国资产权〔2026〕21号"},
                    follow_redirects=True)
    text = ok.get_data(as_text=True)
    assert "18,683,070.00" in text and "咸国资产权〔2026〕21号" in text
    assert _client(app, "tenderee2").post(f"/lots/{lot_id}/payments/outside", data=form).status_code == 403


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

"""Sealed bids in the browser and through the tool's endpoint: certificates, upload, server-side sealing,
receipts, withdrawal, the staff's revocation."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from tests.web.test_lots import sign_up
from trading.domain import pki
from trading.domain.sealing import envelope, receipt
from trading.extensions import db
from trading.models import Bid, BidderCertificate, Lot
from trading.platform import current_platform
from trading.simulate import demo as demo_data, lots as walk
from trading.storage import blob_store


@pytest.fixture
def lot_id(app, demo):
    """The demo lots; the construction lot is announced, bidder1 paid its deposit in full, bidder2 half."""
    with app.app_context():
        demo_data.load_lots(current_platform(), db.session, FIXED_NOW)
        db.session.commit()
        return walk.existing(db.session, "construction").id


def client_for(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def certificate(client) -> tuple[bytes, bytes]:
    response = client.post("/certificates", data={"password": "keypass2026"})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return archive.read("bidder.key.p8"), archive.read("bidder.cert.pem")


def seal_for(app, client, lot_id, key_file, pem, credit_code) -> bytes:
    raw = base64.b64decode(client.get(f"/lots/{lot_id}/lot-key").data)
    with app.app_context():
        code = db.session.get(Lot, lot_id).deal_code
    out = io.BytesIO()
    envelope.seal(out, lot_code=code, bidder_code=credit_code, lot_public_key=raw,
                  price_form={"price": "37000000.00", "duration": "300日历天"},
                  files=[("商务标.pdf", io.BytesIO(b"x" * 3000))],
                  signer=pki.load_private_key(key_file, "keypass2026"), certificate_pem=pem)
    return out.getvalue()


def credit(app, username):
    from trading.models import User

    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.username == username)).organisation.credit_code


def sign_up_pay_and_bid(app, client, username, lot_id, key_file, pem):
    """As ``username`` (logged in on ``client``): sign up for the lot, pay the deposit in full from the company's
    account, seal and upload a bid; the upload's response."""
    from trading.models import User
    from trading.services import deposits

    assert sign_up(client, lot_id).status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        deposit = deposits.deposit_of(db.session, db.session.get(Lot, lot_id), user.organisation_id)
        deposits.pay(db.session, user, FIXED_NOW, target_number=deposit.sub_account.number,
                     amount=f"{deposit.required:.2f}", memo="投标保证金")
        db.session.commit()
    data = seal_for(app, client, lot_id, key_file, pem, credit(app, username))
    return client.post(f"/lots/{lot_id}/bid/upload", data={"envelope": (io.BytesIO(data), "bid.envelope")},
                       content_type="multipart/form-data")


def test_a_bidder_gets_a_certificate_uploads_a_sealed_bid_and_verifies_the_receipt(app, lot_id):
    bidder = client_for(app, "bidder1")
    key_file, pem = certificate(bidder)
    page = bidder.get(f"/lots/{lot_id}/bid").get_data(as_text=True)
    assert "已于" in page and "有效期至" in page  # deposit paid, certificate valid
    data = seal_for(app, bidder, lot_id, key_file, pem, credit(app, "bidder1"))
    response = bidder.post(f"/lots/{lot_id}/bid/upload", data={"envelope": (io.BytesIO(data), "bid.envelope")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and "/receipt" in response.headers["Location"]
    receipt_page = bidder.get(response.headers["Location"]).get_data(as_text=True)
    assert "投标回执" in receipt_page
    with app.app_context():
        bid = db.session.scalar(sa.select(Bid))
    downloaded = json.loads(bidder.get(f"/bids/{bid.receipt['receipt_id']}/receipt.json").data)
    platform_key = pki.load_public_key(app.test_client().get("/platform/receipt-key.pem").data)
    assert receipt.verify_receipt(downloaded, platform_key).manifest_hash == bid.manifest_hash
    staff_view = client_for(app, "staff").get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="bidders-confidential"' in staff_view  # before the deadline the centre learns no count (法 Art. 22)
    assert "已收到投标" not in staff_view and "湖北鄂南建筑工程有限公司" not in staff_view


def test_a_short_deposit_blocks_the_upload_with_the_reason(app, lot_id):
    bidder = client_for(app, "bidder2")  # paid half in the demo
    key_file, pem = certificate(bidder)
    data = seal_for(app, bidder, lot_id, key_file, pem, credit(app, "bidder2"))
    response = bidder.post(f"/lots/{lot_id}/bid/upload", data={"envelope": (io.BytesIO(data), "bid.envelope")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "保证金" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Bid.id))) == 0


def test_the_platform_seals_in_memory_for_a_bidder_without_the_tool(app, lot_id):
    bidder = client_for(app, "bidder1")
    key_file, _pem = certificate(bidder)
    response = bidder.post(f"/lots/{lot_id}/bid/seal", data={
        "price": "36990000.00", "duration": "320日历天", "other": "quality=合格\nmanager=王工",
        "documents": [(io.BytesIO(b"tech" * 1000), "技术标.pdf")], "key_file": (io.BytesIO(key_file), "bidder.key.p8"),
        "key_password": "keypass2026"}, content_type="multipart/form-data")
    assert response.status_code == 302 and "/receipt" in response.headers["Location"]
    with app.app_context():
        bid = db.session.scalar(sa.select(Bid))
        assert bid.sealed_by == "platform"
        with blob_store().open(bid.blob_key) as handle:
            info = envelope.inspect(handle)
    assert info.signature_valid and [f.name for f in info.files][1:] == ["技术标.pdf"]
    wrong = bidder.post(f"/lots/{lot_id}/bid/seal", data={
        "price": "1", "duration": "1", "key_file": (io.BytesIO(key_file), "k.p8"), "key_password": "wrongpass1"},
        content_type="multipart/form-data", follow_redirects=True)
    assert "密码" in wrong.get_data(as_text=True)


def test_the_seal_form_declares_the_project_manager_in_the_price_form(app, lot_id, monkeypatch):
    """The project manager and the registration number (what the same-person screen compares) go into the sealed
    price form under their own fields, read out at the opening; a blank number is left out."""
    from trading.web.bids import views

    sealed = []
    real = views.envelope.seal
    monkeypatch.setattr(views.envelope, "seal", lambda *a, **kw: sealed.append(kw["price_form"]) or real(*a, **kw))
    bidder = client_for(app, "bidder1")
    key_file, _pem = certificate(bidder)
    response = bidder.post(f"/lots/{lot_id}/bid/seal", data={
        "price": "36990000.00", "duration": "320日历天", "manager": "王工", "manager_number": "鄂142101012345",
        "other": "quality=合格", "key_file": (io.BytesIO(key_file), "bidder.key.p8"), "key_password": "keypass2026"},
        content_type="multipart/form-data")
    assert response.status_code == 302 and sealed
    assert sealed[0]["项目经理"] == "王工" and sealed[0]["项目经理注册编号"] == "鄂142101012345"
    assert sealed[0]["quality"] == "合格"


def test_the_tool_endpoint_takes_the_raw_envelope_with_basic_auth(app, lot_id):
    bidder = client_for(app, "bidder1")
    key_file, pem = certificate(bidder)
    data = seal_for(app, bidder, lot_id, key_file, pem, credit(app, "bidder1"))
    anonymous = app.test_client()
    headers = {"Authorization": "Basic " + base64.b64encode(b"bidder1:demo2026").decode()}
    unauthenticated = anonymous.post(f"/api/lots/{lot_id}/bids", data=data, content_type="application/octet-stream")
    assert unauthenticated.status_code == 401
    assert anonymous.post(f"/api/lots/{lot_id}/bids", data=data, headers=headers,
                          content_type="text/plain").status_code == 415
    response = anonymous.post(f"/api/lots/{lot_id}/bids", data=data, headers=headers,
                              content_type="application/octet-stream")
    assert response.status_code == 201 and response.json["receipt"]["kind"] == "submit"
    tampered = bytearray(data)
    tampered[-30] ^= 1
    refused = anonymous.post(f"/api/lots/{lot_id}/bids", data=bytes(tampered), headers=headers,
                             content_type="application/octet-stream")
    assert refused.status_code == 422 and refused.json["field"] == "envelope"


def test_staff_revoke_a_certificate_and_its_bids_are_then_refused(app, lot_id):
    bidder = client_for(app, "bidder1")
    key_file, pem = certificate(bidder)
    with app.app_context():
        cert_id = db.session.scalar(sa.select(BidderCertificate.id))
    staff = client_for(app, "staff")
    assert staff.post(f"/certificates/{cert_id}/revoke", data={"reason": "密钥泄露"}).status_code == 302
    assert "密钥泄露" in staff.get("/certificates/all").get_data(as_text=True)
    data = seal_for(app, bidder, lot_id, key_file, pem, credit(app, "bidder1"))
    response = bidder.post(f"/lots/{lot_id}/bid/upload", data={"envelope": (io.BytesIO(data), "bid.envelope")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "吊销" in response.get_data(as_text=True) or "revoked" in response.get_data(as_text=True)


def test_withdrawal_in_the_browser(app, lot_id):
    bidder = client_for(app, "bidder1")
    key_file, pem = certificate(bidder)
    data = seal_for(app, bidder, lot_id, key_file, pem, credit(app, "bidder1"))
    bidder.post(f"/lots/{lot_id}/bid/upload", data={"envelope": (io.BytesIO(data), "b.envelope")},
                content_type="multipart/form-data")
    assert bidder.post(f"/lots/{lot_id}/bid/withdraw").status_code == 302
    with app.app_context():
        bid = db.session.scalar(sa.select(Bid))
        assert bid.status == "withdrawn" and bid.withdraw_receipt["kind"] == "withdraw"


def test_an_envelope_over_the_size_limit_is_refused_and_nothing_is_kept(make_app, demo):
    app = make_app(MAX_ENVELOPE_BYTES=4096)
    with app.app_context():
        demo_data.load_lots(current_platform(), db.session, FIXED_NOW)
        db.session.commit()
        lot_id = walk.existing(db.session, "construction").id
        before = sum(1 for _ in blob_store().keys())
    bidder = client_for(app, "bidder1")
    key_file, pem = certificate(bidder)
    data = seal_for(app, bidder, lot_id, key_file, pem, credit(app, "bidder1"))
    assert len(data) > 4096
    response = bidder.post(f"/lots/{lot_id}/bid/upload", data={"envelope": (io.BytesIO(data), "bid.envelope")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "0 MiB" in response.get_data(as_text=True) or "上限" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Bid.id))) == 0
        assert sum(1 for _ in blob_store().keys()) == before and not blob_store().leftovers()
    again = bidder.post(f"/lots/{lot_id}/bid/upload", data={"envelope": (io.BytesIO(b"x"), "b.envelope")},
                        content_type="multipart/form-data")
    assert again.status_code == 302  # the upload guard was released: the next attempt is judged on its own


def test_on_the_s3_store_bids_and_documents_travel_through_the_bucket(make_app, demo, s3_config):
    """Several machines share the bucket: a bid uploaded through the page and a replacement through the tool's API
    are stored there, the replaced envelope is deleted once the replacement commits, a filed document downloads
    from it, and an envelope past the limit leaves nothing there (its multipart upload aborted)."""
    from trading.models import Attachment
    from trading.storage.s3 import S3Store

    app = make_app(**s3_config, MAX_ENVELOPE_BYTES=6 * 2**20)
    with app.app_context():
        store = blob_store()
        assert isinstance(store, S3Store)
        demo_data.load_lots(current_platform(), db.session, FIXED_NOW)
        db.session.commit()
        lot_id = walk.existing(db.session, "construction").id
        document = db.session.scalar(sa.select(Attachment).where(Attachment.lot_id == lot_id))
    downloaded = client_for(app, "staff").get(f"/lots/{lot_id}/attachments/{document.id}")
    assert downloaded.status_code == 200 and "咸宁市温泉路" in downloaded.get_data(as_text=True)
    bidder = client_for(app, "bidder1")
    key_file, pem = certificate(bidder)
    data = seal_for(app, bidder, lot_id, key_file, pem, credit(app, "bidder1"))
    response = bidder.post(f"/lots/{lot_id}/bid/upload", data={"envelope": (io.BytesIO(data), "bid.envelope")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and "/receipt" in response.headers["Location"]
    headers = {"Authorization": "Basic " + base64.b64encode(b"bidder1:demo2026").decode()}
    again = seal_for(app, bidder, lot_id, key_file, pem, credit(app, "bidder1"))
    replaced = app.test_client().post(f"/api/lots/{lot_id}/bids", data=again, headers=headers,
                                      content_type="application/octet-stream")
    assert replaced.status_code == 201
    with app.app_context():
        first, second = db.session.scalars(sa.select(Bid).order_by(Bid.id)).all()
        assert (first.status, first.blob_key, second.status) == ("withdrawn", None, "submitted")
        stored = {key for key, _ in store.keys()}
        assert second.blob_key in stored and len(stored) == 1 + db.session.scalar(
            sa.select(sa.func.count(Attachment.id)))  # the replaced envelope is gone from the bucket
        with store.open(second.blob_key) as handle:
            assert envelope.inspect(handle).signature_valid
    big = io.BytesIO()
    envelope.seal(big, lot_code=deal_code(app, lot_id), bidder_code=credit(app, "bidder1"),
                  lot_public_key=base64.b64decode(bidder.get(f"/lots/{lot_id}/lot-key").data),
                  price_form={"price": "36000000.00", "duration": "300日历天"},
                  files=[("图纸.dwg", io.BytesIO(b"d" * (7 * 2**20)))],  # past the limit after one part was sent
                  signer=pki.load_private_key(key_file, "keypass2026"), certificate_pem=pem)
    refused = bidder.post(f"/lots/{lot_id}/bid/upload", data={"envelope": (io.BytesIO(big.getvalue()), "b.envelope")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert refused.status_code == 413 and "6" in refused.get_data(as_text=True)  # refused before it is read (the
    # store's own abort of an over-limit multipart upload is tested in tests/services/test_blob_store.py)
    with app.app_context():
        assert {key for key, _ in store.keys()} == stored and store.leftovers() == []
        assert db.session.scalar(sa.select(Bid.blob_key).where(Bid.status == "submitted")) == second.blob_key


def deal_code(app, lot_id) -> str:
    with app.app_context():
        return db.session.get(Lot, lot_id).deal_code

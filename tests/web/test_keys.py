"""The platform's public keys at stable URLs, without logging in: /keys lists them (Chinese by default, English
on request) and each key file holds exactly the key the platform signs with, in the form the verifiers take."""

from __future__ import annotations

import re

from trading.domain import pki
from trading.services import published_keys


def raw(private_key) -> str:
    return private_key.public_key().public_bytes_raw().hex()


def test_each_key_file_is_served_without_login_and_is_the_key_the_platform_uses(app, client):
    ring = app.extensions["trading"].keyring
    platform = ring.platform
    expected = {"receipts.pub": raw(ring.receipt_key), "archive.pub": raw(ring.receipt_key),
                "beacon.pub": raw(ring.beacon_key), "gateway.pub": raw(ring.gateway_key)}
    for filename, key in expected.items():
        response = client.get(f"/keys/{filename}")
        assert response.status_code == 200 and response.mimetype == "text/plain", filename
        assert response.get_data(as_text=True) == key + "\n"  # one line: 64 hex digits, what --*-key takes
        assert response.headers["X-Key-Fingerprint"] == published_keys.fingerprint(bytes.fromhex(key))
    ca = client.get("/keys/ca.pem")
    assert ca.status_code == 200 and ca.data == pki.certificate_pem(platform.ca_cert)
    receipt_pem = client.get("/platform/receipt-key.pem")  # the older address keeps working, with the same key
    assert receipt_pem.status_code == 200 and receipt_pem.data == platform.signing_public_pem
    assert client.get("/keys/ca.key.pem").status_code == 404  # nothing else of instance/keys is reachable
    assert client.get("/keys/..%2Fconfig.py").status_code == 404


def test_the_keys_page_lists_every_key_with_its_fingerprint_in_chinese_and_english(app, client):
    page = client.get("/keys")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "平台公钥" in text and "签署决定专家抽取结果的随机信标脉冲" in text
    for key in published_keys.published(app.extensions["trading"].keyring):
        assert key.fingerprint in text and f"/keys/{key.filename}" in text
    gateway = client.get("/keys/gateway.pub").get_data(as_text=True).strip()
    assert re.search(rf"--gateway-key {gateway}", text)  # the full verify command, keys filled in
    client.post("/language", data={"lang": "en", "next": "/keys"})
    english = client.get("/keys").get_data(as_text=True)
    assert "Platform public keys" in english and "Signs each expert-draw call" in english


def test_an_announcement_published_on_the_page_names_the_keys_page_and_each_fingerprint(app, demo):
    from tests.web.test_lots import take_lot_to_announced
    from trading.extensions import db
    from trading.models import Announcement

    lot_id = take_lot_to_announced(app, "construction")
    with app.app_context():
        text = db.session.query(Announcement).filter_by(lot_id=lot_id).one().text
        listed = published_keys.notices(app.extensions["trading"].keyring)
    assert "“平台公钥”页面（/keys）" in text
    for notice in listed:
        assert f"{notice.purpose}指纹：{notice.fingerprint}" in text
    assert len(listed) == 4  # receipts (and archives), beacon, gateway, CA

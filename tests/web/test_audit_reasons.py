"""Reasons the services write into the audit log are a message id and its parameters, shown in the reader's language
(issue 17); an old row's reason, written as text, is shown as it was stored."""

from __future__ import annotations

from tests.conftest import FIXED_NOW, login
from trading.domain import audit as chain
from trading.domain.errors import N_
from trading.extensions import db
from trading.services import audit


def _entries(app):
    with app.app_context():
        audit.record(db.session, None, FIXED_NOW, "deposit.refund", object_type="deposit", object_id=1,
                     payload={"reason": chain.message(N_("the bid was not awarded"))})
        audit.record(db.session, None, FIXED_NOW, "opening.tampering", object_type="bid", object_id=2,
                     payload={"reason": chain.message(N_("The bid's row does not match its signed receipt "
                                                         "(%(what)s)."), what="price")})
        audit.record(db.session, None, FIXED_NOW, "deposit.refund", object_type="deposit", object_id=3,
                     payload={"reason": "撤回投标（旧记录）"})
        db.session.commit()


def test_a_recorded_reason_reads_in_english_in_english_mode_and_in_chinese_in_chinese(app, client, demo):
    _entries(app)
    login(client, "supervisor")
    chinese = client.get("/supervision/audit").get_data(as_text=True)
    assert "未中标" in chinese and "投标记录与其签名回执不符（price）" in chinese
    client.post("/language", data={"lang": "en", "next": "/"})
    english = client.get("/supervision/audit").get_data(as_text=True)
    assert "the bid was not awarded" in english and "未中标" not in english
    assert "The bid&#39;s row does not match its signed receipt (price)." in english
    assert "message_id" not in english and "撤回投标（旧记录）" in english  # an old row as stored


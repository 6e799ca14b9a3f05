"""API tokens: issued on the account page and shown once, used by the bidder tool instead of a password, revoked
by anyone of the company; refused when unknown, expired, revoked, out of scope or of a deactivated user."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from tests.web.test_bids import certificate, client_for, credit, lot_id, seal_for  # noqa: F401 (lot_id: fixture)
from trading.extensions import db
from trading.models import ApiToken, AuditEntry, Bid, User

TOKEN = re.compile(r"tpt_[A-Za-z0-9_-]{43}")


def issue(client, name="投标工具", days="90") -> str:
    """Issue a token on the account page; the token as the page shows it (once)."""
    response = client.post("/auth/account/api-tokens", data={"name": name, "scopes": ["bids"], "days": days})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return TOKEN.search(response.get_data(as_text=True)).group(0)


def upload(app, token, lot, data):
    return app.test_client().post(f"/api/lots/{lot}/bids", data=data, content_type="application/octet-stream",
                                  headers={"Authorization": f"Bearer {token}"})


def test_a_token_issued_on_the_account_page_uploads_a_bid_and_is_kept_only_as_a_hash(app, lot_id):  # noqa: F811
    bidder = client_for(app, "bidder1")
    token = issue(bidder)
    page = bidder.get("/auth/account").get_data(as_text=True)
    assert token[:10] in page and token not in page  # listed by its first characters, never shown again
    key_file, pem = certificate(bidder)
    response = upload(app, token, lot_id, seal_for(app, bidder, lot_id, key_file, pem, credit(app, "bidder1")))
    assert response.status_code == 201 and response.json["receipt"]["kind"] == "submit"
    with app.app_context():
        row = db.session.scalar(sa.select(ApiToken))
        assert token not in (row.token_hash, row.prefix) and row.scope_list == ["bids"]
        bid = db.session.scalar(sa.select(Bid))
        assert db.session.get(User, bid.user_id).username == "bidder1"
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "bid.submit"))
        assert entry.payload["via"] == f"api_token:{row.prefix}"
        issued = db.session.scalar(sa.select(AuditEntry.seq).where(AuditEntry.action == "api_token.issue"))
        since = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.seq > issued)))
        assert "auth.login" not in since  # the upload logged nobody in: no password hash, no login row


def test_a_revoked_expired_or_made_up_token_is_refused_before_the_body_is_read(app, lot_id):  # noqa: F811
    bidder = client_for(app, "bidder1")
    token = issue(bidder)
    colleague = client_for(app, "bidder1b") if _user_exists(app, "bidder1b") else bidder
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    made_up = "tpt_" + "A" * 43
    for wrong in (made_up, "not-a-token", token + "x"):
        refused = upload(app, wrong, lot_id, b"envelope")
        assert refused.status_code == 401 and refused.json["field"] == "token"
    assert colleague.post(f"/auth/account/api-tokens/{token_id}/revoke").status_code == 302
    assert upload(app, token, lot_id, b"envelope").status_code == 401
    second = issue(bidder, days="30")
    app.extensions["trading"].clock.move_to(FIXED_NOW + timedelta(days=30, seconds=1))
    assert upload(app, second, lot_id, b"envelope").status_code == 401


def _user_exists(app, username) -> bool:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username)) is not None


def test_another_company_cannot_revoke_or_see_a_token_and_roles_without_scopes_get_none(app, lot_id):  # noqa: F811
    owner = client_for(app, "bidder1")
    token = issue(owner)
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    rival = client_for(app, "bidder2")
    assert token[:10] not in rival.get("/auth/account").get_data(as_text=True)
    assert rival.post(f"/auth/account/api-tokens/{token_id}/revoke").status_code == 302
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None
    for username in ("staff", "admin", "expert1"):
        other = app.test_client()
        login(other, username)
        assert "API" not in other.get("/auth/account").get_data(as_text=True).split("<main", 1)[-1]
        assert other.post("/auth/account/api-tokens", data={"name": "x", "scopes": ["bids"], "days": "90"}
                          ).status_code == 403
    # a tenderee and a supervisor hold tokens of their own scope only: never a bidder's
    for username, scope in (("tenderee1", "lots"), ("supervisor", "supervision")):
        other = app.test_client()
        login(other, username)
        page = other.get("/auth/account").get_data(as_text=True)
        assert f'value="{scope}"' in page and 'value="bids"' not in page and 'value="read"' not in page
        assert other.post("/auth/account/api-tokens", data={"name": "x", "scopes": ["bids"], "days": "90"}
                          ).status_code == 422
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1


def test_the_issue_form_names_what_is_wrong(app, lot_id):  # noqa: F811
    bidder = client_for(app, "bidder1")
    for data in ({"name": "", "scopes": ["bids"], "days": "90"}, {"name": "x", "scopes": ["admin"], "days": "90"},
                 {"name": "x", "scopes": ["bids"], "days": "7"}):
        response = bidder.post("/auth/account/api-tokens", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and ("is-invalid" in page or "text-danger" in page)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_a_token_of_a_deactivated_user_stops_working(app, lot_id):  # noqa: F811
    bidder = client_for(app, "bidder1")
    token = issue(bidder)
    with app.app_context():
        db.session.scalar(sa.select(User).where(User.username == "bidder1")).active = False
        db.session.commit()
    assert upload(app, token, lot_id, b"envelope").status_code == 401

"""The second factor (TOTP) in the browser: set-up with a QR code, login with a code, no replay, recovery codes,
turning it off, the administrator's reset and the centre's requirement for a role."""

from __future__ import annotations

import re
import time

import pyotp
import sqlalchemy as sa

from tests.conftest import login
from trading.extensions import db
from trading.models import AuditEntry, RecoveryCode, User

PROTECTED = "/auth/password"


def code(secret: str, steps_ahead: int = 1) -> str:
    """The app's code for a later 30-second step (the platform accepts one step either side; the current step's
    code was spent turning the factor on)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def turn_on(client) -> tuple[str, list[str]]:
    """Turn the second factor on through the account pages; the secret and the recovery codes shown."""
    assert client.post("/auth/account/second-factor/begin").status_code == 302
    page = client.get("/auth/account/second-factor").get_data(as_text=True)
    secret = re.search(r'<code class="user-select-all">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    shown = client.post("/auth/account/second-factor", data={"code": code(secret, 0)})
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</li>", shown.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def password_step(app, username: str = "supervisor"):
    """A fresh browser past the password, at the code step."""
    browser = app.test_client()
    response = login(browser, username)
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login/code"
    return browser


def user_row(app, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def test_set_up_shows_a_qr_code_and_turns_on_only_with_a_right_code(app, client, demo):
    login(client, "supervisor")
    client.post("/auth/account/second-factor/begin")
    page = client.get("/auth/account/second-factor").get_data(as_text=True)
    assert "<svg" in page and "<script" not in page.split("</main>")[0]
    assert "身份验证器" in page  # the steps, in Chinese
    secret = re.search(r'<code class="user-select-all">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    wrong = client.post("/auth/account/second-factor", data={"code": pyotp.TOTP(secret).at(time.time() - 3600)})
    assert wrong.status_code == 200 and "验证码不匹配" in wrong.get_data(as_text=True)
    assert user_row(app, "supervisor").totp_enabled_at is None
    on = client.post("/auth/account/second-factor", data={"code": code(secret, 0)})
    assert "恢复码" in on.get_data(as_text=True)
    assert "已启用" in client.get("/auth/account").get_data(as_text=True)
    row = user_row(app, "supervisor")
    assert row.totp_enabled_at is not None
    assert secret.encode() not in row.totp_secret  # sealed under the at-rest key


def test_recovery_codes_are_stored_hashed(app, client, demo):
    login(client, "staff")
    _, codes = turn_on(client)
    with app.app_context():
        stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not any(c.replace("-", "") in h.upper() or c in h for c in codes for h in stored)


def test_login_takes_the_code_and_the_session_is_not_logged_in_before_it(app, client, demo):
    login(client, "supervisor")
    secret, _ = turn_on(client)
    browser = password_step(app)
    assert browser.get(PROTECTED).status_code == 302  # the password alone opens nothing
    assert browser.get("/auth/login/code").status_code == 200
    done = browser.post("/auth/login/code", data={"code": code(secret)})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert browser.get(PROTECTED).status_code == 200
    with app.app_context():
        last = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.seq.desc()))
    assert last.action == "auth.login" and last.payload["second_factor"] == "totp"


def test_a_code_cannot_be_replayed(app, client, demo):
    login(client, "supervisor")
    secret, _ = turn_on(client)
    seen = code(secret)
    assert password_step(app).post("/auth/login/code", data={"code": seen}).status_code == 302
    thief = password_step(app)  # someone who knows the password and watched the code being typed
    again = thief.post("/auth/login/code", data={"code": seen})
    assert again.status_code == 200 and "已使用" in again.get_data(as_text=True)
    assert thief.get(PROTECTED).status_code == 302
    earlier = password_step(app).post("/auth/login/code", data={"code": code(secret, 0)})
    assert earlier.status_code == 200  # an earlier step than one already used is spent too


def test_a_recovery_code_works_once(app, client, demo):
    login(client, "tenderee1")
    _, codes = turn_on(client)
    first = password_step(app, "tenderee1")
    used = first.post("/auth/login/code", data={"code": codes[3].lower()}, follow_redirects=True)
    assert "还剩 9 个" in used.get_data(as_text=True)
    assert first.get(PROTECTED).status_code == 200
    second = password_step(app, "tenderee1").post("/auth/login/code", data={"code": codes[3]})
    assert second.status_code == 200
    assert password_step(app, "tenderee1").post("/auth/login/code", data={"code": codes[4]}).status_code == 302


def test_turning_it_on_ends_the_other_sessions(app, client, demo):
    other = app.test_client()
    login(other, "staff")
    login(client, "staff")
    turn_on(client)
    assert client.get(PROTECTED).status_code == 200
    assert other.get(PROTECTED).status_code == 302


def test_turning_it_off_takes_a_code(app, client, demo):
    login(client, "staff")
    secret, _ = turn_on(client)
    refused = client.post("/auth/account/second-factor/off", data={"code": "123456"})
    assert refused.status_code == 422 and user_row(app, "staff").totp_enabled_at is not None
    assert client.post("/auth/account/second-factor/off", data={"code": code(secret)}).status_code == 302
    assert user_row(app, "staff").totp_secret is None
    assert login(app.test_client(), "staff").headers["Location"] == "/"  # the password alone again


def test_the_administrator_resets_a_lost_second_factor_and_the_sessions_end(app, client, demo):
    login(client, "supervisor2")
    turn_on(client)
    admin = app.test_client()
    login(admin, "admin")
    target = user_row(app, "supervisor2").id
    assert "重置动态口令" in admin.get(f"/admin/users/{target}").get_data(as_text=True)
    assert admin.post(f"/admin/users/{target}/second-factor").status_code == 302
    assert client.get(PROTECTED).status_code == 302  # its sessions ended
    assert login(app.test_client(), "supervisor2").headers["Location"] == "/"
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.second_factor_reset"))
    assert entry.actor_id == user_row(app, "admin").id and entry.payload["sessions_ended"]


def test_wrong_codes_are_throttled_for_the_user_from_every_address(make_app, demo):
    app = make_app(SECOND_FACTOR_USER_RATE_LIMIT="3 per hour")
    owner = app.test_client()
    login(owner, "supervisor")
    secret, _ = turn_on(owner)
    for n, address in enumerate(["203.0.113.1", "203.0.113.2", "203.0.113.3"]):
        browser = password_step(app)
        browser.environ_base["REMOTE_ADDR"] = address
        assert browser.post("/auth/login/code", data={"code": f"00000{n}"}).status_code == 200
    blocked = password_step(app)
    blocked.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    refused = blocked.post("/auth/login/code", data={"code": code(secret)})
    assert refused.status_code == 429 and "auth.throttle" in refused.get_data(as_text=True)


def test_a_role_the_centre_names_must_turn_it_on_first(make_app, demo):
    app = make_app(REQUIRE_TOTP_FOR=["supervisor"])
    client = app.test_client()
    login(client, "supervisor")
    sent = client.get("/work")
    assert sent.status_code == 302 and sent.headers["Location"] == "/auth/account"
    assert "要求您所在的角色启用" in client.get("/auth/account").get_data(as_text=True)
    turn_on(client)
    assert client.get("/work").status_code == 200
    staff = app.test_client()
    login(staff, "staff")
    assert staff.get("/work").status_code == 200  # a role not named goes on as before


def test_the_bidder_tools_http_basic_login_cannot_skip_the_code(app, client, demo):
    login(client, "tenderee1")
    turn_on(client)
    refused = app.test_client().post("/api/lots/1/bids", data=b"x", content_type="application/octet-stream",
                                     auth=("tenderee1", "demo2026"))
    assert refused.status_code == 401 and refused.get_json()["rule"] == "auth.second_factor"

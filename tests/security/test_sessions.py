"""Sessions that end, and a login an outsider can neither lock nor probe, played through the real login form.

An attacker here holds a copied session or remember-me cookie, or guesses passwords from its own address."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_login.utils import encode_cookie

from tests.conftest import login
from trading.extensions import db
from trading.models import User

PROTECTED = "/auth/password"  # any page that needs a login


def logged_in(client) -> bool:
    """True when the client's cookies open a page that needs a login."""
    return client.get(PROTECTED).status_code == 200


def stolen(app, cookie_name: str, value: str):
    """A fresh browser holding nothing but a copied cookie."""
    thief = app.test_client()
    thief.set_cookie(cookie_name, value)
    return thief


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def remember_cookie(app, username: str) -> str:
    """The remember-me cookie Flask-Login gives this user now (what a browser that ticked "remember me" holds)."""
    with app.test_request_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        return encode_cookie(user.get_id())


def test_a_session_cookie_replayed_after_logout_opens_nothing(app, demo):
    browser = app.test_client()
    login(browser, "supervisor")
    copied = browser.get_cookie("session").value
    assert logged_in(stolen(app, "session", copied))  # the copy works while the session lasts
    browser.post("/auth/logout")
    assert not logged_in(stolen(app, "session", copied))
    assert not logged_in(browser)


def test_logout_ends_the_session_in_every_browser(app, demo):
    office, home = app.test_client(), app.test_client()
    login(office, "staff")
    login(home, "staff")
    office.post("/auth/logout")
    assert not logged_in(home)


def test_a_remember_me_cookie_made_before_logout_is_worthless_after_it(app, demo):
    cookie = remember_cookie(app, "supervisor")
    assert logged_in(stolen(app, "remember_token", cookie))  # before the logout it logs the holder in
    browser = app.test_client()
    login(browser, "supervisor")
    browser.post("/auth/logout")
    assert not logged_in(stolen(app, "remember_token", cookie))


def test_a_password_change_ends_every_other_session_and_keeps_its_own(app, demo):
    laptop, thief = app.test_client(), app.test_client()
    login(thief, "tenderee1")  # someone who learnt the old password
    login(laptop, "tenderee1")
    remembered = remember_cookie(app, "tenderee1")
    changed = laptop.post(PROTECTED, data={"current": "demo2026", "new": "fresh2026pw", "confirm": "fresh2026pw"})
    assert changed.status_code == 302
    assert logged_in(laptop)
    assert not logged_in(thief)
    assert not logged_in(stolen(app, "remember_token", remembered))
    assert login(app.test_client(), "tenderee1", "fresh2026pw").status_code == 302


def test_deactivation_ends_the_sessions_for_good(app, demo):
    admin, bidder = app.test_client(), app.test_client()
    login(admin, "admin")
    login(bidder, "bidder2")
    copied = bidder.get_cookie("session").value
    target = user_id(app, "bidder2")
    admin.post(f"/admin/users/{target}/active", data={"active": "0"})
    admin.post(f"/admin/users/{target}/active", data={"active": "1"})
    assert not logged_in(stolen(app, "session", copied))  # reactivating does not revive the old session


def test_deactivating_an_organisation_ends_its_users_sessions_for_good(app, demo):
    from trading.models import Organisation

    admin, bidder = app.test_client(), app.test_client()
    login(admin, "admin")
    login(bidder, "bidder3")
    with app.app_context():
        org_id = db.session.scalar(sa.select(User.organisation_id).where(User.username == "bidder3"))
        assert db.session.get(Organisation, org_id).org_type == "bidder"
    admin.post(f"/admin/organisations/{org_id}/active", data={"active": "0"})
    admin.post(f"/admin/organisations/{org_id}/active", data={"active": "1"})
    assert not logged_in(bidder)


def test_an_administrators_password_reset_ends_the_users_sessions(app, demo):
    admin, holder = app.test_client(), app.test_client()
    login(admin, "admin")
    login(holder, "supervisor2")
    target = user_id(app, "supervisor2")
    reset = admin.post(f"/admin/users/{target}/password", data={"new": "given2026pw", "confirm": "given2026pw"})
    assert reset.status_code == 302
    assert not logged_in(holder)
    assert login(app.test_client(), "supervisor2", "given2026pw").status_code == 302


# --- guessing passwords ------------------------------------------------------------------------------------------

def browser_at(app, address: str):
    """A browser whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_anonymous_guesses_cannot_lock_a_key_holder_out(app, demo):
    attacker = browser_at(app, "203.0.113.9")
    answers = [login(attacker, "supervisor", f"guess{n:04d}").status_code for n in range(30)]
    assert 429 in answers and 500 not in answers  # the guesser is slowed down ...
    holder = browser_at(app, "10.20.0.15")
    assert login(holder, "supervisor").status_code == 302  # ... and the holder, at the office, gets in at once


def test_once_throttled_even_the_right_password_waits_from_that_address(app, demo):
    attacker = browser_at(app, "203.0.113.9")
    while login(attacker, "staff", "guess").status_code != 429:
        pass
    refused = login(attacker, "staff")
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "尝试次数过多" in text and "auth.throttle" in text and "GB/T 22239-2019" in text
    assert refused.headers.get("Retry-After")


def without_tokens(page: str) -> str:
    """The page without its CSRF tokens (random in every answer)."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(app, demo):
    unknown = login(browser_at(app, "198.51.100.1"), "wangwu", "demo2027x")
    wrong = login(browser_at(app, "198.51.100.2"), "staff", "demo2027x")
    assert unknown.status_code == wrong.status_code == 200
    same = without_tokens(unknown.get_data(as_text=True).replace("wangwu", "NAME"))
    assert same == without_tokens(wrong.get_data(as_text=True).replace('value="staff"', 'value="NAME"'))
    assert "登录名或密码错误" in same


def test_throttling_counts_the_address_and_the_name_together(make_app, demo):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute", LOGIN_ADDRESS_RATE_LIMIT="5 per minute")
    attacker = browser_at(app, "203.0.113.9")
    assert [login(attacker, "staff", "guess").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert login(browser_at(app, "10.20.0.15"), "staff", "guess").status_code == 200  # another address
    assert login(attacker, "supervisor", "guess").status_code == 200  # another name, same address
    assert login(attacker, "tenderee1", "guess").status_code == 200
    assert login(attacker, "bidder1", "guess").status_code == 429  # the address's own limit, whatever the name


def test_good_logins_do_not_count_and_failures_stay_in_the_audit_log(make_app, demo):
    from trading.models import AuditEntry

    app = make_app(LOGIN_RATE_LIMIT="2 per minute")
    office = browser_at(app, "10.20.0.15")
    for _ in range(5):
        assert login(office, "staff").status_code == 302
        office.post("/auth/logout")
    attacker = browser_at(app, "203.0.113.9")
    assert [login(attacker, "staff", "guess").status_code for _ in range(3)] == [200, 200, 429]
    with app.app_context():
        failures = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "auth.login_failed")).all()
    assert [entry.payload["address"] for entry in failures] == ["203.0.113.9", "203.0.113.9"]


def test_the_bidder_tools_api_shares_the_throttle_of_the_login_form(make_app, demo):
    app = make_app(LOGIN_RATE_LIMIT="2 per minute")
    attacker = browser_at(app, "203.0.113.9")
    login(attacker, "bidder1", "guess")
    login(attacker, "bidder1", "guess")
    refused = attacker.post("/api/lots/1/bids", data=b"x", content_type="application/octet-stream",
                            auth=("bidder1", "demo2026"))
    assert refused.status_code == 429
    assert refused.get_json()["status"] == 429 and "auth.throttle" in refused.get_json()["error"]

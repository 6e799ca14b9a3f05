"""Sessions that end, and a login an outsider can neither lock nor probe, played through the real login form.

An attacker here holds a copied session or remember-me cookie, or guesses passwords from its own address."""

from __future__ import annotations

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

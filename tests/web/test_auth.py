"""Login in the browser: throttling shown plainly, safe `next`, CSRF, cookie flags, error pages."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login


def test_too_many_failures_are_refused_with_a_page_that_says_how_long_to_wait(make_app, demo):
    app = make_app(LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    client.post("/language", data={"lang": "en", "next": "/"})
    first = login(client, "bidder1", "wrongpass1").get_data(as_text=True)
    assert "Wrong login name or password." in first and "tries left" not in first
    login(client, "bidder1", "wrongpass1")
    refused = login(client, "bidder1")
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "Too many failed attempts from your address: wait 1 min and try again." in text
    assert "auth.throttle" in text and "log in from elsewhere" in text


@pytest.mark.parametrize("target, lands", [
    ("/admin/users", "/admin/users"),
    ("https://evil.example/phish", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_is_followed_only_within_the_site(client, demo, target, lands):
    response = client.post("/auth/login", data={"username": "admin", "password": "demo2026", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == lands


def test_a_protected_page_sends_anonymous_users_to_login_and_back(client, demo):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/auth/login?next=" in response.headers["Location"]


def test_a_post_without_csrf_token_is_refused(make_app, demo):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/auth/login", data={"username": "admin", "password": "demo2026"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    ok = client.post("/auth/login", data={"username": "admin", "password": "demo2026", "csrf_token": token})
    assert ok.status_code == 302


def test_logout_is_a_post(client, demo):
    login(client, "staff")
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/admin/users").status_code == 302


def test_session_cookie_flags_in_the_default_configuration(make_app, demo):
    app = make_app(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    response = login(client, "staff")
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_a_deactivated_user_is_logged_out_at_once(app, client, demo):
    from trading.extensions import db
    from trading.models import User

    login(client, "bidder2")
    assert client.get("/").status_code == 200
    with app.app_context():
        user = db.session.query(User).filter_by(username="bidder2").one()
        user.active = False
        db.session.commit()
    assert client.get("/auth/password").status_code == 302


def test_password_change_through_the_form(client, demo):
    login(client, "tenderee1")
    bad = client.post("/auth/password", data={"current": "demo2026", "new": "abc", "confirm": "abc"})
    assert bad.status_code == 200
    ok = client.post("/auth/password", data={"current": "demo2026", "new": "newpass2026", "confirm": "newpass2026"})
    assert ok.status_code == 302
    client.post("/auth/logout")
    assert login(client, "tenderee1", "newpass2026").status_code == 302


@pytest.mark.parametrize("url, status, words", [
    ("/no/such/page", 404, "页面不存在"),
    ("/admin/users", 403, "您无权访问此页面"),
])
def test_error_pages_are_in_chinese_and_say_what_to_do(client, demo, url, status, words):
    login(client, "bidder1")
    response = client.get(url)
    assert response.status_code == status
    text = response.get_data(as_text=True)
    assert words in text and "返回首页" in text


def test_an_unexpected_error_shows_the_500_page(make_app):
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "平台出现了错误" in response.get_data(as_text=True)

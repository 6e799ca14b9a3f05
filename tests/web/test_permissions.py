"""Every route x every role (and anonymous): the expected status. A new route without a row fails."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import login
from trading.extensions import db
from trading.models import Organisation, User

ROLES = ["anonymous", "admin", "staff", "supervisor", "tenderee", "bidder", "expert"]
USERNAMES = {"admin": "admin", "staff": "staff", "supervisor": "supervisor", "tenderee": "tenderee1",
             "bidder": "bidder1", "expert": "expert1"}
LOGIN = 302  # anonymous users are sent to the login page
ALL = {role: 200 for role in ROLES}


def only(allowed: set[str], ok: int = 200, anonymous: int = LOGIN) -> dict[str, int]:
    """``ok`` for the allowed roles, 403 for the other logged-in roles."""
    return {role: (anonymous if role == "anonymous" else ok if role in allowed else 403) for role in ROLES}


# endpoint -> (method, url arguments, form data, expected status per role)
TABLE = {
    "main.home": ("GET", {}, None, ALL),
    "main.language": ("POST", {}, {"lang": "en", "next": "/"}, {role: 302 for role in ROLES}),
    "auth.login": ("GET", {}, None, {role: 200 if role == "anonymous" else 302 for role in ROLES}),
    "auth.logout": ("POST", {}, None, {role: 302 for role in ROLES}),
    "auth.password": ("GET", {}, None, {role: LOGIN if role == "anonymous" else 200 for role in ROLES}),
    "admin.index": ("GET", {}, None, only({"admin"}, ok=302)),
    "admin.organisations": ("GET", {}, None, only({"admin"})),
    "admin.organisation_active": ("POST", {"org_id": "spare_org"}, {"active": "1"}, only({"admin"}, ok=302)),
    "admin.users": ("GET", {}, None, only({"admin"})),
    "admin.user_active": ("POST", {"user_id": "spare_user"}, {"active": "1"}, only({"admin"}, ok=302)),
    "admin.clock": ("GET", {}, None, only({"admin"})),
    "supervision.audit_log": ("GET", {}, None, only({"supervisor", "admin"})),
    "supervision.audit_verify": ("GET", {}, None, only({"supervisor", "admin"})),
}
IGNORED = {"static", "bootstrap.static"}


def test_every_route_has_a_row(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED
    assert endpoints - set(TABLE) == set(), "add these routes to the permission table"
    assert set(TABLE) - endpoints == set(), "these rows name routes that no longer exist"


@pytest.fixture
def clients(app, demo):
    """One logged-in client per role, plus an anonymous one."""
    result = {"anonymous": app.test_client()}
    for role, username in USERNAMES.items():
        client = app.test_client()
        assert login(client, username).status_code == 302
        result[role] = client
    with app.app_context():
        ids = {"spare_org": db.session.scalar(sa.select(Organisation.id).where(Organisation.org_type == "bidder")),
               "spare_user": db.session.scalar(sa.select(User.id).where(User.username == "bidder6"))}
    return result, ids


@pytest.mark.parametrize("endpoint", sorted(TABLE))
def test_role_x_endpoint(app, clients, endpoint):
    by_role, ids = clients
    method, args, data, expected = TABLE[endpoint]
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **{key: ids.get(value, value) for key, value in args.items()})
    got = {}
    for role in ROLES:
        response = by_role[role].open(url, method=method, data=data)
        got[role] = response.status_code
        if endpoint == "auth.logout" and role != "anonymous":  # log back in for the next rows
            login(by_role[role], USERNAMES[role])
    assert got == expected

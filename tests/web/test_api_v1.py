"""The JSON API v1 (issue 20): its OpenAPI document made from the code, the published facts for anyone (nothing
about who takes part before the law allows), stable cursors, RFC 9457 problems, and a bidder's own records and bid
upload with an API token of the right scope (never another company's)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW
from tests.web.test_bids import certificate, client_for, credit, lot_id, seal_for  # noqa: F401 (lot_id: fixture)
from trading.extensions import db
from trading.models import Announcement, Bid, Lot, Organisation, Project, Registration, User
from trading.services import api_tokens

DEMO_LOT = "咸宁市永安大道东延线道路工程"  # the demo's lot 5: three sealed bids, an hour before its deadline


@pytest.fixture
def demo_app(restore_demo):
    return restore_demo()


def token_for(app, username: str, scopes: list[str]) -> str:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        _row, secret = api_tokens.issue(db.session, user, FIXED_NOW, name="程序", scopes=scopes, days=30)
        db.session.commit()
    return secret


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def walk(client, url: str, limit: int = 2) -> list[dict]:
    """Every row of a list, page by page, following next_cursor."""
    rows, cursor = [], None
    while True:
        answer = client.get(url, query_string={"limit": limit, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.json
        rows += answer.json["data"]
        cursor = answer.json["next_cursor"]
        if cursor is None:
            return rows


def test_the_openapi_document_is_3_1_and_lists_every_api_route(demo_app):
    document = demo_app.test_client().get("/api/v1/openapi.json")
    assert document.status_code == 200 and document.json["openapi"] == "3.1.0"
    paths = document.json["paths"]
    for rule in demo_app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint.startswith(("api_public.", "api_bidder.", "api_tenderee.",
                                                                           "api_supervision.")):
            path = rule.rule.replace("<int:", "{").replace("<string(maxlength=64):", "{").replace(">", "}")
            assert path in paths, f"{rule.rule} is not in the document"
    # every documented error is a problem document, and the page that explains them is served here
    problem = document.json["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(problem) == ["application/problem+json"]
    page = demo_app.test_client().get("/api/v1/docs")
    assert page.status_code == 200 and 'src="/static/js/api-reference.js?v=' in page.get_data(as_text=True)
    assert "cdn" not in page.get_data(as_text=True).lower()


def test_the_public_sees_a_lot_before_its_deadline_without_anything_about_who_bid(demo_app):
    client = demo_app.test_client()
    with demo_app.app_context():
        lot = db.session.scalar(sa.select(Lot).join(Project).where(Project.name == DEMO_LOT))
        assert lot.state == "announced" and FIXED_NOW < lot.bid_deadline
        rivals = db.session.scalars(sa.select(Organisation.name).join(Bid, Bid.bidder_id == Organisation.id)
                                    .where(Bid.lot_id == lot.id)).all()
        lot_id_ = lot.id
    assert len(rivals) == 3
    answer = client.get(f"/api/v1/lots/{lot_id_}")
    assert answer.status_code == 200 and answer.json["state"] == "announced"
    assert answer.json["bid_statistics"] is None and answer.json["publicity"] is None
    texts = [answer.get_data(as_text=True)] + [client.get(url).get_data(as_text=True) for url in
                                               ("/api/v1/lots?limit=100", "/api/v1/announcements?limit=100",
                                                "/api/v1/results?limit=100")]
    for text in texts:
        for name in rivals:
            assert name not in text.encode().decode("unicode_escape", errors="ignore") and name not in text


def test_a_lot_not_yet_announced_does_not_exist_for_the_public(demo_app):
    with demo_app.app_context():
        draft = db.session.scalar(sa.select(Lot.id).where(Lot.id.not_in(sa.select(Announcement.lot_id))))
    assert draft is not None, "the demo has a lot not yet announced"
    answer = demo_app.test_client().get(f"/api/v1/lots/{draft}")
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"
    assert answer.json["field"] == "lot_id"
    assert draft not in {row["id"] for row in walk(demo_app.test_client(), "/api/v1/lots")}


def test_paging_by_cursor_returns_every_row_once_and_keeps_its_place_when_rows_are_added(demo_app):
    client = demo_app.test_client()
    everything = client.get("/api/v1/lots", query_string={"limit": 100}).json["data"]
    paged = walk(client, "/api/v1/lots", limit=1)
    assert [row["id"] for row in paged] == [row["id"] for row in everything] and len(paged) >= 3
    first = client.get("/api/v1/announcements", query_string={"limit": 1}).json
    assert first["next_cursor"]
    # a cursor of one list is refused by another, and a made-up one names the field
    other = client.get("/api/v1/lots", query_string={"cursor": first["next_cursor"]})
    assert other.status_code == 422 and other.json["field"] == "cursor"
    assert client.get("/api/v1/lots", query_string={"cursor": "!!"}).json["field"] == "cursor"


@pytest.mark.parametrize(("query", "field"), [({"limit": 0}, "limit"), ({"limit": "many"}, "limit"),
                                              ({"trade_type": "oil"}, "trade_type"), ({"region": "12"}, "region"),
                                              ({"sort": "price"}, "sort"), ({"region": "990000"}, "region")])
def test_bad_parameters_are_refused_with_a_problem_naming_the_field(demo_app, query, field):
    answer = demo_app.test_client().get("/api/v1/lots", query_string=query)
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert answer.json["field"] == field and answer.json["status"] == 422 and answer.json["detail"]
    assert answer.json["instance"] == "/api/v1/lots"


def test_a_refusal_with_a_rule_names_it(demo_app):
    answer = demo_app.test_client().get("/api/v1/statistics", query_string={"period": "month", "value": "2026"})
    assert answer.status_code == 422 and answer.json["field"] == "period"


def test_results_contracts_and_statistics_agree_with_the_published_awards(demo_app):
    client = demo_app.test_client()
    results = walk(client, "/api/v1/results")
    awarded = [row for row in results if row["award"]]
    assert awarded, "the demo has awarded lots"
    contracts = walk(client, "/api/v1/contracts")
    assert {c["lot_id"] for c in contracts} <= {r["lot_id"] for r in awarded}
    assert all(c["amount"] and c["supplier"]["name"] for c in contracts)
    stats = client.get("/api/v1/statistics", query_string={"period": "year", "value": "2026"}).json
    from decimal import Decimal

    assert stats["totals"]["lots"] == sum(row["totals"]["lots"] for row in stats["by_trade_type"])
    assert Decimal(stats["totals"]["amount"]) == sum(Decimal(r["totals"]["amount"]) for r in stats["by_month"])


def test_the_blacklist_and_keys_are_public(demo_app):
    client = demo_app.test_client()
    keys = client.get("/api/v1/keys").json
    assert {"receipts", "beacon", "archive", "ca"} <= {k["name"] for k in keys}
    for key in keys:
        assert client.get(key["url"]).get_data(as_text=True) == key["text"]
    assert client.get("/api/v1/blacklist").json == {"data": [], "next_cursor": None}


def test_a_bidder_reads_its_own_records_with_a_read_token_and_nobody_else_s(app, lot_id):  # noqa: F811
    bidder = client_for(app, "bidder1")
    key_file, pem = certificate(bidder)
    upload = app.test_client().post(f"/api/v1/lots/{lot_id}/bids",
                                    data=seal_for(app, bidder, lot_id, key_file, pem, credit(app, "bidder1")),
                                    content_type="application/octet-stream",
                                    headers=bearer(token_for(app, "bidder1", ["bids"])))
    assert upload.status_code == 201, upload.get_data(as_text=True)
    receipt_id = upload.json["receipt"]["receipt_id"]
    mine = token_for(app, "bidder1", ["read"])
    client = app.test_client()
    bids = client.get("/api/v1/me/bids", headers=bearer(mine)).json["data"]
    assert [b["receipt_id"] for b in bids] == [receipt_id]
    assert client.get(f"/api/v1/me/receipts/{receipt_id}", headers=bearer(mine)).json["receipt"] == \
        upload.json["receipt"]
    assert client.get("/api/v1/me/deposits", headers=bearer(mine)).json["data"][0]["lot_id"] == lot_id
    with app.app_context():
        own = sorted(db.session.scalars(sa.select(Registration.id).join(Organisation).where(
            Organisation.credit_code == credit(app, "bidder1"))))
    signed_up = client.get("/api/v1/me/registrations", headers=bearer(mine)).json["data"]
    assert [r["id"] for r in signed_up] == own and lot_id in {r["lot_id"] for r in signed_up}
    # another company's token sees none of it, and its answer for the receipt is that of a receipt that is not
    rival = token_for(app, "bidder2", ["read"])
    assert client.get("/api/v1/me/bids", headers=bearer(rival)).json["data"] == []
    refused = client.get(f"/api/v1/me/receipts/{receipt_id}", headers=bearer(rival))
    assert refused.status_code == 404 and refused.json["field"] == "receipt_id"
    made_up = client.get("/api/v1/me/receipts/no-such-receipt", headers=bearer(rival))
    assert made_up.status_code == 404 and made_up.json["detail"] == refused.json["detail"]


def test_a_token_is_refused_out_of_scope_made_up_or_missing_with_a_problem(app, lot_id):  # noqa: F811
    client = app.test_client()
    upload_only = token_for(app, "bidder1", ["bids"])
    out_of_scope = client.get("/api/v1/me/bids", headers=bearer(upload_only))
    assert out_of_scope.status_code == 403 and out_of_scope.json["field"] == "token"
    for headers in ({}, bearer("tpt_" + "A" * 43), {"Authorization": "Basic Yjpj"}):
        refused = client.get("/api/v1/me/bids", headers=headers)
        assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    # the upload checks the token before anything else, and the body's type after
    assert client.post(f"/api/v1/lots/{lot_id}/bids", data=b"x",
                       content_type="application/octet-stream").status_code == 401
    wrong_type = client.post(f"/api/v1/lots/{lot_id}/bids", data={"envelope": "x"}, headers=bearer(upload_only))
    assert wrong_type.status_code == 415 and wrong_type.json["field"] == "envelope"
    garbage = client.post(f"/api/v1/lots/{lot_id}/bids", data=b"not an envelope",
                          content_type="application/octet-stream", headers=bearer(upload_only))
    assert garbage.status_code == 422 and garbage.json["field"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) == 0

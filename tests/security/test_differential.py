"""Issue 13, leak 2, tried as a difference: each role reads the lot's pages, another bidder signs up for the lot,
pays its deposit and bids, and the role reads them again. Before the deadline nothing a role reads may change (apart
from the form tokens), or the change itself tells it that someone signed up, paid or bid. (The audit log's own pages
are left to test_audit_gaps.py.)"""

from __future__ import annotations

import re

import pytest

from tests.conftest import login
from tests.security.test_disclosure import _client, app, crawl, demo_lot  # noqa: F401 (the fixtures)
from tests.web.test_bids import certificate, sign_up_pay_and_bid

NOISE = re.compile(r'name="csrf_token"[^>]*|csrf-token" content="[^"]*"|value="[A-Za-z0-9._-]{40,}"')


def _pages(lot_id: int) -> list[str]:
    return ["/", f"/lots/{lot_id}", f"/lots/{lot_id}/opening", f"/lots/{lot_id}/opening.json",
            f"/lots/{lot_id}/opening.xlsx", f"/lots/{lot_id}/result", f"/lots/{lot_id}/draws", "/work", "/projects",
            f"/lots/{lot_id}/evaluation", "/bank/", "/experts", "/holder-keys", "/keys", "/statistics",
            "/announcements", "/certificates"]


def _read(client, lot_id: int) -> dict[str, str]:
    """Every page the role reaches by following links from the usual ones (the audit log left out), as read."""
    out = {}
    for path, text in crawl(client, lot_id, extra=tuple(_pages(lot_id))).items():
        if not path.startswith("/supervision/audit"):
            out[path] = NOISE.sub("", text)
    return out


@pytest.mark.parametrize("viewer", ["bidder1", "tenderee1", "agency", "staff", "supervisor", "admin", None])
def test_another_bidders_sign_up_deposit_and_bid_change_nothing_a_role_reads(app, demo_lot, viewer):  # noqa: F811
    bidder = app.test_client()
    assert login(bidder, "bidder4").status_code == 302  # logging in is no secret: bidders log in all day
    key_file, pem = certificate(bidder)  # nor is a signing certificate: it is per company, not per lot
    client = _client(app, viewer)
    before = _read(client, demo_lot["id"])
    sent = sign_up_pay_and_bid(app, bidder, "bidder4", demo_lot["id"], key_file, pem)
    assert sent.status_code == 302 and "/receipt" in sent.headers["Location"], "bidder4's bid is received"
    after = _read(client, demo_lot["id"])
    changed = [path for path in set(before) | set(after) if before.get(path) != after.get(path)]
    assert not changed, f"{viewer} sees a change on {changed} when bidder4 signs up, pays and bids"

"""Issue 13, leaks 2 and 9 through the audit log's numbering and length: the log used to number its rows with the
chain's sequence numbers, so the entries it left out showed as holes, one per sign-up, and the verification page
stated the chain's length. Tried as a difference: the supervisor and the administrator read the whole log, its
verification page and their home page's count, three bidders log in and sign up for a lot before its deadline, and
they read them again. Nothing may change but the chain's head hash, which moves with every entry (a bidder's login
too), so its moving tells nothing."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login
from tests.web.test_lots import sign_up, take_lot_to_announced

SIGNERS = ("bidder1", "bidder2", "bidder3")
HEAD = re.compile(r'<p class="hash">[0-9a-f]{64}</p>')
NOISE = re.compile(r'name="csrf_token"[^>]*|csrf-token" content="[^"]*"')  # form tokens carry the second they were made


def _log(client) -> list[str]:
    """Every page of the audit log, the verification page (its head hash left out) and the home page."""
    pages, page = [], 1
    while page <= 50:
        listing = NOISE.sub("", client.get(f"/supervision/audit?page={page}").get_data(as_text=True))
        if "<td>" not in listing or (pages and listing == pages[-1]):  # past the end: the last page again
            break
        pages.append(listing)
        page += 1
    verdict = client.get("/supervision/audit/verify").get_data(as_text=True)
    assert HEAD.search(verdict), "the verification page shows the head to note down"
    return [*pages, NOISE.sub("", HEAD.sub("", verdict)), NOISE.sub("", client.get("/").get_data(as_text=True))]


@pytest.mark.parametrize("viewer", ["supervisor", "admin"])
def test_the_log_its_verification_and_its_count_read_the_same_whether_bidders_signed_up_or_not(app, demo, viewer):
    lot_id = take_lot_to_announced(app, "construction")
    client = app.test_client()
    assert login(client, viewer).status_code == 302
    before = _log(client)
    assert len(before) >= 3
    for name in SIGNERS:
        bidder = app.test_client()
        assert login(bidder, name).status_code == 302
        assert sign_up(bidder, lot_id).status_code == 302
    after = _log(client)
    changed = [index for index, (old, new) in enumerate(zip(before, after, strict=False)) if old != new]
    assert len(before) == len(after) and not changed, f"{viewer} sees the log change when bidders sign up"


def test_the_log_shows_no_sequence_numbers(app, demo):
    client = app.test_client()
    assert login(client, "supervisor").status_code == 302
    page = client.get("/supervision/audit").get_data(as_text=True)
    assert "<th>#</th>" not in page
    assert not re.search(r"<tr[^>]*>\s*<td>\d+</td>", page), "a row starts with a number"

"""Issue 13, leaks 2 and 9 through the audit log's numbering: each entry carries its sequence number, so entries
the log leaves out before the deadline still show as holes in the numbering, one hole per sign-up, and the
verification page states the chain's length. The supervisor and the administrator must not be able to count the
bidders of a lot still before its deadline from either."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.conftest import login
from tests.web.test_lots import take_lot_to_announced
from trading.domain.visibility import BIDDER_ACTIONS
from trading.extensions import db
from trading.models import AuditEntry

SIGNERS = ("bidder1", "bidder2", "bidder3")


def _signed_up(app) -> tuple[int, set[int]]:
    """A lot announced and signed up for by three bidders: (lot id, the sequence numbers of the sign-ups)."""
    lot_id = take_lot_to_announced(app, "construction")
    for name in SIGNERS:
        bidder = app.test_client()
        assert login(bidder, name).status_code == 302
        assert bidder.post(f"/lots/{lot_id}/sign-up").status_code == 302
    with app.app_context():
        secret = set(db.session.scalars(sa.select(AuditEntry.seq).where(
            AuditEntry.action.in_(BIDDER_ACTIONS), AuditEntry.object_id == str(lot_id))))
    assert len(secret) == len(SIGNERS)
    return lot_id, secret


def _numbers(page: str) -> set[int]:
    """The sequence numbers the log page shows, one per row (withheld rows included)."""
    return {int(n) for n in re.findall(r"<tr[^>]*>\s*<td>(\d+)</td>", page)}


@pytest.mark.xfail(strict=True, reason="the audit log numbers its rows with the chain's sequence numbers; leaving "
                   "the secret entries out leaves countable holes. Fixing it means a log view without the numbers "
                   "(or with every secret entry and its neighbours folded into one undated row) for viewers who may "
                   "not see them: a change of the log's presentation the lead should decide")
@pytest.mark.parametrize("viewer", ["supervisor", "admin"])
def test_holes_in_the_audit_numbering_do_not_count_the_sign_ups(app, demo, viewer):
    _, secret = _signed_up(app)
    client = app.test_client()
    assert login(client, viewer).status_code == 302
    shown = _numbers(client.get("/supervision/audit").get_data(as_text=True))
    assert shown
    holes = set(range(min(shown), max(shown) + 1)) - shown
    assert not secret & holes, f"{viewer} counts {len(secret & holes)} sign-ups from holes in the numbering"


@pytest.mark.xfail(strict=True, reason="the verification page states the chain's length and head sequence number; "
                   "minus the entries the log shows, that is the number of withheld entries. Showing the head to "
                   "those who may not see every entry needs a decision on what --expect is noted down from")
def test_the_chain_length_on_the_verify_page_does_not_count_the_sign_ups(app, demo):
    _signed_up(app)
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    shown, page, previous = 0, 1, None
    while True:
        listing = client.get(f"/supervision/audit?page={page}").get_data(as_text=True)
        rows = _numbers(listing)
        if not rows or rows == previous:  # a page past the end shows the last page again
            break
        shown, page, previous = shown + len(rows), page + 1, rows
    verdict = client.get("/supervision/audit/verify").get_data(as_text=True)
    head = re.search(r'class="hash">(\d+):', verdict)
    assert head, "the verification page shows the chain's head"
    assert int(head.group(1)) == shown, f"the admin learns that {int(head.group(1)) - shown} entries are withheld"

"""Issue 13 item 7: an insider with the database (and a copy of the blob store) swaps or suppresses a bid.

The opening checks every bid row against the platform's signed receipt and the audit-chained submission before
it decrypts anything: a row that points at another envelope is held (疑似篡改，暂不开启), never opened, and reported to
the supervisor; so is a bid marked withdrawn without its audited withdrawal. The rest of the opening goes on."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from markupsafe import escape
from sqlalchemy.exc import IntegrityError

from tests.conftest import login
from tests.security.sealed_lot import OLD_PRICE, PRICES, SealedLot
from trading.models import AuditEntry, Bid
from trading.platform import current_platform
from trading.services import result


@pytest.fixture
def lot(app, session, now, tmp_path):
    return SealedLot(session, now, tmp_path / "instance")


def _tampering(session, lot_id: int) -> list[AuditEntry]:
    return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "opening.tampering",
                                                            AuditEntry.object_id == str(lot_id))))


@pytest.mark.parametrize("forged", ["envelope", "envelope and hash", "envelope, hash and receipt"])
def test_a_row_pointed_at_the_bidders_earlier_envelope_is_held_and_reported(app, session, lot, forged):
    """Bidder 1 first bid 29,990,000 and replaced it with 38,100,000. An insider who kept a copy of the first
    envelope (the platform deletes it once replaced) puts it back in the blob store and points the standing row at
    it, forging as much of the row as the database holds. The old price is never read."""
    first = lot.submit([OLD_PRICE])[0]
    with lot.store.open(first.blob_key) as handle:
        kept = handle.read()  # the insider's copy, taken while the first envelope was still stored
    old = {"manifest_hash": first.manifest_hash, "size": first.size, "receipt": first.receipt}
    first_key = first.blob_key
    standing = lot.submit(PRICES[:3], at=lot.later(2))[0]
    assert first.blob_key is None and not lot.store.exists(first_key)  # replaced: the platform deleted it

    planted = lot.store.put(io.BytesIO(kept))
    values = {"blob_key": planted.key}
    if forged != "envelope":
        values.update(manifest_hash=old["manifest_hash"], size=old["size"])
    if forged == "envelope, hash and receipt":
        values.update(receipt=old["receipt"])
    lot.edit_bid(standing.id, **values)

    record = lot.open()
    held = next(e for e in record if e.bid_id == standing.id)
    assert held.status == "held" and held.price is None and held.reason
    assert [e.price_text for e in record if e.status == "opened"] == PRICES[1:3]  # the rest of the opening went on
    assert OLD_PRICE not in {e.price_text for e in record}  # the old price was not opened
    # With the receipt forged too, the replacing submission has no receipt pointing at it any more, so the first
    # bid stands by the audit log and is reported as suppressed as well: both are held for the supervisor.
    expected = {standing.id} | ({first.id} if "receipt" in forged else set())
    assert {e.bid_id for e in record if e.status == "held"} == expected
    assert {e.payload["bid_id"] for e in _tampering(session, lot.lot.id)} == expected
    warned = [w for w in result.warnings(current_platform(), session, lot.now) if w.kind == "tampering"]
    assert {(w.lot_id, w.params["bid_id"]) for w in warned} == {(lot.lot.id, bid_id) for bid_id in expected}

    client = app.test_client()
    login(client, lot.people.supervisor.username)
    page = client.get("/supervision/warnings").get_data(as_text=True)
    with app.test_request_context():  # the supervisor reads what was found, in the page's language (Chinese)
        found = [str(app.jinja_env.filters["reason"](e.payload["reason"])) for e in _tampering(session, lot.lot.id)]
    assert found and all(str(escape(text)) in page and not text.startswith("The ") for text in found)
    opening_page = client.get(f"/lots/{lot.lot.id}/opening").get_data(as_text=True)
    assert "疑似篡改，暂不开启" in opening_page and OLD_PRICE not in opening_page


def test_a_second_standing_row_for_the_same_bidder_is_refused_by_the_database(session, lot):
    """Reviving the replaced row beside the standing one (two bids of one bidder would open two prices): the
    database refuses the row (uq_bid_standing); the opening's own check of it is in tests/domain/test_standing.py."""
    first = lot.submit([OLD_PRICE])[0]
    with lot.store.open(first.blob_key) as handle:
        kept = handle.read()
    lot.submit(PRICES[:3], at=lot.later(2))
    planted = lot.store.put(io.BytesIO(kept))
    with pytest.raises(IntegrityError):
        lot.edit_bid(first.id, status="submitted", withdrawn_at=None, blob_key=planted.key)
    record = lot.open()
    assert sorted(e.price_text for e in record if e.status == "opened") == sorted(PRICES[:3])
    assert _tampering(session, lot.lot.id) == []


def test_a_withdrawal_suppressed_by_editing_the_row_is_caught(session, lot):
    """An insider marks a rival's standing bid withdrawn (no audited withdrawal, no receipt): the bid does not
    silently vanish from the opening; it is held, audited and warned about, and the others are opened."""
    made = lot.submit(PRICES)
    victim = made[1]
    lot.edit_bid(victim.id, status="withdrawn", withdrawn_at=lot.later(3))

    record = lot.open()
    suppressed = next(e for e in record if e.bid_id == victim.id)
    assert suppressed.status == "held" and "withdrawn" in suppressed.reason
    assert sorted(e.price_text for e in record if e.status == "opened") == sorted(PRICES[:1] + PRICES[2:])
    assert [e.payload["bid_id"] for e in _tampering(session, lot.lot.id)] == [victim.id]
    warned = result.warnings(current_platform(), session, lot.now)
    assert any(w.kind == "tampering" and w.params["bid_id"] == victim.id for w in warned)


def test_a_genuine_withdrawal_and_replacement_open_without_any_finding(session, lot):
    """The check does not cry wolf: real replacements and withdrawals through the platform pass."""
    lot.submit([OLD_PRICE])
    made = lot.submit(PRICES, at=lot.later(2))
    from trading.services import bids

    bids.withdraw(lot.ctx.at(lot.later(3)), session, lot.people.bidders[3], lot.later(3), lot.lot)
    session.commit()
    record = lot.open()
    assert [e.status for e in record] == ["opened"] * 3
    assert [e.price_text for e in record] == PRICES[:3] and _tampering(session, lot.lot.id) == []
    assert session.get(Bid, made[3].id).status == "withdrawn"


def test_suppressing_a_bid_cannot_fail_a_lot_that_has_enough_bids(session, lot):
    """With exactly three bids, marking one withdrawn in the database would leave two: the lot must not fail
    quietly for too few bids (流标); it goes to the opening, where the suppressed bid is held and reported."""
    made = lot.submit(PRICES[:3])
    lot.edit_bid(made[2].id, status="withdrawn", withdrawn_at=lot.later(3))
    record = lot.open()
    assert lot.lot.state == "opening"
    assert [e.status for e in record] == ["opened", "opened", "held"]
    assert [e.payload["bid_id"] for e in _tampering(session, lot.lot.id)] == [made[2].id]

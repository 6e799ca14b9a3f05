"""Issue 13 item 11: key holders release their shares at the same moment (PostgreSQL, several app servers).

Releases of one lot are serialised on its opening-key row, so whatever the timing the bids are opened exactly
once: never zero openings (every request seeing k-1 shares), never two (or a unique-constraint error, a 500)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.at_once import at_once
from tests.security.sealed_lot import KEY_PASS, PRICES, SealedLot
from trading.models import AuditEntry, KeyShare, Lot, OpeningEntry, User
from trading.services import keys, opening

ROUNDS = 3  # lots per threshold, each released by every holder at once


def _release_together(app, lot: SealedLot, at) -> list[str]:
    """Every holder of the lot releases its share in its own thread and session, all let go at one instant
    (``tests.at_once``): ``released``, ``refused: <message> [<rule>]`` or ``error: <repr>`` each."""
    key = keys.opening_key_of(lot.session, lot.lot)
    holder_ids = [share.holder_id for share in lot.session.scalars(
        sa.select(KeyShare).where(KeyShare.opening_key_id == key.id))]

    def release(holder_id: int):
        return lambda session: opening.release_share(lot.ctx, session, session.get(User, holder_id), at,
                                                     session.get(Lot, lot.lot.id), KEY_PASS) and "released"

    return [outcome.value if outcome.value == "released" else str(outcome)
            for outcome in at_once(app, [release(holder_id) for holder_id in holder_ids])]


@pytest.mark.parametrize("k", [2, 3])
def test_simultaneous_releases_open_the_bids_exactly_once(postgres, session, now, tmp_path, k):
    for round_ in range(ROUNDS):
        lot = SealedLot(session, now, tmp_path / "instance", k=k, load=round_ == 0)
        lot.submit(PRICES[:3])
        at = lot.close()
        outcomes = _release_together(postgres, lot, at)
        session.expire_all()
        assert not [o for o in outcomes if o.startswith("error")], outcomes
        assert outcomes.count("released") >= k  # enough shares came in: the bids must open
        entries = session.scalars(sa.select(OpeningEntry).where(OpeningEntry.lot_id == lot.lot.id)).all()
        assert sorted(e.price_text for e in entries) == sorted(PRICES[:3])  # one opening record, each bid once
        records = session.scalar(sa.select(sa.func.count(AuditEntry.seq)).where(
            AuditEntry.action == "opening.record", AuditEntry.object_id == str(lot.lot.id)))
        assert records == 1
        late = [o for o in outcomes if o.startswith("refused")]
        assert all("already open" in o for o in late), late  # a holder after the opening is told, not failed

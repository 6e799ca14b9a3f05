"""Races on PostgreSQL (several app servers, each with its own session): two members of staff refunding the same
land deposit at once, and two clock steps closing a property lot's sealed round at once (with holders releasing
their shares meanwhile). Each thing happens once: one refund and one bank transfer; one transition, one opening,
one decision, each deposit refunded or applied once. Skipped with the reason without PostgreSQL, except in CI."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.at_once import at_once
from tests.security.sealed_lot import KEY_PASS
from tests.security.test_holder_custody import new_account, user
from tests.services.property_lot import property_lot
from tests.services.test_land_contracts import dealt, deposit_of
from trading.models import AuditEntry, BankTransfer, Deposit, Lot, OpeningEntry, User
from trading.services import chronograph, keys, land_refunds, opening
from trading.simulate import lots as walk


def together(app, calls) -> list[str]:
    """Each ``call(session)`` at one instant (``tests.at_once``): what each did, as text (its result, ``refused:
    <message> [<rule>]`` or ``error: <repr>``)."""
    return [str(outcome) for outcome in at_once(app, calls)]


def count(session, action: str, lot_id: int) -> int:
    return session.scalar(sa.select(sa.func.count(AuditEntry.seq)).where(AuditEntry.action == action,
                                                                        AuditEntry.object_id == str(lot_id)))


def transfers_from(session, lot_id: int) -> Counter:
    """How many times money left each deposit's sub-account, by bidder."""
    return Counter({d.bidder_id: session.scalar(sa.select(sa.func.count()).select_from(BankTransfer).where(
        BankTransfer.from_account_id == d.sub_account_id))
        for d in session.scalars(sa.select(Deposit).where(Deposit.lot_id == lot_id))})


def test_two_staff_refunding_the_same_land_deposit_at_once_refund_it_once(postgres, ctx, session):
    people, lot, state = dealt(ctx, session)
    loser = deposit_of(session, lot, people.bidders[1])
    second = new_account(session, state.decided_at, user(session, "admin"), "staff2", people.staff)
    session.commit()
    lot_id, deposit_id, at = lot.id, loser.id, state.decided_at + timedelta(days=1)
    staff_ids = [people.staff.id, second.id]

    def refund(staff_id, one):
        return lambda s: [d.id for d in land_refunds.refund(ctx, s, s.get(User, staff_id), at, lot_id,
                                                            deposit_id if one else None)]

    outcomes = together(postgres, [refund(staff_ids[0], True), refund(staff_ids[1], False)])
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert sorted(outcomes) == sorted([repr([deposit_id]), "refused: No deposit of this lot is waiting to be "
                                       "refunded: each is refunded once. [land.deposit_refund]"]), outcomes
    session.expire_all()
    assert session.get(Deposit, deposit_id).status == "refunded"
    assert transfers_from(session, lot_id)[loser.bidder_id] == 1  # one bank transfer back
    assert count(session, "deposit.refund", lot_id) == 1  # one refund on the record


@pytest.mark.parametrize("prices", [[], ["26000000.00", "26800000.00"]])
def test_two_clock_steps_closing_a_sealed_round_at_once_close_and_open_it_once(postgres, ctx, session, prices):
    people, lot = property_lot(session, form="sealed")
    chronograph.tick(ctx, session, lot.listing_end)
    session.commit()
    if prices:
        walk.submit_bids(ctx, session, people, lot.listing_end + timedelta(hours=1), lot, prices,
                         bidders=people.bidders[:2])
        session.commit()
    lot_id, deadline = lot.id, lot.bid_deadline

    def step(s):
        return [(m.lot_id, m.action) for m in chronograph.run(ctx, s, deadline).moved if m.lot_id == lot_id]

    outcomes = together(postgres, [step, step])
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    session.expire_all()
    lot = session.get(Lot, lot_id)
    expected = "close_bidding" if prices else "fail"
    assert sorted(outcomes) == sorted(["[]", repr([(lot_id, expected)])]), outcomes
    assert count(session, f"lot.{expected}", lot_id) == 1  # one transition
    if not prices:  # 流拍: every deposit refunded once
        assert lot.state == "failed" and set(transfers_from(session, lot_id).values()) == {1}
        return
    # the holders release their shares while two more steps run: one opening, one decision
    key = keys.opening_key_of(session, lot)
    holder_ids = [s.holder_id for s in key.shares][:2]

    def release(holder_id):
        return lambda s: opening.release_share(ctx, s, s.get(User, holder_id), deadline, s.get(Lot, lot_id),
                                               KEY_PASS) and "released"

    later = deadline + timedelta(minutes=1)
    outcomes = together(postgres, [release(holder_ids[0]), release(holder_ids[1]),
                                   lambda s: chronograph.run(ctx, s, later).lots_opened,
                                   lambda s: chronograph.run(ctx, s, later).lots_opened])
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    session.expire_all()
    lot = session.get(Lot, lot_id)
    assert lot.state == "publicity"
    assert count(session, "opening.record", lot_id) == 1 and count(session, "property.sealed_result", lot_id) == 1
    assert count(session, "lot.close_auction", lot_id) == 1
    assert session.scalar(sa.select(sa.func.count(OpeningEntry.id)).where(OpeningEntry.lot_id == lot_id)) == 2
    statuses = Counter(d.status for d in session.scalars(sa.select(Deposit).where(Deposit.lot_id == lot_id)))
    assert statuses == Counter({"applied": 1, "refunded": 1})
    assert sorted(transfers_from(session, lot_id).values()) == [0, 1]  # the loser's refund, once

"""Helpers for tests of live property trades: the demo's state property lot in its disclosure, with intending
buyers signed up, their deposits paid and (optionally) qualified by the centre's staff."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW
from trading.domain.errors import DomainError
from trading.models import Deposit, Lot
from trading.platform import current_platform
from trading.services import chronograph, deposits, pledges, property_trades, registrations
from trading.simulate import demo, lots as walk


def property_lot(session, applicants: int = 2, qualified: int | None = None, form: str = "multi_round"):
    """The demo's property lot announced (its disclosure open) at FIXED_NOW, the first ``applicants`` demo bidders
    signed up with their deposits paid in full, the first ``qualified`` of them (all, by default) qualified by
    staff; ``form`` the bidding form its disclosure chose (multi_round, or sealed: one sealed round, its opening key
    made at the announcement); returns (people, lot)."""
    demo.load(session, FIXED_NOW)
    people, ctx = walk.cast(session), current_platform()
    lot = walk.create(ctx, session, people, FIXED_NOW, "property")
    lot.property_terms = {**lot.property_terms, "bidding_form": form}
    walk.advance(ctx, session, people, FIXED_NOW, lot, "announced")
    chronograph.tick(ctx, session, FIXED_NOW)  # its disclosure (listing) opens at once
    for bidder in people.bidders[:applicants]:
        apply(session, bidder, lot)
    for bidder in people.bidders[:applicants if qualified is None else qualified]:
        qualify(ctx, session, people, lot, bidder)
    session.commit()
    return people, lot


def apply(session, bidder, lot: Lot, at: datetime = FIXED_NOW) -> None:
    """``bidder`` signs up and pays its deposit in full."""
    registrations.sign_up(session, bidder, at, lot, pledge=pledges.accepted(session, lot, bidder))
    deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
    deposits.pay(session, bidder, at, target_number=deposit.sub_account.number, amount=f"{deposit.required:.2f}")


def qualify(ctx, session, people, lot: Lot, bidder, at: datetime = FIXED_NOW):
    """Staff qualify ``bidder``'s application."""
    registration = registrations.registration_of(session, lot, bidder.organisation_id)
    return property_trades.qualify(ctx, session, people.staff, at, lot.id, registration.id)


def statuses(session, lot: Lot) -> dict[int, str]:
    """Each bidder's deposit status on the lot."""
    return {d.bidder_id: d.status for d in session.scalars(sa.select(Deposit).where(Deposit.lot_id == lot.id))}


def refused(call) -> DomainError:
    """The refusal ``call()`` raises."""
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value

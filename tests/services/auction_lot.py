"""Helpers for tests of live land trades: a land lot announced for listing, with qualified bidders."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from tests.conftest import FIXED_NOW
from trading.domain import auction
from trading.models import Lot
from trading.platform import current_platform
from trading.services import auctions, chronograph, deposits, pledges, registrations
from trading.simulate import demo, lots as walk

SALT = "0123456789abcdef0123456789abcdef"


def land_lot(session, bidders: int = 2):
    """The demo's land parcel announced at FIXED_NOW, with the first ``bidders`` demo bidders signed up, their
    deposits paid in full and their paddle numbers issued; returns (people, lot, paddles)."""
    demo.load(session, FIXED_NOW)
    people, ctx = walk.cast(session), current_platform()
    lot = walk.create(ctx, session, people, FIXED_NOW, "land")
    walk.advance(ctx, session, people, FIXED_NOW, lot, "announced")
    paddles = [qualified(ctx, session, bidder, lot) for bidder in people.bidders[:bidders]]
    session.commit()
    return people, lot, paddles


def qualified(ctx, session, bidder, lot: Lot, at: datetime = FIXED_NOW):
    """Sign ``bidder`` up, pay its deposit in full and issue its paddle number."""
    registrations.sign_up(session, bidder, at, lot, pledge=pledges.accepted(session, lot, bidder))
    deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
    deposits.pay(session, bidder, at, target_number=deposit.sub_account.number, amount=f"{deposit.required:.2f}")
    return auctions.qualify(ctx, session, bidder, at, lot)


def open_listing(ctx, session, lot: Lot) -> None:
    """Run the clock step at the listing's start (the lot moves to listing)."""
    chronograph.tick(ctx, session, lot.listing_start)


def seal_reserve(ctx, session, people, lot: Lot, reserve: str, at: datetime | None = None):
    """The land authority seals ``reserve`` with the test salt."""
    commitment = auction.commit(auctions.commitment_code(lot), Decimal(reserve), SALT)
    return auctions.set_reserve(ctx, session, people.land_tenderee, at or lot.listing_start, lot, commitment)


def after(moment: datetime, **delta) -> datetime:
    return moment + timedelta(**delta)

"""A construction lot taking sealed bids, driven through the real services, for the attacks on the opening
(issue 13 items 7, 10 and 11). The data is committed, as a live platform's would be, so that what an attacker
edits directly in the database, and what happens after a commit, are the real thing."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from trading.extensions import db
from trading.models import Bid
from trading.platform import current_platform
from trading.services import chronograph, opening
from trading.simulate import demo, lots as walk

KEY_PASS = demo.DEMO_KEY_PASSPHRASE  # the demo holders' key-holder passphrase
PRICES = ["38100000.00", "37650000.50", "36980000.00", "37200000.00"]
OLD_PRICE = "29990000.00"  # bidder 1's first bid, replaced before the deadline


class SealedLot:
    """An announced construction lot of the demo, with the app's platform context (its blob store and keys)."""

    def __init__(self, session, now, instance_path, *, k: int = 2, load: bool = True):
        if load:
            demo.load(session, now)
        self.session, self.now = session, now
        self.ctx = ctx = current_platform()
        self.people = people = walk.cast(session)
        self.store = ctx.store  # instance/blobs
        self.lot = walk.create(ctx, session, people, now, "construction")
        self.lot.key_threshold = k  # of the three holders: the host, a supervisor, the tenderee
        walk.advance(ctx, session, people, now, self.lot, "announced")
        self.platform = ctx.platform_keys()
        session.commit()

    def submit(self, prices, at=None, **extra) -> list[Bid]:
        """The first ``len(prices)`` demo bidders seal and submit bids (replacing their earlier ones); committed."""
        made = walk.submit_bids(self.ctx, self.session, self.people, at or self.now, self.lot, prices, **extra)
        self.session.commit()
        return made

    def close(self):
        """Past the deadline: the clock step moves the lot to the opening (committed); returns the time."""
        at = self.lot.bid_deadline
        chronograph.tick(self.ctx, self.session, at)
        self.session.commit()
        return at

    def open(self, holders=None) -> list:
        """Past the deadline: the clock step moves the lot to the opening and two holders release their shares."""
        at = self.close()
        for holder in holders or (self.people.staff, self.people.supervisor):
            opening.release_share(self.ctx, self.session, holder, at, self.lot, KEY_PASS)
        self.session.commit()
        return opening.record(self.session, self.lot)

    def edit_bid(self, bid_id: int, **values) -> None:
        """The attacker's direct UPDATE of a bid row, on its own connection (no service, no audit entry)."""
        with db.engine.begin() as connection:
            connection.execute(sa.update(Bid.__table__).where(Bid.__table__.c.id == bid_id).values(**values))
        self.session.expire_all()

    def later(self, hours: int):
        """A time before the deadline, ``hours`` after the lot was set up."""
        return self.now + timedelta(hours=hours)

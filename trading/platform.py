"""The platform's parts in one context (``Platform``), built once by the factory and kept in
``app.extensions["trading"]``: the keyring (the at-rest key and the platform's signing keys), the rule set in
force, the clock, the blob store, the job queue, the live channel, the message gateway, the interest rate on
refunded deposits and the central bank's rate that a late procurement refund is charged at. Services that need a part
take the context as their first argument, ``ctx``, and read the part from it (``ctx.rules``, ``ctx.keyring.at_rest``,
``ctx.store``, ...); the web layer and the commands get it with ``current_platform()``, tests with the ``ctx``
fixture.

Nothing here imports Flask at module level, so the domain tools stay runnable without it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .domain.rules import RuleSet
    from .jobs import JobQueue
    from .keyring import Keyring, PlatformKeys
    from .live import Live
    from .notify.messages import MessageGateway
    from .storage import BlobStore


@dataclass
class Platform:
    """What every use case may need besides the database session (the clock may be swapped by tests and the
    training set-up, hence not frozen)."""

    keyring: Keyring
    rules: RuleSet
    clock: object  # RealClock | SimulatedClock | FixedClock: anything with now() and .simulated
    store: BlobStore  # sealed envelopes, documents and archives: the folder or S3 (storage.make_store)
    jobs: JobQueue | None = None  # where background jobs run (trading/jobs.py); the factory sets it
    live: Live | None = None  # the live channel pages follow (trading/live.py); the factory sets it
    messages: MessageGateway | None = None  # SMS and e-mail (trading/notify/messages.py); the factory sets it
    interest_rate: Decimal = Decimal("0.0035")  # annual, on refunded deposits (DEPOSIT_INTEREST_RATE)
    central_bank_rate: Decimal = Decimal("0.0435")  # annual lending rate, for late refunds (CENTRAL_BANK_RATE)
    lock_dir: str = ""  # where file locks live on SQLite (trading/locks.py); instance/locks by default

    def now(self) -> datetime:
        """The platform time (simulated, real or fixed)."""
        return self.clock.now()

    def at(self, now: datetime, **parts) -> Platform:
        """A copy whose clock stands still at ``now`` (and with other ``parts`` replaced, e.g. ``store``): the
        simulator and scripted scenarios act at times of their own."""
        from .clock import FixedClock

        return replace(self, clock=FixedClock(now), **parts)

    def platform_keys(self) -> PlatformKeys:
        """The CA and the receipt-signing key, as bid submission and receipts take them."""
        return self.keyring.platform

    def centre_name(self, session) -> str:
        """The trading centre's name (the first organisation of type trading_centre), for call scripts."""
        import sqlalchemy as sa

        from .models import Organisation

        return session.scalar(sa.select(Organisation.name).where(Organisation.org_type == "trading_centre")
                              .order_by(Organisation.id)) or "公共资源交易平台"


def current_platform() -> Platform:
    """The context of the current app."""
    from flask import current_app

    return current_app.extensions["trading"]

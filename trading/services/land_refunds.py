"""The refund of the land deposits (竞买保证金) of the unsuccessful (39号令 第二十一条, ``land.deposit_refund``): within
5 working days after the trade ends, without interest (不计利息).

At the end of a land trade (the deal, 流拍, or a cancelled listing) the platform orders each refund with its due date
(``deposits.order_refund``); the centre's staff, who run the deposit account, make them from the lot page, each back to
the account it was paid from. A refund not made by its due date is overdue on the supervisor's dashboard and in the
early warnings (``domain.monitoring``, kind ``refund``); one made after it is marked late. Every deposit is refunded,
applied to the price or forfeited exactly once: a refund is made only from ``refund_due``, under the lot's row lock
and the deposit's, so a second click, a second member of staff or a later round finds nothing left to refund.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain.errors import N_, DomainError, Forbidden
from ..models import Deposit, Lot
from . import deposits
from .lots import get_lot

NO_INTEREST_MEMO = "不计利息"  # the bank memo reads 保证金退还：不计利息


def ordered(session, lot: Lot) -> list[Deposit]:
    """The lot's deposits (of every round) whose refund is ordered and not yet made, by due date."""
    return list(session.scalars(sa.select(Deposit).where(Deposit.lot_id == lot.id,
                                                         Deposit.status == deposits.REFUND_DUE)
                                .order_by(Deposit.refund_due, Deposit.id)))


def refund(ctx, session, actor, now: datetime, lot_id: int, deposit_id: int | None = None) -> list[Deposit]:
    """The centre's staff make the ordered refunds of a land lot (one deposit, or all of them), each to the accounts
    it was paid from, without interest; late ones are marked late. Refused when nothing is left to refund."""
    if actor is None or not actor.has_role("staff"):
        raise Forbidden(N_("Only the centre's staff refund the deposits."), field="deposit", rule="land.deposit_refund")
    lot = get_lot(session, lot_id, for_update=True)
    if lot.project.trade_type != "land":
        raise DomainError(N_("This lot is not a land parcel traded on the platform."), field="deposit",
                          rule="land.methods")
    found = [d for d in ordered(session, lot) if deposit_id is None or d.id == deposit_id]
    done = []
    for deposit in found:
        deposit = session.get(Deposit, deposit.id, with_for_update=True, populate_existing=True)
        if deposit.status == deposits.REFUND_DUE:
            done.append(deposits.refund(ctx, session, actor, now, deposit, reason=NO_INTEREST_MEMO))
    if not done:
        raise DomainError(N_("No deposit of this lot is waiting to be refunded: each is refunded once."),
                          field="deposit", rule="land.deposit_refund")
    return done

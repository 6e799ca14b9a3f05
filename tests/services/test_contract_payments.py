"""Two payments towards one contract's price at once, each through its own database session, on PostgreSQL: the
contract's row lock (``contract_payments.check_incoming``, ``property_payments.record_outside``) counts them one after
the other, so the second is judged against what the first left and the price is never paid twice over."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from tests.at_once import at_once
from tests.services.test_property_followup import contracted
from trading.domain import calendar
from trading.extensions import db
from trading.models import ContractPayment, TransferContract, User
from trading.services import deposits, property_payments


def _race(app, calls) -> tuple[list, list]:
    """Each call (given the session) at one instant (``tests.at_once``): the values of those that went through and
    the refusals of the others; no unexpected error."""
    outcomes = at_once(app, calls, timeout=60)
    assert [o.error for o in outcomes if o.error is not None] == []
    return [o.value for o in outcomes if o.refused is None], [o.refused for o in outcomes if o.refused is not None]


def _contracted(app):
    with app.app_context():
        ctx = app.extensions["trading"]
        people, lot, contract = contracted(ctx, db.session)
        at = lot.publicity_end + timedelta(days=1)
        owed = property_payments.left_to_pay(db.session, contract)
        db.session.commit()
        return ctx, contract.id, lot.id, contract.terms["account"], people.bidders[0].username, at, owed


def _paid(app, contract_id: int) -> tuple[Decimal, list[str]]:
    with app.app_context():
        contract = db.session.get(TransferContract, contract_id)
        rows = db.session.scalars(sa.select(ContractPayment).where(ContractPayment.contract_id == contract_id)).all()
        return property_payments.left_to_pay(db.session, contract), sorted(r.source for r in rows)


def _first_holds_its_transaction(first, second):
    """``first`` runs and keeps its transaction open a moment before it commits; ``second`` starts once ``first`` has
    passed its checks, so without a lock it would read what ``first`` has not yet committed."""
    passed = threading.Event()

    def hold(session):
        found = first(session)
        passed.set()
        time.sleep(0.5)
        return found

    def then(session):
        passed.wait(timeout=30)
        return second(session)

    return [hold, then]


def test_two_bank_payments_of_everything_owed_at_once_one_is_counted_the_other_refused(postgres):
    app = postgres
    _ctx, contract_id, _lot_id, number, buyer, at, owed = _contracted(app)

    def pay(session):
        user = session.scalar(sa.select(User).where(User.username == buyer))
        return deposits.pay(session, user, at, target_number=number, amount=f"{owed:.2f}").id

    done, refused = _race(app, _first_holds_its_transaction(pay, pay))
    assert len(done) == 1 and [e.rule for e in refused] == ["property.payment_days"]
    assert _paid(app, contract_id) == (Decimal("0.00"), ["bank", "deposit"])


def test_a_bank_payment_and_one_staff_record_at_once_never_pay_more_than_is_owed(postgres):
    app = postgres
    ctx, contract_id, lot_id, number, buyer, at, owed = _contracted(app)

    def pay(session):
        user = session.scalar(sa.select(User).where(User.username == buyer))
        return deposits.pay(session, user, at, target_number=number, amount=f"{owed:.2f}").id

    def record(session):
        staff = session.scalar(sa.select(User).where(User.username == "staff"))
        return property_payments.record_outside(ctx, session, staff, at, lot_id, f"{owed:.2f}",
                                                calendar.local_date(at), "HBYH20260601001", "咸国资产权〔2026〕21号").id

    done, refused = _race(app, _first_holds_its_transaction(pay, record))
    assert len(done) == 1 and len(refused) == 1 and refused[0].field == "amount"
    left, sources = _paid(app, contract_id)
    assert left == Decimal("0.00") and len(sources) == 2 and sources[0] in ("bank", "deposit")

"""The buyer's payments under a state property transaction contract (产权交易合同, 32号令 第二十八条): the centre's
staff record each payment as it arrives in the centre's settlement account (amount, day, the bank's serial number);
the schedule (``domain.property_payments``) shows what is paid, what is due and when, with the interest on the
deferred part as the contract states it; a part unpaid after its last day is overdue on the supervisor's dashboard
(``domain.monitoring`` kind ``payment``) and its early warnings, and staff may record it against the buyer as a credit
event (``late_property_payment``).

The buyer's deposit, applied to the price at the deal (``property.deposit_to_price``), is the first sum paid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from ..domain import calendar, property_payments
from ..domain.errors import N_, DomainError, Forbidden
from ..domain.property_payments import Paid, Part
from ..models import Auction, ContractPayment, CreditEvent, Deposit, Lot, TransferContract
from . import audit, credit
from .lots import get_lot

KIND = "late_property_payment"


@dataclass(frozen=True)
class Schedule:
    """A contract's payment schedule as pages show it: the parts with what is paid of each, the sums paid (the
    deposit applied first), what is still owed."""

    contract: TransferContract
    parts: list[Part]
    paid: list[Paid]
    payments: list[ContractPayment]
    owed: Decimal
    today: date

    def status(self, part: Part) -> str:
        return part.status(self.today)

    @property
    def overdue(self) -> list[Part]:
        return [p for p in self.parts if self.status(p) == "overdue"]


def _require_staff(actor) -> None:
    if actor is None or not actor.has_role("staff"):
        raise Forbidden(N_("Only the centre's staff record the buyer's payments."), field="amount",
                        rule="property.payment_days")


def contract_of(session, lot: Lot) -> TransferContract | None:
    """The property (or lease) contract of the lot's current round whose price is paid through the centre."""
    found = session.scalar(sa.select(TransferContract).where(TransferContract.lot_id == lot.id,
                                                             TransferContract.round == lot.round))
    return found if found is not None and found.payment in ("lump_sum", "instalments", "annual_rent") else None


def paid_of(session, contract: TransferContract) -> tuple[list[Paid], list[ContractPayment]]:
    """The sums paid under ``contract``: the buyer's deposit applied at the deal, then the payments recorded."""
    rows = list(session.scalars(sa.select(ContractPayment).where(ContractPayment.contract_id == contract.id)
                                .order_by(ContractPayment.paid_on, ContractPayment.id)))
    paid = [Paid(r.amount, r.paid_on) for r in rows]
    deposit = session.scalar(sa.select(Deposit).where(Deposit.lot_id == contract.lot_id,
                                                      Deposit.round == contract.round,
                                                      Deposit.bidder_id == contract.buyer_id,
                                                      Deposit.status == "applied"))
    if deposit is not None and deposit.received > 0:
        decided = session.scalar(sa.select(Auction.decided_at).where(Auction.lot_id == contract.lot_id,
                                                                     Auction.round == contract.round))
        on = calendar.local_date(decided) if decided is not None else contract.signed_on
        paid.insert(0, Paid(min(deposit.received, contract.price), on, "deposit"))
    return paid, rows


def schedule_of(session, contract: TransferContract, now: datetime) -> Schedule:
    """The contract's schedule at ``now``."""
    paid, rows = paid_of(session, contract)
    parts = property_payments.reckon(contract.terms, paid)
    return Schedule(contract, parts, paid, rows, property_payments.owed(parts), calendar.local_date(now))


def record_payment(ctx, session, actor, now: datetime, lot_id: int, amount, paid_on: date | None,
                   reference: str) -> ContractPayment:
    """Staff record a payment the buyer made under the lot's contract (never more than it still owes)."""
    lot = get_lot(session, lot_id, for_update=True)
    _require_staff(actor)
    contract = contract_of(session, lot)
    if contract is None:
        raise DomainError(N_("Payments are recorded under a registered property transaction contract."),
                          field="amount", rule="property.payment_days")
    found = schedule_of(session, contract, now)
    value, day, serial = property_payments.check_payment(found.parts, amount, paid_on, reference,
                                                         signed_on=contract.signed_on,
                                                         today=calendar.local_date(now))
    row = ContractPayment(contract_id=contract.id, amount=value, paid_on=day, reference=serial,
                          recorded_by_id=actor.id, recorded_at=now)
    session.add(row)
    session.flush()
    after = schedule_of(session, contract, now)
    audit.record(session, actor, now, "property.payment", object_type="lot", object_id=lot.id,
                 rule="property.payment_days",
                 payload={"contract_id": contract.id, "payment_id": row.id, "amount": value,
                          "paid_on": day.isoformat(), "reference": serial, "owed": after.owed})
    return row


def _decision(contract: TransferContract, part: Part) -> str:
    return f"产权交易合同{contract.number} {part.key} 逾期付款"[:200]


def record_late(ctx, session, actor, now: datetime, lot_id: int, part_key: str, evidence: str) -> CreditEvent:
    """Staff record a part paid late, or still unpaid after its last day, as a credit event against the buyer
    (``late_property_payment``), once per part."""
    lot = get_lot(session, lot_id, for_update=True)
    _require_staff(actor)
    contract = contract_of(session, lot)
    if contract is None:
        raise DomainError(N_("Payments are recorded under a registered property transaction contract."),
                          field="part", rule="property.payment_days")
    found = schedule_of(session, contract, now)
    part = next((p for p in found.parts if p.key == part_key), None)
    if part is None or found.status(part) not in ("overdue", "late"):
        raise DomainError(N_("Only a payment late, or overdue, is recorded as a credit event."), field="part",
                          rule="property.payment_days")
    decision = _decision(contract, part)
    if session.scalar(sa.select(CreditEvent.id).where(CreditEvent.lot_id == lot.id, CreditEvent.kind == KIND,
                                                      CreditEvent.decision == decision)) is not None:
        raise DomainError(N_("This late payment is recorded as a credit event already."), field="part",
                          rule=part.rule)
    evidence = (evidence or "").strip()
    if len(evidence) < 4:
        raise DomainError(N_("Describe the evidence (at least 4 characters)."), field="evidence", rule=part.rule)
    text = f"{evidence}（应付{part.amount:,.2f}元，最迟{part.due_on.isoformat()}，已付{part.paid:,.2f}元）"
    return credit.record_finding(session, actor, now, contract.buyer_id, KIND, text, decision, lot.id, part.rule)


def lots_with_contracts(session) -> list[int]:
    """The ids of the lots whose property contract's price is paid through the centre (for the dashboard)."""
    return list(session.scalars(sa.select(TransferContract.lot_id).where(
        TransferContract.payment.in_(("lump_sum", "instalments", "annual_rent"))).distinct()))

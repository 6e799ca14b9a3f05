"""The buyer's payments under a state property transaction contract (产权交易合同, 32号令 第二十八条), paid the one way
every contract's price is paid (``contract_payments``): at the contract the centre opens a collection sub-account
(产权交易价款结算子账号) under its settlement account, since the price is settled through the exchange (32号令
第二十七条, ``property.settlement``), and moves the buyer's deposit, applied to the price at the deal
(``property.deposit_to_price``), into it as the first sum paid; the buyer pays the rest from its own account on the
online bank page, and the bank's notice records each payment. The schedule (``domain.property_payments``) shows what is
paid, what is due and when, with the interest on the deferred part as the contract states it; a part unpaid after its
last day is overdue on the supervisor's dashboard (``domain.monitoring`` kind ``payment``) and its early warnings, and
staff may record it against the buyer as a credit event (``late_property_payment``).

The exception: a payment settled outside the centre (因特殊情况不能通过产权交易机构结算), which the centre's staff
record with the approving body's written opinion and the buyer's payment voucher (``record_outside``). The money paid
into the collection sub-account stays with the centre; its settlement to the transferor is not modelled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from ..bank import service as bank
from ..domain import calendar, property_payments
from ..domain.errors import N_, DomainError, Forbidden
from ..domain.property_payments import Paid, Part
from ..models import Auction, BankAccount, BankTransfer, ContractPayment, CreditEvent, Deposit, Lot, TransferContract
from . import audit, contract_payments, credit
from .lots import get_lot

KIND = "late_property_payment"
PAYMENTS = ("lump_sum", "instalments", "annual_rent")  # the contracts whose price is paid through the centre
COLLECTION_NAME = "产权交易价款结算子账号 {label}"
DEPOSIT_MEMO = "交易保证金转为交易价款"
PAYMENT_RULE = "property.payment_days"  # what a payment into the collection account is judged by (contract_payments)
AUDIT_ACTION = "property.payment"


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


def _require_staff(actor, message: str, field: str, rule: str) -> None:
    if actor is None or not actor.has_role("staff"):
        raise Forbidden(message, field=field, rule=rule)


def contract_of(session, lot: Lot) -> TransferContract | None:
    """The property (or lease) contract of the lot's current round whose price is paid through the centre."""
    found = session.scalar(sa.select(TransferContract).where(TransferContract.lot_id == lot.id,
                                                             TransferContract.round == lot.round))
    return found if found is not None and found.payment in PAYMENTS else None


def open_collection(session, now: datetime, lot: Lot, contract: TransferContract) -> None:
    """At the contract's registration (``property_trades.register_contract``): open its collection sub-account under
    the centre's settlement account and move the buyer's applied deposit into it, the first sum paid, counted on the
    day of the deal."""
    account = contract_payments.open_collection(
        session, now, lot, contract, parent=bank.settlement_account(session, now),
        name=COLLECTION_NAME.format(label=lot.deal_code or f"标的{lot.id}"))
    deposit = session.scalar(sa.select(Deposit).where(Deposit.lot_id == contract.lot_id,
                                                      Deposit.round == contract.round,
                                                      Deposit.bidder_id == contract.buyer_id,
                                                      Deposit.status == "applied"))
    if deposit is None or deposit.received <= 0:
        return
    amount = min(deposit.received, contract.price)
    moved = bank.transfer(session, now, source=session.get(BankAccount, deposit.sub_account_id),
                          target_number=account.number, amount=amount, kind="price", memo=DEPOSIT_MEMO, notify=False)
    decided = session.scalar(sa.select(Auction.decided_at).where(Auction.lot_id == contract.lot_id,
                                                                 Auction.round == contract.round))
    contract_payments.add_deposit(session, contract, amount, decided or now, moved)
    audit.record(session, None, now, "deposit.to_price", object_type="lot", object_id=lot.id,
                 rule="property.deposit_to_price",
                 payload={"deposit_id": deposit.id, "bidder_id": contract.buyer_id, "amount": amount,
                          "serial": moved.serial})


def received(session, lot: Lot, contract: TransferContract, transfer: BankTransfer) -> None:
    """A payment arrived in the collection sub-account (``contract_payments.on_payment``): the centre holds it there."""


def paid_of(session, contract: TransferContract) -> tuple[list[Paid], list[ContractPayment]]:
    """The sums paid under ``contract`` (the deposit applied first), each on its day in Beijing time, and the rows."""
    rows = contract_payments.payments_of(session, contract)
    return [Paid(r.amount, calendar.local_date(r.at), r.source) for r in rows], rows


def schedule_of(session, contract: TransferContract, now: datetime) -> Schedule:
    """The contract's schedule at ``now``."""
    paid, rows = paid_of(session, contract)
    parts = property_payments.reckon(contract.terms, paid)
    return Schedule(contract, parts, paid, rows, property_payments.owed(parts), calendar.local_date(now))


def left_to_pay(session, contract: TransferContract) -> Decimal:
    """What the buyer still owes under the contract, interest included."""
    paid, _rows = paid_of(session, contract)
    return property_payments.owed(property_payments.reckon(contract.terms, paid))


def _registered(session, lot: Lot, field: str) -> TransferContract:
    """The lot's registered transaction contract, or the refusal naming ``field``."""
    contract = contract_of(session, lot)
    if contract is None:
        raise DomainError(N_("Payments are recorded under a registered property transaction contract."),
                          field=field, rule="property.payment_days")
    return contract


def record_outside(ctx, session, actor, now: datetime, lot_id: int, amount, paid_on: date | None, reference: str,
                   approval: str) -> ContractPayment:
    """The exception to paying through the centre's bank (32号令 第二十七条): staff record a payment settled outside
    the centre, with the buyer's payment voucher and the approving body's written opinion (never more than is
    still owed)."""
    lot = get_lot(session, lot_id, for_update=True)
    _require_staff(actor, N_("Only the centre's staff record a payment settled outside the centre."), "amount",
                   "property.settlement")
    contract = _registered(session, lot, "amount")
    session.get(TransferContract, contract.id, with_for_update=True, populate_existing=True)
    found = schedule_of(session, contract, now)
    value, day, serial, opinion = property_payments.check_outside_payment(
        found.parts, amount, paid_on, reference, approval, signed_on=contract.signed_on,
        today=calendar.local_date(now))
    row = ContractPayment(contract_id=contract.id, source="outside", amount=value,
                          at=calendar.start_of_local_day(day), reference=serial, approval=opinion,
                          recorded_by_id=actor.id, recorded_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "property.payment_outside", object_type="lot", object_id=lot.id,
                 rule="property.settlement",
                 payload={"contract_id": contract.id, "payment_id": row.id, "amount": value,
                          "paid_on": day.isoformat(), "reference": serial, "approval": opinion,
                          "left": left_to_pay(session, contract)})
    return row


def _decision(contract: TransferContract, part: Part) -> str:
    return f"产权交易合同{contract.number} {part.key} 逾期付款"[:200]


def record_late(ctx, session, actor, now: datetime, lot_id: int, part_key: str, evidence: str) -> CreditEvent:
    """Staff record a part paid late, or still unpaid after its last day, as a credit event against the buyer
    (``late_property_payment``), once per part."""
    lot = get_lot(session, lot_id, for_update=True)
    _require_staff(actor, N_("Only the centre's staff record a late payment in the credit records."), "part",
                   "property.payment_days")
    contract = _registered(session, lot, "part")
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


def lot_ids(session) -> set[int]:
    """The lots whose property contract's price is paid through the centre (watched by the dashboard)."""
    return set(session.scalars(sa.select(TransferContract.lot_id).where(
        TransferContract.payment.in_(PAYMENTS)).distinct()))

"""The land price paid after the land contract (出让价款缴纳, ``domain.land_payments``): the schedule the contract
records (at least 50% within one month of the signing, the rest within a year: 国土资发〔2010〕34号), the payments
received, and the credit event the centre's staff record against a buyer that paid an instalment late.

Payments go through the simulated bank, the one way every contract's price is paid (``contract_payments``): the
contract opens a collection sub-account (土地出让价款缴款子账号) under the land authority's account that takes money
only from the buyer's own account and no more than is left to pay; the bank's notice of each payment records it and
this module sweeps it to the land authority's account (``received``). The winner's deposit, turned into part of the
price at the contract (``land_contracts.register``), is the first payment. An
instalment not covered by its last day is overdue on the supervisor's dashboard and in the early warnings
(``domain.monitoring``, kind ``land_payment``). The deal's price in the statistics is the contract's and does not move
with the payments.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from ..bank import service as bank
from ..domain import calendar, land_payments as schedule
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..models import BankAccount, BankTransfer, ContractPayment, CreditEvent, LandInstalment, Lot, TransferContract
from . import contract_payments, credit, rulebook

InstalmentInput = schedule.InstalmentInput

COLLECTION_NAME = "土地出让价款缴款子账号 {label}"
PAYMENT_MEMO = "土地出让价款"
CREDIT_KIND = "late_land_payment"
PAYMENT_RULE = "land.payment_term"  # what a payment into the collection account is judged by (contract_payments)
AUDIT_ACTION = "land.payment"


def check(ctx, session, lot: Lot, rows: list[schedule.InstalmentInput], *, price: Decimal, signed_on
          ) -> list[schedule.Instalment]:
    """The schedule typed with the land contract, checked against the rules the lot was announced with."""
    return schedule.check_schedule(rulebook.of_lot(ctx, session, lot), rows, price=price, signed_on=signed_on)


def open_schedule(session, now: datetime, lot: Lot, contract: TransferContract, found: list[schedule.Instalment],
                  deposit_transfer: BankTransfer | None) -> BankAccount:
    """Record the contract's instalments, open its collection sub-account and count the deposit applied to the
    price as the first payment (``land_contracts.register``, after ``check``); the account's number is kept in the
    contract's terms."""
    for item in found:
        session.add(LandInstalment(contract_id=contract.id, seq=item.seq, amount=item.amount, due_on=item.due_on))
    owner = bank.open_account(session, lot.project.tenderee, now)
    account = contract_payments.open_collection(session, now, lot, contract, parent=owner,
                                                name=COLLECTION_NAME.format(label=lot.deal_code or f"宗地{lot.id}"))
    if deposit_transfer is not None:
        contract_payments.add_deposit(session, contract, deposit_transfer.amount, deposit_transfer.at,
                                      deposit_transfer)
    contract.terms = {**(contract.terms or {}),
                      "schedule": [{"seq": i.seq, "amount": f"{i.amount:.2f}", "due_on": i.due_on.isoformat()}
                                   for i in found]}
    session.flush()
    return account


def instalments_of(session, contract: TransferContract) -> list[LandInstalment]:
    """The contract's instalments, in order."""
    return list(session.scalars(sa.select(LandInstalment).where(LandInstalment.contract_id == contract.id)
                                .order_by(LandInstalment.seq)))


def _views(instalments: list[LandInstalment], payments: list[ContractPayment]):
    return ([schedule.Instalment(i.seq, i.amount, i.due_on) for i in instalments],
            [schedule.Payment(p.amount, p.at) for p in payments])


def standing(session, contract: TransferContract, now: datetime) -> list[schedule.Standing]:
    """Each instalment's standing at ``now`` (paid, late, due, overdue)."""
    return schedule.standing(*_views(instalments_of(session, contract),
                                     contract_payments.payments_of(session, contract)), now)


def left_to_pay(session, contract: TransferContract) -> Decimal:
    """What is left to pay of the contract's price."""
    return schedule.outstanding(*_views(instalments_of(session, contract),
                                        contract_payments.payments_of(session, contract)))


def received(session, lot: Lot, contract: TransferContract, transfer: BankTransfer) -> None:
    """A payment arrived in the collection sub-account (``contract_payments.on_payment``): swept to the land
    authority's account."""
    owner = bank.open_account(session, lot.project.tenderee, transfer.at)
    bank.transfer(session, transfer.at, source=transfer.to_account, target_number=owner.number,
                  amount=transfer.amount, kind="price", memo=PAYMENT_MEMO, notify=False)


def record_late_payment(ctx, session, actor, now: datetime, lot_id: int, seq) -> CreditEvent:
    """The centre's staff record a credit event against the buyer for an instalment overdue or paid late (once per
    instalment), with the evidence every party reads."""
    from .land_contracts import contract_of
    from .lots import get_lot

    if actor is None or not actor.has_role("staff"):
        raise Forbidden(N_("Only the centre's staff record a late land payment in the credit records."),
                        field="instalment", rule="land.payment_term")
    lot = get_lot(session, lot_id, for_update=True)
    contract = contract_of(session, lot)
    rows = {i.seq: i for i in instalments_of(session, contract)} if contract is not None else {}
    row = rows.get(int(seq)) if str(seq).isdigit() else None
    if row is None:
        raise NotFound(N_("No such instalment of this lot's land contract."), field="instalment")
    found = next(s for s in standing(session, contract, now) if s.instalment.seq == row.seq)
    rule = rule_of(row.seq)
    if found.status not in ("overdue", "late"):
        raise DomainError(N_("Instalment %(n)s is not late: it is due by %(day)s."), field="instalment", rule=rule,
                          n=row.seq, day=row.due_on.isoformat())
    if row.credit_event_id is not None:
        raise DomainError(N_("The late payment of instalment %(n)s is already in the credit records."),
                          field="instalment", rule=rule, n=row.seq)
    paid = f"于{calendar.local_date(found.paid_at).isoformat()}缴清" if found.paid_at else \
        f"截至{calendar.local_date(now).isoformat()}尚欠{found.outstanding:.2f}元"
    evidence = (f"出让合同{contract.number}约定第{row.seq}期出让价款{row.amount:.2f}元应于{row.due_on.isoformat()}"
                f"（含当日）前缴纳，{paid}")
    event = credit.record_finding(session, actor, now, contract.buyer_id, CREDIT_KIND, evidence,
                                  f"{lot.deal_code or lot.id} 逾期缴纳土地出让价款", lot.id, rule)
    row.credit_event_id = event.id
    session.flush()
    return event


def rule_of(seq: int) -> str:
    """The rule an instalment is judged by: the first payment's, or the term of the rest."""
    return "land.first_payment" if seq == 1 else "land.payment_term"


def lot_ids(session) -> set[int]:
    """The lots with a land payment schedule (watched by the dashboard)."""
    return set(session.scalars(sa.select(TransferContract.lot_id).join(
        LandInstalment, LandInstalment.contract_id == TransferContract.id).distinct()))


def facts(session, lot_ids_: list[int], now: datetime) -> dict[int, list]:
    """For each lot: its contracts' instalments as ``domain.monitoring.LandInstalmentFacts``."""
    from ..domain import monitoring

    found: dict[int, list] = {}
    contracts = list(session.scalars(sa.select(TransferContract).where(TransferContract.lot_id.in_(lot_ids_),
                                                                       TransferContract.payment == "land_grant")))
    for contract in contracts:
        for s in standing(session, contract, now):
            found.setdefault(contract.lot_id, []).append(monitoring.LandInstalmentFacts(
                contract.id, s.instalment.seq, s.instalment.due, s.paid_at))
    return found

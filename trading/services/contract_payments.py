"""The one way a contract's price is paid, for a land contract (``land_payments``) and a state property transaction
contract (``property_payments``) alike: the contract opens a collection sub-account (缴款子账号) at the simulated bank
that takes money only from the buyer's own account and never more than is still owed; the buyer pays on the online
bank page; the bank's notice of each payment (``on_payment``) records it against the contract
(``models.ContractPayment``) and writes the audit entry. The buyer's deposit, applied to the price, is the contract's
first row.

What differs stays with each trade (``TRADES``): under whose account the collection sub-account is opened (the land
authority's; the centre's settlement account for property, 32号令 第二十七条: the price is settled through the
exchange), what is owed (the land schedule; the property parts with their interest) and what happens to the money once
in (swept to the land authority; held by the centre for property)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from ..bank import service as bank
from ..domain import contract_payments as rules_of_payment
from ..models import BankAccount, BankTransfer, ContractPayment, Lot, TransferContract
from . import audit

LAND = "land_grant"


def trade_of(contract: TransferContract):
    """The module that knows the contract's trade: ``land_payments`` or ``property_payments``."""
    from . import land_payments, property_payments

    return land_payments if contract.payment == LAND else property_payments


def open_collection(session, now: datetime, lot: Lot, contract: TransferContract, *, parent: BankAccount,
                    name: str) -> BankAccount:
    """Open the contract's collection sub-account under ``parent``: a random number (as a deposit's sub-account),
    the buyer's alone (``bank.accepts``); its number is kept in the contract's terms."""
    account = BankAccount(number=bank.new_sub_account_number(session, parent.number), name=name[:200],
                          kind="virtual", organisation_id=contract.buyer_id, parent_id=parent.id, lot_id=lot.id,
                          round=lot.round, balance=Decimal("0"), opened_at=now)
    session.add(account)
    session.flush()
    contract.terms = {**(contract.terms or {}), "account": account.number}
    session.flush()
    return account


def add_deposit(session, contract: TransferContract, amount: Decimal, at: datetime,
                transfer: BankTransfer | None = None) -> ContractPayment:
    """The buyer's deposit applied to the price: the contract's first payment (moved by ``transfer`` if any)."""
    row = ContractPayment(contract_id=contract.id, transfer_id=transfer.id if transfer else None, source="deposit",
                          payer_account=transfer.from_account.number if transfer else None, amount=amount, at=at)
    session.add(row)
    session.flush()
    return row


def payments_of(session, contract: TransferContract) -> list[ContractPayment]:
    """The money received towards the contract's price, in order of arrival."""
    return list(session.scalars(sa.select(ContractPayment).where(ContractPayment.contract_id == contract.id)
                                .order_by(ContractPayment.at, ContractPayment.id)))


def contract_for_account(session, account: BankAccount | None) -> TransferContract | None:
    """The contract whose collection sub-account this is, if any."""
    if account is None or account.kind != "virtual" or account.lot_id is None:
        return None
    found = session.scalars(sa.select(TransferContract).where(TransferContract.lot_id == account.lot_id,
                                                              TransferContract.round == account.round))
    return next((c for c in found if (c.terms or {}).get("account") == account.number), None)


def check_incoming(session, contract: TransferContract, amount: Decimal) -> None:
    """Refuse a payment into the collection account when the price is paid, or above what is still owed (the online
    bank asks before it moves any money; the payer owns the account, so the answer may say why). The contract's row
    is locked first: two payments at once are counted one after the other, the second against what the first left."""
    session.get(TransferContract, contract.id, with_for_update=True, populate_existing=True)
    trade = trade_of(contract)
    rules_of_payment.check_amount(amount, trade.left_to_pay(session, contract), rule=trade.PAYMENT_RULE)


def on_payment(session, transfer: BankTransfer) -> None:
    """Bank notification listener: a payment into a contract's collection sub-account is recorded towards the price
    (then the trade does what it does with the money) and audited with what is still owed."""
    if transfer.kind != "payment":
        return
    contract = contract_for_account(session, transfer.to_account)
    if contract is None:
        return
    session.add(ContractPayment(contract_id=contract.id, transfer_id=transfer.id, source="bank",
                                payer_account=transfer.from_account.number, amount=transfer.amount, at=transfer.at))
    session.flush()
    trade = trade_of(contract)
    lot = session.get(Lot, contract.lot_id)
    trade.received(session, lot, contract, transfer)
    audit.record(session, None, transfer.at, trade.AUDIT_ACTION, object_type="lot", object_id=lot.id,
                 rule=trade.PAYMENT_RULE, payload={"contract_id": contract.id, "amount": transfer.amount,
                                                   "serial": transfer.serial, "bidder_id": contract.buyer_id,
                                                   "left": trade.left_to_pay(session, contract)})

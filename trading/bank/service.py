"""Operations of the simulated bank. Every transfer is reported to the platform's deposit matching
(``services.deposits.on_payment``) and to the matching of a contract's price (``services.contract_payments.on_payment``,
land and property alike), as a real bank notifies the platform of payments into its virtual sub-accounts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from ..domain.errors import N_, DomainError, Forbidden
from ..domain.money import format_yuan, parse_yuan
from ..models import BankAccount, BankTransfer, Organisation

BANK_CODE = "6217"  # the simulated bank's prefix of account numbers
SETTLEMENT_NAME = "{centre}投标保证金专户"
SUB_ACCOUNT_NAME = "投标保证金虚拟子账号 {label}"
SUB_ACCOUNT_DIGITS = 12  # random digits after the settlement account's number: 10^12 possible sub-accounts
REFUSED = N_("The payment was not made: this account does not accept payments from your account. Check the "
             "number: a deposit goes from your company's own account into the sub-account shown on the lot page, "
             "before the bid deadline.")


def _next_number(session, prefix: str, width: int) -> str:
    """The next free account number with this prefix."""
    last = session.scalar(sa.select(sa.func.max(BankAccount.number)).where(
        BankAccount.number.like(f"{prefix}%"), sa.func.length(BankAccount.number) == len(prefix) + width))
    sequence = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{sequence:0{width}d}"


def own_account(session, organisation: Organisation) -> BankAccount | None:
    """The organisation's own (basic) account at the simulated bank."""
    return session.scalar(sa.select(BankAccount).where(BankAccount.organisation_id == organisation.id,
                                                       BankAccount.kind == "own").order_by(BankAccount.id))


def open_account(session, organisation: Organisation, now: datetime, balance: Decimal = Decimal("0")) -> BankAccount:
    """Open (or return) an organisation's own account, with an opening balance for the simulation."""
    existing = own_account(session, organisation)
    if existing is not None:
        return existing
    account = BankAccount(number=_next_number(session, BANK_CODE + "0", 11), name=organisation.name, kind="own",
                          organisation_id=organisation.id, balance=balance, opened_at=now)
    session.add(account)
    session.flush()
    return account


def settlement_account(session, now: datetime) -> BankAccount:
    """The centre's deposit account (投标保证金专户), opened on first use."""
    account = session.scalar(sa.select(BankAccount).where(BankAccount.kind == "settlement"))
    if account is None:
        centre = session.scalar(sa.select(Organisation).where(Organisation.org_type == "trading_centre")
                                .order_by(Organisation.id))
        name = SETTLEMENT_NAME.format(centre=centre.name if centre else "公共资源交易中心")
        account = BankAccount(number=_next_number(session, BANK_CODE + "9", 7), name=name, kind="settlement",
                              organisation_id=centre.id if centre else None, balance=Decimal("0"), opened_at=now)
        session.add(account)
        session.flush()
    return account


def bank_account(session, now: datetime) -> BankAccount:
    """The bank's own account, which pays the interest on refunded deposits (it may go below zero)."""
    account = session.scalar(sa.select(BankAccount).where(BankAccount.kind == "bank"))
    if account is None:
        account = BankAccount(number=BANK_CODE + "000000000000", name="模拟银行利息支出", kind="bank",
                              balance=Decimal("0"), opened_at=now)
        session.add(account)
        session.flush()
    return account


def open_sub_account(session, now: datetime, *, lot_id: int, round: int, organisation: Organisation,
                     label: str) -> BankAccount:
    """A virtual sub-account of the deposit account for one bidder and one round of a lot: a random number
    (nothing in it comes from the lot or the bidder) and a name that carries the deal code, not the company."""
    parent = settlement_account(session, now)
    account = BankAccount(number=new_sub_account_number(session, parent.number), name=sub_account_name(label),
                          kind="virtual", organisation_id=organisation.id, parent_id=parent.id, lot_id=lot_id,
                          round=round, balance=Decimal("0"), opened_at=now)
    session.add(account)
    session.flush()
    return account


def sub_account_name(label: str) -> str:
    """What a virtual sub-account is called on statements: the deal code, never the bidder's name."""
    return SUB_ACCOUNT_NAME.format(label=label)


def new_sub_account_number(session, prefix: str) -> str:
    """The settlement account's number followed by SUB_ACCOUNT_DIGITS random digits from ``secrets``, drawn
    again on the rare collision with an existing account."""
    while True:
        number = f"{prefix}{secrets.randbelow(10**SUB_ACCOUNT_DIGITS):0{SUB_ACCOUNT_DIGITS}d}"
        if session.scalar(sa.select(BankAccount.id).where(BankAccount.number == number)) is None:
            return number


def find(session, number: str) -> BankAccount | None:
    """The account with this number (spaces ignored)."""
    return session.scalar(sa.select(BankAccount).where(BankAccount.number == (number or "").replace(" ", "")))


def accepts(target: BankAccount, source: BankAccount) -> bool:
    """A customer's payment is accepted only into a virtual sub-account from the registered (own) account of
    the organisation the sub-account belongs to."""
    return (target.kind == "virtual" and source.kind == "own" and source.organisation_id is not None
            and target.organisation_id == source.organisation_id)


def amount_of(amount) -> Decimal:
    """The amount of a transfer, refused unless it is a number of yuan above zero."""
    value = amount if isinstance(amount, Decimal) else parse_yuan(str(amount), "amount")
    if value <= 0:
        raise DomainError(N_("The amount must be above zero."), field="amount")
    return value


def debit_check(session, source: BankAccount, value: Decimal) -> BankAccount:
    """Lock the paying account and refuse an overdraft (only the bank's own account may go below zero).
    Looks at the payer alone, so the answer never depends on where the money was to go."""
    source = session.get(BankAccount, source.id, with_for_update=True, populate_existing=True)
    if source.kind != "bank" and source.balance < value:
        raise DomainError(N_("The balance %(balance)s is not enough for %(amount)s."), field="amount",
                          balance=format_yuan(source.balance), amount=format_yuan(value))
    return source


def refused() -> DomainError:
    """The one answer to every payment the bank will not make to the number given: unknown, someone else's,
    closed. It names no account and reads the same whatever the number was, so probing numbers teaches
    nothing."""
    return DomainError(REFUSED, field="target")


def transfer(session, now: datetime, *, source: BankAccount, target_number: str, amount, kind: str = "payment",
             memo: str = "", notify: bool = True) -> BankTransfer:
    """Move money from ``source`` to the account numbered ``target_number``; tell the listeners.

    The payer's own checks come first (amount, balance), then the target: a customer's payment
    (kind "payment") goes only where ``accepts`` allows, and every other target gets the one ``refused``
    answer. Refunds and interest are the platform's own transfers back to a payer's account."""
    value = amount_of(amount)
    source = debit_check(session, source, value)
    target = find(session, target_number)
    if target is None or target.id == source.id or (kind == "payment" and not accepts(target, source)):
        raise refused()
    target = session.get(BankAccount, target.id, with_for_update=True, populate_existing=True)
    source.balance -= value
    target.balance += value
    row = BankTransfer(serial=_next_serial(session, now), from_account_id=source.id, to_account_id=target.id,
                       amount=value, at=now, kind=kind, memo=(memo or "")[:200])
    session.add(row)
    session.flush()
    if notify:  # the bank's notice of a credit to the platform (a real bank calls back the same way)
        from ..services import contract_payments, deposits

        deposits.on_payment(session, row)
        contract_payments.on_payment(session, row)
    return row


def _next_serial(session, now: datetime) -> str:
    """A bank serial number (流水号): the date and 12 random digits (unique without counting rows)."""
    return f"{now:%Y%m%d}{secrets.randbelow(10**12):012d}"


def statement(session, account: BankAccount, limit: int = 50) -> list[BankTransfer]:
    """The account's latest transfers, newest first by their time (then by their order of booking)."""
    return list(session.scalars(sa.select(BankTransfer).where(
        sa.or_(BankTransfer.from_account_id == account.id, BankTransfer.to_account_id == account.id))
        .order_by(BankTransfer.at.desc(), BankTransfer.id.desc()).limit(limit)))


@dataclass(frozen=True)
class Line:
    """One row of a statement as its owner sees it. ``counterparty`` is None when the other side is another
    company's own account (only rows from before sub-accounts took their own bidder's money alone): the
    statement then shows neither its name nor its full number."""

    transfer: BankTransfer
    outgoing: bool
    counterparty: str | None
    number: str


def statement_lines(session, account: BankAccount, limit: int = 50) -> list[Line]:
    """The statement of ``account`` with each counterparty as its owner may see it: the platform's accounts
    and sub-accounts by name (which carry no company name), the owner's own organisation's accounts, and
    any other company's account masked."""
    lines = []
    for row in statement(session, account, limit):
        outgoing = row.from_account_id == account.id
        other = row.to_account if outgoing else row.from_account
        if other.kind in ("settlement", "virtual", "bank") or other.organisation_id == account.organisation_id:
            lines.append(Line(row, outgoing, other.name, other.number))
        else:
            lines.append(Line(row, outgoing, None, "*" * 4 + other.number[-4:]))
    return lines


def require_owner(actor, account: BankAccount) -> None:
    """Only a user of the account's organisation may pay from it."""
    if actor is None or account.kind != "own" or account.organisation_id != actor.organisation_id:
        raise Forbidden(N_("You may pay only from your own organisation's account."), field="source")

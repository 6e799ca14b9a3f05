"""Deposits (投标保证金) paid online into virtual sub-accounts (DESIGN §5): matching the bank's payment
notifications, what staff may see before the deadline, and refunds with interest.

Each (lot, round, bidder) gets its own sub-account with a random number at sign-up. The bank takes a payment
into it only from that bidder's own account and only while the lot takes deposits (before the bid deadline);
every other payment gets the bank's one refusal, whatever the number, so probing numbers reveals nobody. A
notification that still arrives at or after the deadline is sent back at once (late). A short payment leaves
the deposit short (the bidder may pay the rest); an over-payment covers the deposit and the excess is refunded
with it. Every payment keeps the account it came from (for the collusion screen on shared payer accounts,
which matters for rows from before sub-accounts took their own bidder's money alone).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from ..bank import service as bank
from ..domain import audit as chain, lifecycle, refunds
from ..domain.errors import N_, DomainError
from ..domain.monitoring import period_end
from ..models import BankAccount, BankTransfer, Deposit, DepositPayment, Lot, Organisation
from . import audit


def open_for(session, now: datetime, lot: Lot, organisation: Organisation) -> Deposit | None:
    """At sign-up: the bidder's virtual sub-account and the deposit it must receive (None if the lot asks none)."""
    if not lot.deposit or lot.deposit <= 0:
        return None
    account = bank.open_sub_account(session, now, lot_id=lot.id, round=lot.round, organisation=organisation,
                                    label=lot.deal_code or f"标段{lot.id}")
    deposit = Deposit(lot_id=lot.id, round=lot.round, bidder_id=organisation.id, sub_account_id=account.id,
                      required=lot.deposit, received=Decimal("0"), late=Decimal("0"), status="awaiting")
    session.add(deposit)
    session.flush()
    return deposit


def deposit_of(session, lot: Lot, bidder_id: int) -> Deposit | None:
    """The bidder's deposit for the lot's current round."""
    return session.scalar(sa.select(Deposit).where(Deposit.lot_id == lot.id, Deposit.round == lot.round,
                                                   Deposit.bidder_id == bidder_id))


def is_covered(session, lot: Lot, bidder_id: int) -> bool:
    """True when the lot asks no deposit or the bidder's has arrived in full before the deadline."""
    if not lot.deposit or lot.deposit <= 0:
        return True
    deposit = deposit_of(session, lot, bidder_id)
    return deposit is not None and deposit.status == "paid"


def count_paid(session, lot: Lot) -> int:
    """How many deposits of the current round have arrived in full (what staff see before the deadline)."""
    return session.scalar(sa.select(sa.func.count(Deposit.id)).where(
        Deposit.lot_id == lot.id, Deposit.round == lot.round, Deposit.status.in_(["paid", "refunded"])))


def on_payment(session, transfer: BankTransfer) -> None:
    """Bank notification listener: match a payment into a virtual sub-account to its deposit."""
    if transfer.kind != "payment":
        return
    deposit = session.scalar(sa.select(Deposit).where(Deposit.sub_account_id == transfer.to_account_id))
    if deposit is None:
        return
    lot = session.get(Lot, deposit.lot_id)
    payer = transfer.from_account
    row = DepositPayment(deposit_id=deposit.id, transfer_id=transfer.id, payer_account=payer.number,
                         payer_name=payer.name, amount=transfer.amount, at=transfer.at, outcome="counted")
    session.add(row)
    if (lot.bid_deadline is None or transfer.at >= lot.bid_deadline or lot.round != deposit.round
            or (lot.listing_end is not None and transfer.at >= lot.listing_end)):  # (a property lot's sealed round
        # moves its bid deadline past the disclosure: applications, and so deposits, closed with the disclosure)
        row.outcome = "late"
        deposit.late += transfer.amount
        bank.transfer(session, transfer.at, source=deposit.sub_account, target_number=payer.number,
                      amount=transfer.amount, kind="refund", memo="逾期到账，原路退回", notify=False)
    else:
        before = deposit.received
        deposit.received += transfer.amount
        if before >= deposit.required:
            row.outcome = "excess"
        if deposit.received >= deposit.required:
            deposit.status = "paid"
            deposit.paid_at = deposit.paid_at or transfer.at
        else:
            deposit.status = "short"
    session.flush()
    audit.record(session, None, transfer.at, "deposit.payment", object_type="lot", object_id=lot.id,
                 payload={"deposit_id": deposit.id, "bidder_id": deposit.bidder_id, "amount": transfer.amount,
                          "payer_account": payer.number, "outcome": row.outcome, "status": deposit.status})


def explain(deposit: Deposit) -> tuple[str, dict]:
    """A sentence (msgid and params) saying where the deposit stands, for the bidder's page."""
    if deposit.status == "paid":
        excess = deposit.received - deposit.required
        if excess > 0:
            return N_("Paid: %(received)s received; the %(excess)s above the deposit is refunded with it."), {
                "received": deposit.received, "excess": excess}
        return N_("Paid in full on %(at)s."), {"at": deposit.paid_at}
    if deposit.status == "short":
        return N_("Short: %(received)s received, %(missing)s still to pay before the deadline."), {
            "received": deposit.received, "missing": deposit.required - deposit.received}
    if deposit.status == "refunded" and deposit.late_interest:
        return N_("Refunded on %(at)s, late, with %(interest)s interest and %(late)s for the days overdue."), {
            "at": deposit.refunded_at, "interest": deposit.interest, "late": deposit.late_interest}
    if deposit.status == "refunded" and (deposit.interest_working or {}).get("no_interest_rule"):
        return N_("Refunded on %(at)s, without interest (no interest is due on a land deposit: 39号令 第二十一条)."), {
            "at": deposit.refunded_at}
    if deposit.status == "refunded":
        return N_("Refunded on %(at)s with %(interest)s interest."), {"at": deposit.refunded_at,
                                                                      "interest": deposit.interest}
    if deposit.status == REFUND_DUE:
        return N_("To be refunded by %(due)s at the latest, without interest (39号令 第二十一条)."), {
            "due": deposit.refund_due}
    if deposit.status == "forfeited":
        return N_("Forfeited to the land authority: %(received)s (the land contract was not signed)."), {
            "received": deposit.received}
    if deposit.status == "applied":
        return N_("Applied to the price of the deal: %(received)s."), {"received": deposit.received}
    return N_("Awaiting payment of %(required)s into the sub-account."), {"required": deposit.required}


def interest(principal: Decimal, since: datetime, until: datetime, rate: Decimal) -> Decimal:
    """Simple interest at an annual ``rate`` for the actual days held, over 360 days, to the fen."""
    return refunds.simple_interest(principal, rate, (until - since).days)


LATE_RULE = "procurement.late_refund_interest"
NO_INTEREST = {"land": "land.deposit_refund"}  # 39号令 第二十一条: a land deposit is refunded 不计利息
REFUND_DUE = "refund_due"  # a refund ordered with its due date, not yet made (a land deposit: ``order_refund``)


# Why a deposit comes back (a message id, audited with the refund) and the bank memo's words for it (the memo is the
# bank's record, in Chinese; pages translate it through web.labels.MEMOS).
REFUND_REASONS = {N_("the bid was withdrawn"): "撤回投标", N_("the bid was not awarded"): "未中标",
                  N_("the contract was signed"): "合同已签订", N_("the tender was terminated"): "终止招标"}
TERMINATION_RULES = {"construction": "construction.termination_refund",
                     "procurement": "procurement.termination_refund"}


def release_on_termination(ctx, session, actor, now: datetime, lot: Lot) -> list[Deposit]:
    """A construction or procurement lot cancelled (终止) by the supervisor: every deposit of its round still held is
    refunded now, with interest (招标投标法实施条例 第三十一条: 及时退还投标保证金及银行同期存款利息; 87号令
    第二十九条: within 5 working days, with its interest). Refunded, applied or forfeited deposits are left as they
    are."""
    from . import rulebook

    rule = TERMINATION_RULES.get(lot.project.trade_type)
    if rule is None:
        return []
    found = rulebook.of_lot(ctx, session, lot)[rule]
    due = period_end(now, found) if found.value else now  # construction: at once (及时)
    held = session.scalars(sa.select(Deposit).where(Deposit.lot_id == lot.id, Deposit.round == lot.round,
                                                    Deposit.status.in_(("paid", "short", REFUND_DUE)))
                           .order_by(Deposit.id).with_for_update()).all()
    return [refund(ctx, session, actor, now, deposit, reason=N_("the tender was terminated"), due=due, rule=rule)
            for deposit in held if deposit.received > 0]


def refund(ctx, session, actor, now: datetime, deposit: Deposit, *, reason: str, due: datetime | None = None,
           rule: str | None = None) -> Deposit:
    """Return every counted payment to the account it came from, with interest at the platform's rate
    (``ctx.interest_rate``) to the first payer; flag a refund made after ``due`` as late (the rule names the legal
    limit). A procurement deposit refunded late also earns the overdue charge at the central bank's rate
    (``ctx.central_bank_rate``) raised by the lot's ``procurement.late_refund_interest`` (87号令 Art. 38); the working
    of both is kept with the deposit."""
    from . import rulebook

    if deposit.status == "refunded":
        raise DomainError(N_("This deposit has already been refunded."), field="deposit", rule=rule)
    if deposit.status in ("applied", "forfeited"):  # the winner's: part of the price, or the land authority's
        raise DomainError(N_("This deposit is not refunded: it went into the price or was forfeited."),
                          field="deposit", rule=rule)
    due, rule = (due or deposit.refund_due), (rule or deposit.refund_rule)  # a refund ordered before keeps its date
    counted = [p for p in deposit.payments if p.outcome in ("counted", "excess")]
    by_account: dict[str, Decimal] = defaultdict(Decimal)
    for payment in counted:
        by_account[payment.payer_account] += payment.amount
    held_since = min((p.at for p in counted), default=now)
    lot = session.get(Lot, deposit.lot_id)
    uplift = None
    if lot.project.trade_type == "procurement":
        uplift = rulebook.of_lot(ctx, session, lot).value(LATE_RULE)
    working = refunds.reckon(deposit.received, held_since, now, ctx.interest_rate, due=due,
                             central_bank_rate=ctx.central_bank_rate, uplift_percent=uplift, late_rule=LATE_RULE,
                             no_interest_rule=NO_INTEREST.get(lot.project.trade_type))
    for number, amount in by_account.items():
        bank.transfer(session, now, source=deposit.sub_account, target_number=number, amount=amount, kind="refund",
                      memo=f"保证金退还：{REFUND_REASONS.get(reason, reason)}"[:200], notify=False)
    if working.interest > 0 and counted:
        bank.transfer(session, now, source=bank.bank_account(session, now), target_number=counted[0].payer_account,
                      amount=working.interest, kind="interest", memo="保证金利息", notify=False)
    if working.late_interest > 0 and counted:
        bank.transfer(session, now, source=bank.bank_account(session, now), target_number=counted[0].payer_account,
                      amount=working.late_interest, kind="interest", memo=LATE_MEMO, notify=False)
    deposit.status, deposit.refunded_at, deposit.interest = "refunded", now, working.interest
    deposit.late_interest, deposit.interest_working = working.late_interest, working.as_dict()
    deposit.refund_due, deposit.refund_rule = due, rule
    deposit.refund_late = refunds.overdue_days(due, now) > 0
    session.flush()
    audit.record(session, actor, now, "deposit.refund", object_type="lot", object_id=deposit.lot_id, rule=rule,
                 payload={"deposit_id": deposit.id, "bidder_id": deposit.bidder_id, "principal": deposit.received,
                          "interest": working.interest, "accounts": sorted(by_account), "late": deposit.refund_late,
                          "late_interest": working.late_interest,
                          "reason": chain.message(reason) if reason in REFUND_REASONS else reason})
    return deposit


LATE_MEMO = "逾期退还保证金资金占用费"


def order_refund(session, actor, now: datetime, deposit: Deposit, *, reason: str, due: datetime, rule: str) -> Deposit:
    """Order the refund of a deposit by ``due`` (a land deposit of an unsuccessful bidder, 39号令 第二十一条): it waits
    for the centre's staff (``land_refunds.refund``), overdue on the dashboard after ``due``. Only a deposit still
    held is ordered, once."""
    if deposit.status not in ("paid", "short"):
        raise DomainError(N_("Only a deposit the centre still holds is refunded."), field="deposit", rule=rule)
    deposit.status, deposit.refund_due, deposit.refund_rule = REFUND_DUE, due, rule
    session.flush()
    audit.record(session, actor, now, "deposit.refund_ordered", object_type="lot", object_id=deposit.lot_id, rule=rule,
                 payload={"deposit_id": deposit.id, "bidder_id": deposit.bidder_id, "principal": deposit.received,
                          "due": due, "reason": reason})
    return deposit


def shared_payer_accounts(session, lot: Lot) -> dict[str, list[int]]:
    """Accounts that paid deposits for more than one bidder of the lot's current round (a collusion signal)."""
    rows = session.execute(sa.select(DepositPayment.payer_account, Deposit.bidder_id).join(Deposit).where(
        Deposit.lot_id == lot.id, Deposit.round == lot.round).distinct()).all()
    bidders: dict[str, set[int]] = defaultdict(set)
    for account, bidder_id in rows:
        bidders[account].add(bidder_id)
    return {account: sorted(ids) for account, ids in bidders.items() if len(ids) > 1}


def takes_deposit(session, now: datetime, deposit: Deposit) -> bool:
    """True while the deposit's lot takes payments for it: its round is current, the lot is announced (or
    listing) and the bid deadline has not passed."""
    lot = session.get(Lot, deposit.lot_id)
    return (lot.round == deposit.round and lot.state in lifecycle.TAKING_DEPOSITS and lot.bid_deadline is not None
            and now < lot.bid_deadline)


def pay(session, actor, now: datetime, *, target_number: str, amount: str, memo: str = "") -> BankTransfer:
    """The online-bank page: pay a deposit (or a contract's price, land or property, into the contract's collection
    sub-account: ``contract_payments``) from the actor's organisation's own account.

    Refusals about the payer (no account, not a number, not above zero, balance too low) are told as they
    are, and decided before the target is looked up. Every other refusal (an unknown number, another bidder's
    sub-account, a sub-account of a lot no longer taking deposits, any account that is not a sub-account) is
    the bank's one answer, the same whether or not the number exists, and writes nothing."""
    source = bank.own_account(session, actor.organisation)
    if source is None:
        raise DomainError(N_("Your organisation has no account at the simulated bank."), field="source")
    bank.require_owner(actor, source)
    value = bank.amount_of(amount)
    source = bank.debit_check(session, source, value)
    target = bank.find(session, target_number)
    deposit = None
    if target is not None and bank.accepts(target, source):
        from . import contract_payments

        contract = contract_payments.contract_for_account(session, target)
        if contract is not None:  # a contract's price, into its collection sub-account (the payer's own contract)
            contract_payments.check_incoming(session, contract, value)
            return bank.transfer(session, now, source=source, target_number=target.number, amount=value, memo=memo)
        deposit = session.scalar(sa.select(Deposit).where(Deposit.sub_account_id == target.id))
    if deposit is None or deposit.bidder_id != actor.organisation_id or not takes_deposit(session, now, deposit):
        raise bank.refused()
    return bank.transfer(session, now, source=source, target_number=target.number, amount=value, memo=memo)


def sub_account(session, deposit: Deposit) -> BankAccount:
    """The virtual sub-account of a deposit."""
    return session.get(BankAccount, deposit.sub_account_id)

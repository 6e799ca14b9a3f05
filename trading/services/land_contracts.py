"""A land deal's follow-up (issue 18): after the 成交确认书 the winner signs the land contract
(国有建设用地使用权出让合同) with the land authority within ``land.contract_deadline``; the land authority
(the tenderee) registers it, the winner's deposit goes from its sub-account to the land authority's account as
part of the price (``land.deposit_to_price``) and the lot is contracted. The contract records its payment schedule
and the price is then paid through the bank (``land_payments``).

A winner that refuses (recorded by the centre's staff with the reason) or lets the time pass (found by the clock
step) voids the deal (``land.contract_refused``; 39号令 Art. 20: the deposit became earnest money): its deposit is
forfeited to the land authority, a credit event is recorded against it, the deal leaves the statistics and the lot
fails, with the reason every party reads on the lot's board. The other bidders' deposits were refunded at the deal
and stay so. The land authority may then re-list the lot (``cancellation.retrade``).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from ..bank import service as bank
from ..domain import auction as rules_of_auction, calendar
from ..domain.errors import N_, DomainError, Forbidden
from ..models import Auction, Deposit, Lot, Project, TransferContract
from . import audit, credit, deals, deposits, land_payments, rulebook
from .auctions import auction_of, is_live, notify_board
from .lots import acts_for_tenderee, get_lot, public_reason, transition

PRICE_MEMO = "竞买保证金抵作土地出让价款"
FORFEIT_MEMO = "竞得人未签订出让合同，竞买保证金不予退还"
VOID = "void"  # the outcome of a deal voided because the land contract was not signed


def contract_due(ctx, session, lot: Lot, decided_at: datetime) -> datetime:
    """When the land contract is due at the latest: ``land.contract_deadline`` working days from the deal's day
    (the midnight, Beijing time, after the last of them)."""
    from .result import period_end

    return period_end(decided_at, rulebook.of_lot(ctx, session, lot)["land.contract_deadline"])


def is_land(lot: Lot) -> bool:
    """Whether the lot is a land parcel traded live on the platform."""
    return is_live(lot) and lot.project.trade_type == "land"


def _require_land(lot: Lot, field: str) -> None:
    if not is_land(lot):
        raise DomainError(N_("This lot is not a land parcel traded on the platform."), field=field,
                          rule="land.methods")


def awaiting_contract(lot: Lot, state: Auction | None) -> bool:
    """Whether the lot's deal waits for its land contract (decided, neither registered nor void)."""
    return (is_land(lot) and lot.state == "publicity" and state is not None
            and state.outcome == rules_of_auction.DEAL and state.contract_due is not None)


def _deal_of(session, lot: Lot, field: str) -> Auction:
    state = auction_of(session, lot)
    if not awaiting_contract(lot, state):
        raise DomainError(N_("The land contract is signed after a deal, before it is void or registered."),
                          field=field, rule="land.contract_deadline")
    return state


def contract_of(session, lot: Lot) -> TransferContract | None:
    """The land contract registered for the lot's current round, if any."""
    return session.scalar(sa.select(TransferContract).where(TransferContract.lot_id == lot.id,
                                                            TransferContract.round == lot.round))


def _land_authority_account(session, lot: Lot, now: datetime):
    """The land authority's (the tenderee's) own account at the simulated bank (opened on first use)."""
    return bank.open_account(session, lot.project.tenderee, now)


def _move_deposit(session, now: datetime, lot: Lot, deposit: Deposit, *, kind: str, memo: str):
    """Transfer every counted payment of the winner's deposit from its sub-account to the land authority."""
    target = _land_authority_account(session, lot, now)
    return bank.transfer(session, now, source=deposits.sub_account(session, deposit), target_number=target.number,
                         amount=deposit.received, kind=kind, memo=memo, notify=False)


def register(ctx, session, actor, now: datetime, lot_id: int, number: str, signed_on: date | None,
             schedule: list[land_payments.InstalmentInput] | None = None) -> TransferContract:
    """The land authority registers the land contract signed with the winner before it is due, with its payment
    schedule (``land_payments.check``: at least 50% within one month, the rest within a year): the result is
    confirmed (award), the winner's deposit is transferred to the land authority as the first money paid towards the
    price, the contract's collection sub-account is opened, the lot is contracted and the deal's row notes the
    signing date."""
    lot = get_lot(session, lot_id, for_update=True)
    _require_land(lot, "number")
    if actor is None or not acts_for_tenderee(actor, lot.project):
        raise Forbidden(N_("Only the land authority registers the land contract."), field="number",
                        rule="land.contract_deadline")
    state = _deal_of(session, lot, "number")
    if now >= state.contract_due:
        raise DomainError(N_("The land contract had to be signed on %(day)s at the latest: the deal is void."),
                          field="number", rule="land.contract_deadline",
                          day=rules_of_auction.contract_last_day(state.contract_due).isoformat())
    text = (number or "").strip()
    if not 2 <= len(text) <= 100:
        raise DomainError(N_("Enter the contract's number (2 to 100 characters)."), field="number",
                          rule="land.contract_deadline")
    decided_on, today = calendar.local_date(state.decided_at), calendar.local_date(now)
    if signed_on is None or not decided_on <= signed_on <= today:
        raise DomainError(N_("The contract is signed between the day of the deal (%(decided)s) and today."),
                          field="signed_on", rule="land.contract_deadline", decided=decided_on.isoformat())
    instalments = land_payments.check(ctx, session, lot, list(schedule or []), price=state.price, signed_on=signed_on)
    winner = state.winner
    if lot.publicity_end is None:  # the land result is public from the 成交确认书 (39号令 sets no objection period)
        lot.publicity_end = state.decided_at
    transition(session, lot, "award", actor, "tenderee", now, rule="land.contract_deadline",
               payload={"paddle": winner.number, "bidder_id": winner.bidder_id, "price": state.price})
    deposit = deposits.deposit_of(session, lot, winner.bidder_id)
    moved = None
    if deposit is not None and deposit.status == "applied" and deposit.received > 0:
        moved = _move_deposit(session, now, lot, deposit, kind="price", memo=PRICE_MEMO)
        audit.record(session, actor, now, "deposit.to_price", object_type="lot", object_id=lot.id,
                     rule="land.deposit_to_price",
                     payload={"deposit_id": deposit.id, "bidder_id": winner.bidder_id, "amount": deposit.received,
                              "serial": moved.serial})
    kept = {"deposit_applied": f"{moved.amount:.2f}" if moved else "0.00", "serial": moved.serial if moved else None,
            "due": state.contract_due.isoformat()}
    row = TransferContract(lot_id=lot.id, round=lot.round, buyer_id=winner.bidder_id, number=text[:100],
                           signed_on=signed_on, price=state.price, payment="land_grant", terms=kept,
                           recorded_by_id=actor.id, recorded_at=now)
    session.add(row)
    session.flush()
    land_payments.open_schedule(session, now, lot, row, instalments, moved)
    kept = row.terms
    transition(session, lot, "register_contract", actor, "tenderee", now, rule="land.contract_deadline",
               payload={"contract_id": row.id, "number": row.number, "signed_on": signed_on.isoformat(),
                        "terms": kept})
    deals.record_contract(session, lot, row)
    notify_board(ctx, session, lot, now)
    return row


def refuse(ctx, session, actor, now: datetime, lot_id: int, reason: str) -> Auction:
    """The centre's staff record that the winner refused to sign the land contract, with the reason every party
    reads: the deal is void (``void``)."""
    lot = get_lot(session, lot_id, for_update=True)
    _require_land(lot, "reason")
    if actor is None or not actor.has_role("staff"):
        raise Forbidden(N_("Only the centre's staff record that the winner refused to sign."), field="reason",
                        rule="land.contract_refused")
    state = _deal_of(session, lot, "reason")
    text = public_reason(reason, "land.contract_refused", limit=1000)
    return _void(ctx, session, actor, "staff", now, lot, state, text, refused=True)


def due(session, now: datetime):
    """Select of the ids of land lots whose land contract was due by ``now`` and is not registered."""
    land = sa.select(Project.id).where(Project.trade_type == "land")
    return (sa.select(Lot.id).join(Auction, sa.and_(Auction.lot_id == Lot.id, Auction.round == Lot.round))
            .where(Lot.state == "publicity", Lot.project_id.in_(land), Auction.outcome == rules_of_auction.DEAL,
                   Auction.contract_due <= now))


def lapse(ctx, session, now: datetime, lot: Lot) -> list[str]:
    """The clock step: a deal whose land contract was not registered by its due time is void (idempotent)."""
    state = auction_of(session, lot)
    if not awaiting_contract(lot, state) or now < state.contract_due:
        return []
    _void(ctx, session, None, "system", now, lot, state, rules_of_auction.CONTRACT_LAPSED, refused=False)
    return ["void_deal"]


def _void(ctx, session, actor, role: str, now: datetime, lot: Lot, state: Auction, reason: str, *,
          refused: bool) -> Auction:
    """Void the deal: the lot fails with the reason, the winner's deposit is forfeited to the land authority, a
    credit event is recorded against the winner and the deal leaves the statistics."""
    winner = state.winner
    state.outcome, state.rule, state.voided_at, state.void_reason = VOID, "land.contract_refused", now, reason
    transition(session, lot, "fail", actor, role, now, rule="land.contract_refused",
               payload={"reason": state.void_message, "paddle": winner.number, "bidder_id": winner.bidder_id,
                        "refused": refused, "contract_due": state.contract_due})
    deposit = deposits.deposit_of(session, lot, winner.bidder_id)
    if deposit is not None and deposit.status == "applied" and deposit.received > 0:
        moved = _move_deposit(session, now, lot, deposit, kind="forfeit", memo=FORFEIT_MEMO)
        deposit.status = "forfeited"
        session.flush()
        audit.record(session, actor, now, "deposit.forfeit", object_type="lot", object_id=lot.id,
                     rule="land.contract_refused",
                     payload={"deposit_id": deposit.id, "bidder_id": winner.bidder_id, "amount": deposit.received,
                              "serial": moved.serial})
    decision = f"{lot.deal_code or lot.id} 竞得结果无效（{'拒绝签订' if refused else '逾期未签订'}出让合同）"
    evidence = reason if refused else \
        f"竞得人未在{rules_of_auction.contract_last_day(state.contract_due).isoformat()}（含当日）前签订国有建设用地使用权出让合同"
    credit.record_finding(session, actor, now, winner.bidder_id, "refused_land_contract", evidence, decision,
                          lot.id, "land.contract_refused")
    deals.withdraw_deal(session, lot)
    session.flush()
    notify_board(ctx, session, lot, now)
    return state

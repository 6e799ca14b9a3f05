"""The collusion screens run over a lot's records (``domain.screens``): what the supervisor's screens page shows.

Computed when read, from what the platform already records, and only once the lot has been opened (before that
the prices are sealed and who bid is a secret even from the supervisor's pages, ``domain.visibility``):

- prices: the opened bids of the lot's current round; DIFFP's fences from every earlier opened lot of the same
  trade type (and procurement category);
- shared values: the paying accounts of the deposits, the devices and addresses of the document downloads, the
  addresses of the bid uploads (and uploads from one address a minute apart);
- across lots: the awarded lots of the same trade type in which the lot's bidders took part (rotation, cover
  bidding).

- documents: every opened bid's documents, decrypted again from their envelopes while the opening key can be
  rebuilt (from the opening to the archive), hashed (SHA-256) and their metadata read (author and creating
  software); the plaintext is never kept.

Not screened yet (said on the page): the same people named by several bidders, and the disqualifications of the
evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..domain import lifecycle, screens, visibility
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..models import (
    Award,
    Bid,
    Deposit,
    DepositPayment,
    DocumentDownload,
    Lot,
    OpeningEntry,
    Organisation,
    Project,
    Registration,
    ScreenSignal,
)
from . import audit, rulebook

NOT_SCREENED = ("screen.shared_people", "screen.all_but_winner_disqualified")


@dataclass(frozen=True)
class Screening:
    """A lot's screening: the signals, the bidders they name (``{id: name}``), how many earlier lots DIFFP's fences
    came from, and the opened prices (lowest first)."""

    signals: list[screens.Signal]
    names: dict
    history_lots: int
    prices: dict
    not_screened: tuple = NOT_SCREENED


def _opened_prices(session, lot_id: int, round_: int) -> dict[int, object]:
    rows = session.execute(sa.select(OpeningEntry.bidder_id, OpeningEntry.price).where(
        OpeningEntry.lot_id == lot_id, OpeningEntry.round == round_, OpeningEntry.status == "opened",
        OpeningEntry.price.is_not(None)))
    return dict(rows.all())


def _same_kind(lot: Lot):
    """Lots of the same trade type (and procurement category) as ``lot``, other than it."""
    query = sa.select(Lot).join(Project).where(Project.trade_type == lot.project.trade_type, Lot.id != lot.id)
    if lot.category:
        query = query.where(Lot.category == lot.category)
    return query


def _history(session, lot: Lot) -> list:
    """The DIFFP of every earlier lot of the same kind opened before this one (its latest opened round)."""
    opened_at = session.scalar(sa.select(sa.func.min(OpeningEntry.opened_at)).where(
        OpeningEntry.lot_id == lot.id, OpeningEntry.round == lot.round))
    found = []
    for other in session.scalars(_same_kind(lot)):
        first = session.scalar(sa.select(sa.func.min(OpeningEntry.opened_at)).where(
            OpeningEntry.lot_id == other.id, OpeningEntry.round == other.round))
        if first is None or (opened_at is not None and first >= opened_at):
            continue
        value = screens.diffp(_opened_prices(session, other.id, other.round).values())
        if value is not None:
            found.append(value)
    return found


def _past_lots(session, lot: Lot, bidders) -> list[screens.PastLot]:
    """Awarded lots of the same kind in which any of ``bidders`` took part, with who bid and who won."""
    awards = session.execute(sa.select(Award.lot_id, Award.round, Award.bidder_id).join(Lot, Lot.id == Award.lot_id)
                             .join(Project).where(Project.trade_type == lot.project.trade_type,
                                                  Award.lot_id != lot.id)).all()
    found = []
    for lot_id, round_, winner in awards:
        taking_part = frozenset(_opened_prices(session, lot_id, round_))
        if taking_part & set(bidders):
            found.append(screens.PastLot(lot_id, taking_part, winner))
    return found


def _documents(ctx, session, now, lot: Lot) -> list[tuple]:
    """``(bidder, sha256, metadata)`` of every document of every opened bid, decrypted again from its envelope
    (``opening.read_document``) and never kept; empty once the opening key cannot be rebuilt (the shares are wiped
    at the archive) or before the opening."""
    from . import opening

    entries = session.scalars(sa.select(OpeningEntry).where(OpeningEntry.lot_id == lot.id,
                                                            OpeningEntry.round == lot.round,
                                                            OpeningEntry.status == "opened")).all()
    found = []
    try:
        for entry in entries:
            for index in range(len(entry.files)):
                name, stream = opening.read_document(ctx, session, now, lot, entry, index)
                with stream:
                    found.append((entry.bidder_id, *screens.document_facts(name, stream.read())))
    except DomainError:
        return []
    return found


def gather(ctx, session, now, lot: Lot) -> screens.LotRecords:
    """What the screens read about the lot's current round, from the platform's records."""
    prices = _opened_prices(session, lot.id, lot.round)
    accounts = session.execute(sa.select(Deposit.bidder_id, DepositPayment.payer_account).join(Deposit).where(
        Deposit.lot_id == lot.id, Deposit.round == lot.round)).all()
    downloads = session.execute(sa.select(Registration.bidder_id, DocumentDownload.fingerprint,
                                          DocumentDownload.address).join(Registration).where(
        Registration.lot_id == lot.id, Registration.round == lot.round)).all()
    uploads = session.execute(sa.select(Bid.bidder_id, Bid.address, Bid.received_at).where(
        Bid.lot_id == lot.id, Bid.round == lot.round)).all()
    return screens.LotRecords(prices=prices, accounts=[tuple(r) for r in accounts],
                              downloads=[tuple(r) for r in downloads], uploads=[tuple(r) for r in uploads],
                              documents=_documents(ctx, session, now, lot), history=_history(session, lot),
                              past=_past_lots(session, lot, prices))


def check_reader(actor, lot: Lot) -> None:
    """The screens are for the supervisor (or the administrator), once the bid deadline has passed."""
    if actor is None or not visibility.may_read_screens(frozenset(actor.roles)):
        raise DomainError(N_("The collusion screens are for the supervisor."), field="lot")
    if lot.state not in lifecycle.OPENED or lot.state in lifecycle.OPEN:
        raise DomainError(N_("The screens run once the bid deadline has passed: until then who bid is a secret."),
                          field="lot", rule="construction.bidders_confidential")


def run(ctx, session, now, lot: Lot) -> Screening:
    """The screens over the lot's current round (no reader check: the opening and ``screen`` call it)."""
    rules = rulebook.of_lot(ctx, session, lot)
    records = gather(ctx, session, now, lot)
    signals = screens.screen_records(records, rules)
    prices = records.prices
    named = {b for s in signals for b in s.bidders if isinstance(b, int)} | set(prices)
    names = dict(session.execute(sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_(named))).all())
    return Screening(signals, names, len(records.history), dict(sorted(prices.items(), key=lambda item: item[1])))


def screen(ctx, session, actor, lot: Lot, now=None) -> Screening:
    """The screens over the lot's current round, for the supervisor (or the administrator); refused before the bid
    deadline (who bid is still a secret) and for anyone else."""
    check_reader(actor, lot)
    return run(ctx, session, now or ctx.now(), lot)


def _key(lot: Lot, signal: screens.Signal) -> str:
    """What makes a signal the same one when the screens run again: the lot's round, the screen, the bidders it
    names and the value they share (not the history, which grows)."""
    import hashlib
    import json

    parts = [lot.id, lot.round, signal.screen, sorted(str(b) for b in signal.bidders),
             str(signal.inputs.get("value", signal.inputs.get("address", "")))]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def record(ctx, session, now, lot: Lot, actor=None) -> tuple[Screening, list[ScreenSignal]]:
    """Run the screens over the lot's current round and store each signal not stored yet, once (at the opening, and
    when the supervisor opens the lot's screens page; two runs at once store it once: the unique key lets one in,
    the other's savepoint rolls back). Each new one is audited as ``screen.raise``, under the signal (not the lot:
    the lot's timeline and its archive, which the tenderee reads, never hold a signal). Returns the screening and the
    round's stored signals, oldest first."""
    from sqlalchemy.exc import IntegrityError

    found = run(ctx, session, now, lot)
    rules = rulebook.of_lot(ctx, session, lot)
    for signal in found.signals:
        key = _key(lot, signal)
        if session.scalar(sa.select(ScreenSignal.id).where(ScreenSignal.key == key)) is not None:
            continue
        try:
            basis = rules[signal.rule].source
        except KeyError:
            basis = ""
        row = ScreenSignal(key=key, lot_id=lot.id, round=lot.round, screen=signal.screen, rule=signal.rule,
                           bidders=list(signal.bidders), inputs=dict(signal.inputs), working=dict(signal.working),
                           threshold=signal.threshold[:200], basis=basis[:300], raised_at=now, status="open",
                           reason="", credit_events=[])
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            continue
        audit.record(session, actor, now, "screen.raise", object_type="screen_signal", object_id=row.id,
                     rule=row.rule, payload={"lot_id": lot.id, "screen": row.screen, "bidders": row.bidders,
                              "working": row.working, "threshold": row.threshold})
    return found, stored(session, lot)


def stored(session, lot: Lot) -> list[ScreenSignal]:
    """The stored signals of the lot's current round, oldest first."""
    return list(session.scalars(sa.select(ScreenSignal).where(ScreenSignal.lot_id == lot.id,
                                                              ScreenSignal.round == lot.round)
                                .order_by(ScreenSignal.id)))


DECISIONS = ("dismissed", "referred")


def decide(session, actor, now, signal_id, decision: str, reason: str, finding: bool = False,
           finding_decision: str = "") -> ScreenSignal:
    """The supervisor's decision on a signal: dismissed with a reason, or referred (for investigation) with what the
    referral says; a referral may record a collusion finding (``finding``, with the number of the decision that
    made it) as a ``collusion_finding`` credit event of each bidder the signal names (``services.credit``). Once."""
    from . import credit

    if actor is None or not visibility.may_decide_screens(frozenset(actor.roles)):
        raise Forbidden(N_("The collusion screens are for the supervisor."), field="role")
    row = session.get(ScreenSignal, int(signal_id)) if str(signal_id).isdigit() else None
    if row is None:
        raise NotFound(N_("No such signal."), field="signal")
    if row.status != "open":
        raise DomainError(N_("This signal is decided already."), field="decision", rule=row.rule)
    if decision not in DECISIONS:
        raise DomainError(N_("Choose: dismiss or refer."), field="decision", rule=row.rule)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise DomainError(N_("Give the reason for the decision."), field="reason", rule=row.rule)
    if finding and decision != "referred":
        raise DomainError(N_("Only a referred signal can record a collusion finding."), field="finding",
                          rule="credit.collusion_bar")
    events = []
    if finding:
        lot = session.get(Lot, row.lot_id)
        evidence = (f"串通投标筛查信号 #{row.id}（{row.screen}，{row.rule}，{lot.deal_code or lot.id}）："
                    f"{row.threshold}；{reason}")
        for bidder in row.bidders:
            if isinstance(bidder, int):
                events.append(credit.record_event(session, actor, now, "organisation", bidder, "collusion_finding",
                                                  evidence, finding_decision, lot_id=row.lot_id).id)
    row.status, row.reason, row.decided_by_id, row.decided_at = decision, reason[:4000], actor.id, now
    row.credit_events = events
    session.flush()
    audit.record(session, actor, now, "screen.dismiss" if decision == "dismissed" else "screen.refer",
                 object_type="screen_signal", object_id=row.id, rule=row.rule,
                 payload={"lot_id": row.lot_id, "screen": row.screen, "reason": row.reason, "credit_events": events})
    return row

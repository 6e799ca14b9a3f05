"""The collusion screens run over a lot's records (``domain.screens``), stored as signals for the supervisor's decision.

They run once the lot has been opened (before that the prices are sealed and who bid is a secret even from the
supervisor's pages, ``domain.visibility``), at the opening itself (``opening.open_bids`` calls ``record`` in the
same transaction, once: the opening runs once) and again only when the supervisor asks for it (``recompute``, a
POST). Each signal is stored once (``ScreenSignal``, keyed by the lot's round, the screen, the bidders and the value
they share); reading the screens page (``view``) writes nothing.

What they read:

- prices: the opened bids of the lot's current round; the price figures (CV, RD, DIFFP) of every earlier opened lot
  of the same trade type (and procurement category), for the fences of the kind;
- shared values: the paying accounts of the deposits, the devices and addresses of the sign-ups and of the document
  downloads, the addresses of the bid uploads (and uploads from one address a minute apart);
- documents: each opened document's fingerprint and metadata (author and creating software), collected by the
  opening while it decrypts and checks the envelopes (``domain.screens.DocumentFacts``, its one decryption pass;
  the plaintext is never kept). They are not stored: a recompute after the opening screens everything else, and
  the documents' signals stored at the opening stay;
- across lots: the awarded lots of the same trade type in which the lot's bidders took part (rotation, cover
  bidding), and who signed up for them and had no bid opened (bid suppression, with who stood back here);
- the evaluation: once the committee has reported (``evaluation.submit_report`` runs the screens again), which
  opened bids it found valid and its first candidate (every bid but the winner's disqualified).

- people: the project manager's registration number each opened bid declares (its price form's
  ``项目经理注册编号``, read out at the opening and kept in the opening record's fields).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa

from ..domain import lifecycle, screens, visibility
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..models import (
    AuditEntry,
    Award,
    Bid,
    Deposit,
    DepositPayment,
    DocumentDownload,
    Evaluation,
    Lot,
    OpeningEntry,
    Organisation,
    Project,
    Registration,
    ScreenSignal,
)
from . import audit, rulebook


@dataclass(frozen=True)
class Screening:
    """A lot's screening: the signals, the bidders they name (``{id: name}``), how many earlier lots of the kind the
    fences came from, the opened prices (lowest first) and the price figures judged (``domain.screens.PriceFigure``)."""

    signals: list[screens.Signal]
    names: dict
    history_lots: int
    prices: dict
    figures: list = ()


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


def _history(session, lot: Lot) -> list[screens.Figures]:
    """The price figures of every earlier lot of the same kind opened before this one (its latest opened round)."""
    opened_at = session.scalar(sa.select(sa.func.min(OpeningEntry.opened_at)).where(
        OpeningEntry.lot_id == lot.id, OpeningEntry.round == lot.round))
    kind = _same_kind(lot).with_only_columns(Lot.id, Lot.round).subquery()
    rows = session.execute(sa.select(OpeningEntry.lot_id, OpeningEntry.price, OpeningEntry.opened_at)
                           .join(kind, sa.and_(kind.c.id == OpeningEntry.lot_id, kind.c.round == OpeningEntry.round))
                           .where(OpeningEntry.status == "opened", OpeningEntry.price.is_not(None))
                           .order_by(OpeningEntry.lot_id)).all()
    prices: dict[int, list] = {}
    first: dict[int, object] = {}
    for lot_id, price, at in rows:
        prices.setdefault(lot_id, []).append(price)
        first[lot_id] = min(first.get(lot_id, at), at)
    return [screens.figures(found) for lot_id, found in prices.items()
            if opened_at is None or first[lot_id] < opened_at]


def _past_lots(session, lot: Lot, bidders) -> list[screens.PastLot]:
    """Awarded lots of the same kind in which any of ``bidders`` took part, with who bid, who won and who signed up
    without a bid that was opened."""
    awards = session.execute(sa.select(Award.lot_id, Award.round, Award.bidder_id).join(Lot, Lot.id == Award.lot_id)
                             .join(Project).where(Project.trade_type == lot.project.trade_type,
                                                  Award.lot_id != lot.id)).all()
    found = []
    for lot_id, round_, winner in awards:
        taking_part = frozenset(_opened_prices(session, lot_id, round_))
        if taking_part & set(bidders):
            found.append(screens.PastLot(lot_id, taking_part, winner,
                                         _signed_up(session, lot_id, round_) - taking_part))
    return found


def _signed_up(session, lot_id: int, round_: int) -> frozenset:
    return frozenset(session.scalars(sa.select(Registration.bidder_id).where(Registration.lot_id == lot_id,
                                                                             Registration.round == round_)))


def _evaluated(session, lot: Lot) -> tuple[dict, object]:
    """Once the committee has reported on the lot's round: ``{bidder: valid}`` over the opened bids it judged, and
    its first candidate's bidder; else nothing."""
    evaluation = session.scalar(sa.select(Evaluation).where(Evaluation.lot_id == lot.id,
                                                            Evaluation.round == lot.round))
    report = evaluation.report if evaluation is not None and evaluation.status != "open" else None
    if not report or not report.get("candidates"):
        return {}, None
    valid = {row["bidder_id"]: True for row in report.get("ranking", [])}
    valid.update({row["bidder_id"]: False for row in report.get("rejected", [])})
    return valid, report["candidates"][0]["bidder_id"]


def gather(ctx, session, lot: Lot, documents=()) -> screens.LotRecords:
    """What the screens read about the lot's current round, from the platform's records; ``documents`` is the
    opened documents' ``(bidder, fingerprint, metadata)`` as the opening collected them (none after it)."""
    prices = _opened_prices(session, lot.id, lot.round)
    accounts = session.execute(sa.select(Deposit.bidder_id, DepositPayment.payer_account).join(Deposit).where(
        Deposit.lot_id == lot.id, Deposit.round == lot.round)).all()
    downloads = session.execute(sa.select(Registration.bidder_id, DocumentDownload.fingerprint,
                                          DocumentDownload.address).join(Registration).where(
        Registration.lot_id == lot.id, Registration.round == lot.round)).all()
    sign_ups = session.execute(sa.select(Registration.bidder_id, Registration.fingerprint, Registration.address).where(
        Registration.lot_id == lot.id, Registration.round == lot.round)).all()
    uploads = session.execute(sa.select(Bid.bidder_id, Bid.address, Bid.received_at).where(
        Bid.lot_id == lot.id, Bid.round == lot.round)).all()
    valid, winner = _evaluated(session, lot)
    declared = session.execute(sa.select(OpeningEntry.bidder_id, OpeningEntry.fields).where(
        OpeningEntry.lot_id == lot.id, OpeningEntry.round == lot.round, OpeningEntry.status == "opened")).all()
    return screens.LotRecords(prices=prices, accounts=[tuple(r) for r in accounts],
                              downloads=[tuple(r) for r in downloads], uploads=[tuple(r) for r in uploads],
                              sign_ups=[tuple(r) for r in sign_ups],
                              documents=list(documents), history=_history(session, lot),
                              past=_past_lots(session, lot, prices),
                              stood_back=sorted(_signed_up(session, lot.id, lot.round) - set(prices)),
                              people=[(bidder, person) for bidder, fields in declared
                                      for person in screens.people_named(fields or {})],
                              valid=valid, winner=winner)


def check_reader(actor, lot: Lot) -> None:
    """The screens are for the supervisor (or the administrator), once the bid deadline has passed."""
    if actor is None or not visibility.may_read_screens(frozenset(actor.roles)):
        raise DomainError(N_("The collusion screens are for the supervisor."), field="lot")
    if lot.state not in lifecycle.OPENED or lot.state in lifecycle.OPEN:
        raise DomainError(N_("The screens run once the bid deadline has passed: until then who bid is a secret."),
                          field="lot", rule="construction.bidders_confidential")


def run(ctx, session, lot: Lot, documents=()) -> Screening:
    """The screens over the lot's current round, computed, nothing stored (no reader check: ``record`` and the
    tests call it)."""
    rules = rulebook.of_lot(ctx, session, lot)
    records = gather(ctx, session, lot, documents)
    signals = screens.screen_records(records, rules)
    prices = records.prices
    return Screening(signals, _names(session, {b for s in signals for b in s.bidders} | set(prices)),
                     len(records.history), dict(sorted(prices.items(), key=lambda item: item[1])),
                     screens.price_figures(prices, rules, records.history))


def _names(session, bidders) -> dict:
    ids = {b for b in bidders if isinstance(b, int)}
    return dict(session.execute(sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())


@dataclass(frozen=True)
class ScreensView:
    """What the supervisor's screens page shows, read without writing: the stored signals of the lot's round with
    their decisions, the names of the bidders they name, the opened prices (lowest first), the price figures judged
    against the kind (``domain.screens.price_figures``) and the screens' runs (newest first: when, and whether at
    the opening or by whom)."""

    signals: list
    names: dict
    prices: dict
    figures: list
    history_lots: int
    runs: list
    min_lots: int


def view(ctx, session, actor, lot: Lot) -> ScreensView:
    """The lot's screens as stored, for the supervisor (or the administrator): nothing runs and nothing is written
    (refused before the bid deadline and for anyone else)."""
    check_reader(actor, lot)
    rules = rulebook.of_lot(ctx, session, lot)
    prices = _opened_prices(session, lot.id, lot.round)
    history = _history(session, lot)
    rows = stored(session, lot)
    runs = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "screen.run",
                                                       AuditEntry.object_type == "screen_run",
                                                       AuditEntry.object_id == str(lot.id))
                           .order_by(AuditEntry.seq.desc())).all()
    runs = [entry for entry in runs if (entry.payload or {}).get("round") == lot.round]
    return ScreensView(rows, _names(session, {b for row in rows for b in row.bidders} | set(prices)),
                       dict(sorted(prices.items(), key=lambda item: item[1])),
                       screens.price_figures(prices, rules, history), len(history), runs,
                       int(rules.value("screen.fence_min_lots")))


def _key(lot: Lot, signal: screens.Signal) -> str:
    """What makes a signal the same one when the screens run again: the lot's round, the screen, the bidders it
    names and the value they share (not the history, which grows)."""
    parts = [lot.id, lot.round, signal.screen, sorted(str(b) for b in signal.bidders),
             str(signal.inputs.get("value", signal.inputs.get("address", "")))]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def record(ctx, session, now, lot: Lot, actor=None, documents=None) -> tuple[Screening, list[ScreenSignal]]:
    """Run the screens over the lot's current round and store each signal not stored yet, once: at the opening
    (``documents``: what its decryption pass collected) and when the supervisor asks again (``recompute``, without
    the documents). Two runs at once store a signal once: the unique key lets one in, the other's savepoint rolls
    back. Each new signal is audited as ``screen.raise`` under the signal, and the run as ``screen.run`` under
    ``screen_run`` (never under the lot: the lot's timeline and its archive, which the tenderee reads, hold no
    signal). Returns the screening and the round's stored signals, oldest first."""
    from sqlalchemy.exc import IntegrityError

    found = run(ctx, session, lot, documents or ())
    rules = rulebook.of_lot(ctx, session, lot)
    raised = []
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
        raised.append(row.id)
        audit.record(session, actor, now, "screen.raise", object_type="screen_signal", object_id=row.id,
                     rule=row.rule, payload={"lot_id": lot.id, "screen": row.screen, "bidders": row.bidders,
                                             "working": row.working, "threshold": row.threshold})
    audit.record(session, actor, now, "screen.run", object_type="screen_run", object_id=lot.id,
                 payload={"lot_id": lot.id, "round": lot.round, "raised": raised, "history_lots": found.history_lots,
                          "documents": documents is not None})
    return found, stored(session, lot)


def recompute(ctx, session, actor, now, lot: Lot) -> list[int]:
    """The supervisor runs the screens of an opened lot again (a POST: a lot opened before the screens were stored,
    or the cross-lot screens after later awards); the documents' signals stay as the opening stored them. Returns
    the ids of the signals raised now."""
    check_reader(actor, lot)
    if not visibility.may_decide_screens(frozenset(actor.roles)):
        raise Forbidden(N_("The collusion screens are for the supervisor."), field="role")
    before = {row.id for row in stored(session, lot)}
    _found, rows = record(ctx, session, now, lot, actor)
    return [row.id for row in rows if row.id not in before]


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

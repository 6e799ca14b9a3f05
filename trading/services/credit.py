"""Credit records and the blacklist (信用记录与失信名单): the supervisor records events and blacklist entries; the
sign-up, the bid and the expert draw ask ``barred`` and refuse (or leave out) whoever an entry bars now. See
``domain.credit`` for the score and the periods."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain import credit
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..models import BlacklistEntry, CreditEvent, Expert, Organisation
from . import audit, rulebook
from .lots import public_reason


def _require_supervisor(actor) -> None:
    if actor is None or not actor.has_role("supervisor"):
        raise Forbidden(N_("Credit records and the blacklist are kept by the supervisor."), field="role")


def _subject(session, subject_type: str, subject_id) -> Organisation | Expert:
    model = {"organisation": Organisation, "expert": Expert}.get(subject_type)
    found = session.get(model, subject_id) if model is not None and str(subject_id).isdigit() else None
    if found is None:
        raise NotFound(N_("No such organisation or expert."), field="subject")
    return found


def find_subject(session, subject_type: str, text: str) -> int:
    """The id of the organisation named by its full name or 统一社会信用代码, or of the expert named by its pool
    number or (when only one expert has it) its name; refused naming the field otherwise."""
    text = (text or "").strip()
    if subject_type == "organisation":
        ids = list(session.scalars(sa.select(Organisation.id).where(
            sa.or_(Organisation.name == text, Organisation.credit_code == text.upper()))))
    elif subject_type == "expert":
        ids = [int(text)] if text.isdigit() and session.get(Expert, int(text)) else list(
            session.scalars(sa.select(Expert.id).where(Expert.name == text).limit(2)))
    else:
        ids = []
    if len(ids) != 1:
        raise DomainError(N_("No single organisation (full name or credit code) or expert (pool number, or a name "
                             "only one expert has) matches “%(text)s”."), field="subject", text=text[:60])
    return ids[0]


def record_event(session, actor, now: datetime, subject_type: str, subject_id, kind: str, evidence: str,
                 decision: str, lot_id: int | None = None) -> CreditEvent:
    """Record a credit event with its evidence and the decision that found it (the supervisor)."""
    _require_supervisor(actor)
    _subject(session, subject_type, subject_id)
    credit.check_event(subject_type, kind, evidence, decision)
    row = CreditEvent(subject_type=subject_type, subject_id=int(subject_id), kind=kind, lot_id=lot_id,
                      evidence=evidence.strip()[:4000], decision=decision.strip()[:200], recorded_by_id=actor.id,
                      recorded_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "credit.event", object_type=subject_type, object_id=row.subject_id,
                 rule=credit.KINDS[kind][2], payload={"event_id": row.id, "kind": kind, "decision": row.decision})
    return row


def record_finding(session, actor, now: datetime, organisation_id: int, kind: str, evidence: str, decision: str,
                   lot_id: int, rule: str) -> CreditEvent:
    """Record a credit event the platform itself finds in a lot's trade (a land winner that refused, or failed in
    time, to sign the land contract: ``land_contracts``), with the evidence every party reads and the finding as the
    decision; ``actor`` is the staff member who recorded the refusal, or None for the clock step. Called by services
    only, inside the step that found it (the supervisor records every other event, ``record_event``)."""
    credit.check_event("organisation", kind, evidence, decision)
    row = CreditEvent(subject_type="organisation", subject_id=organisation_id, kind=kind, lot_id=lot_id,
                      evidence=evidence.strip()[:4000], decision=decision.strip()[:200],
                      recorded_by_id=actor.id if actor is not None else None, recorded_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "credit.event", object_type="organisation", object_id=organisation_id,
                 rule=rule, payload={"event_id": row.id, "kind": kind, "decision": row.decision, "lot_id": lot_id})
    return row


def add_to_blacklist(ctx, session, actor, now: datetime, subject_type: str, subject_id, reason: str, decision: str,
                     starts_at: datetime, ends_at: datetime) -> BlacklistEntry:
    """Bar a bidder company or an expert for a period (at most ``credit.blacklist_period``), with the reason and
    the decision (the supervisor)."""
    _require_supervisor(actor)
    _subject(session, subject_type, subject_id)
    reason = public_reason(reason, "credit.blacklist_period")
    if len((decision or "").strip()) < 2:
        raise DomainError(N_("Name the decision that found it (its number)."), field="decision",
                          rule="credit.blacklist_period")
    credit.check_period(starts_at, ends_at,
                        max_years=int(rulebook.in_force(ctx, session).value("credit.blacklist_period")))
    row = BlacklistEntry(subject_type=subject_type, subject_id=int(subject_id), reason=reason,
                         decision=decision.strip()[:200], starts_at=starts_at, ends_at=ends_at,
                         recorded_by_id=actor.id, recorded_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "credit.blacklist", object_type=subject_type, object_id=row.subject_id,
                 rule="credit.blacklist_period", payload={"entry_id": row.id, "decision": row.decision,
                                                          "starts_at": starts_at, "ends_at": ends_at})
    return row


def lift(session, actor, now: datetime, entry_id: int, reason: str) -> BlacklistEntry:
    """End an entry early, with the reason (a decision reviewed, a court's ruling)."""
    _require_supervisor(actor)
    row = session.get(BlacklistEntry, entry_id)
    if row is None:
        raise NotFound(N_("No such blacklist entry."), field="entry")
    if row.lifted_at is not None or row.ends_at <= now:
        raise DomainError(N_("This entry has already ended."), field="entry", rule="credit.blacklist_period")
    row.lift_reason = public_reason(reason, "credit.blacklist_period")
    row.lifted_at, row.lifted_by_id = now, actor.id
    audit.record(session, actor, now, "credit.lift", object_type=row.subject_type, object_id=row.subject_id,
                 rule="credit.blacklist_period", payload={"entry_id": row.id, "reason": row.lift_reason})
    return row


def _entries(session, subject_type: str, subject_id: int) -> list[BlacklistEntry]:
    return list(session.scalars(sa.select(BlacklistEntry).where(BlacklistEntry.subject_type == subject_type,
                                                                BlacklistEntry.subject_id == subject_id)))


def barred(session, subject_type: str, subject_id: int, now: datetime) -> BlacklistEntry | None:
    """The entry that bars the subject now, if any."""
    for row in _entries(session, subject_type, subject_id):
        if credit.barred([credit.Entry(row.starts_at, row.ends_at, row.lifted_at)], now):
            return row
    return None


def refuse_if_barred(session, organisation_id: int, now: datetime, field: str = "lot") -> None:
    """Refuse a bidder company the blacklist bars now, naming the entry's end and decision."""
    row = barred(session, "organisation", organisation_id, now)
    if row is not None:
        raise Forbidden(N_("Your company is on the blacklist until %(until)s (%(decision)s): it cannot sign up or "
                           "bid."), field=field, rule="credit.blacklist_period", until=row.ends_at,
                        decision=row.decision)


def barred_expert_ids(session, now: datetime) -> set[int]:
    """The experts the blacklist bars now (left out of every draw)."""
    rows = session.scalars(sa.select(BlacklistEntry).where(BlacklistEntry.subject_type == "expert",
                                                           BlacklistEntry.starts_at <= now,
                                                           BlacklistEntry.ends_at > now))
    return {row.subject_id for row in rows if row.lifted_at is None or now < row.lifted_at}


def score_of(session, subject_type: str, subject_id: int, now: datetime) -> int:
    """The subject's credit score now (``domain.credit.score``)."""
    events = session.scalars(sa.select(CreditEvent).where(CreditEvent.subject_type == subject_type,
                                                          CreditEvent.subject_id == subject_id))
    return credit.score([credit.Event(e.kind, e.recorded_at) for e in events], now)


def subject_name(session, subject_type: str, subject_id: int) -> str:
    """The name of an entry's or event's subject (an organisation's or an expert's)."""
    return _subject(session, subject_type, subject_id).name


def current_entries(session, now: datetime) -> list[tuple[BlacklistEntry, str]]:
    """The entries in force now with the name of their subject (the public blacklist), newest first."""
    rows = session.scalars(sa.select(BlacklistEntry).where(BlacklistEntry.starts_at <= now,
                                                           BlacklistEntry.ends_at > now)
                           .order_by(BlacklistEntry.starts_at.desc()))
    return [(row, subject_name(session, row.subject_type, row.subject_id)) for row in rows
            if row.lifted_at is None or now < row.lifted_at]

"""Public reports (举报): received from anyone without a login, handled by the supervisor (``domain.reports``).

The reporter is given two things: the acknowledgement number (JB2026-000123), which names the report in letters and
calls, and a random token (192 bits), the only key to the follow-up page; the platform keeps the token's SHA-256
alone, so neither a guessed number nor a copy of the database opens a report. The supervisor, and nobody else,
lists and reads reports (``visibility.may_read_report``): never the parties a report names. Every step is in the
audit chain under the object ``public_report``, never under the lot (whose timeline its parties read), and without
the report's text or contact (only the text's SHA-256).

Each acceptance, refusal and conclusion puts one notice to the reporter in the outbox, in the same transaction, if the
reporter left a contact (``outbox.queue_report_notice``: the number and the new status, nothing the report says); the
view enqueues the sending job after its commit. A report still received past its ``accept_due`` is overdue on the
supervisor's dashboard and an early warning (``domain.monitoring.report_dues``)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa

from ..domain import calendar, reports as rules_of_reports
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..domain.visibility import may_read_report
from ..models import Lot, PublicReport, User, UserRole
from . import audit, outbox, rulebook

RULE, ACCEPTANCE = rules_of_reports.RULE, rules_of_reports.ACCEPTANCE
PUBLIC = "public"  # how an anonymous reporter is named in the audit chain


def token_hash(token: str) -> str:
    """What the platform keeps of a follow-up token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def submit(ctx, session, actor, now: datetime, category: str, lot_text: str, party: str, text: str,
           contact: str = "") -> tuple[PublicReport, str]:
    """Receive a report (whoever sends it: ``actor`` is not recorded, a logged-in user reports as anyone does);
    returns the row and the follow-up token, shown this once and kept only as its hash."""
    draft = rules_of_reports.check_draft(category, lot_text, party, text, contact)
    in_force = rulebook.in_force(ctx, session)
    days = int(in_force.value(ACCEPTANCE))
    last = calendar.add_working_days(calendar.local_date(now), days)
    token = secrets.token_urlsafe(24)
    lot_id = None
    if draft.lot_text:
        lot_id = session.scalar(sa.select(Lot.id).where(sa.func.upper(Lot.deal_code) == draft.lot_text.upper()))
    row = PublicReport(token_hash=token_hash(token), category=draft.category, lot_text=draft.lot_text, lot_id=lot_id,
                       party=draft.party, text=draft.text, contact=draft.contact, received_at=now,
                       accept_due=calendar.start_of_local_day(calendar.add_days(last, 1)), status="received")
    session.add(row)
    session.flush()
    row.number = rules_of_reports.number(row.id, now)
    session.flush()
    audit.record(session, PUBLIC, now, "report.submit", object_type="public_report", object_id=row.id, rule=RULE,
                 payload={"number": row.number, "category": row.category, "accept_due": row.accept_due,
                          "sha256": hashlib.sha256(draft.text.encode("utf-8")).hexdigest()})
    return row, token


def follow(session, token: str) -> PublicReport:
    """The report a follow-up token opens (NotFound for any other string: no hint whether a report exists)."""
    token = str(token or "")
    if not 20 <= len(token) <= 64:
        raise NotFound(N_("No report has this follow-up code."), field="token", rule=RULE)
    row = session.scalar(sa.select(PublicReport).where(PublicReport.token_hash == token_hash(token)))
    if row is None:
        raise NotFound(N_("No report has this follow-up code."), field="token", rule=RULE)
    return row


def _supervisor(actor) -> None:
    roles = frozenset(getattr(actor, "roles", None) or ()) if getattr(actor, "is_authenticated", True) else frozenset()
    if not may_read_report(roles):
        raise Forbidden(N_("Public reports are read and handled by the supervisor alone."), field="role", rule=RULE)


def listed(session, actor, status: str | None = None) -> list[PublicReport]:
    """The reports, newest first, for the supervisor (optionally of one status)."""
    _supervisor(actor)
    query = sa.select(PublicReport).order_by(PublicReport.received_at.desc(), PublicReport.id.desc())
    if status in rules_of_reports.STATUSES:
        query = query.where(PublicReport.status == status)
    return list(session.scalars(query.limit(500)))


def get(session, actor, report_id: int) -> PublicReport:
    """One report, for the supervisor."""
    _supervisor(actor)
    row = session.get(PublicReport, report_id)
    if row is None:
        raise NotFound(N_("No such report."), field="report", rule=RULE)
    return row


def supervisors(session) -> list[User]:
    """Who a report may be assigned to: the active supervisors."""
    return list(session.scalars(sa.select(User).join(UserRole, UserRole.user_id == User.id)
                                .where(UserRole.role == "supervisor", User.active).order_by(User.username)))


def _assignee(session, assignee_id) -> User:
    try:
        wanted = int(assignee_id)
    except (TypeError, ValueError):
        wanted = None
    found = next((u for u in supervisors(session) if u.id == wanted), None)
    if found is None:
        raise DomainError(N_("Assign the report to an active supervisor."), field="assignee", rule=RULE)
    return found


def _step(session, actor, report_id: int, step: str) -> PublicReport:
    row = get(session, actor, report_id)
    if not rules_of_reports.may_move(row.status, step):
        raise DomainError(N_("This report is not at that step any more (accepted, declined or concluded already)."),
                          field="report", rule=RULE)
    return row


def _audit(session, actor, now, action: str, row: PublicReport, rule: str = RULE, **extra) -> None:
    audit.record(session, actor, now, action, object_type="public_report", object_id=row.id, rule=rule,
                 payload={"number": row.number, "status": row.status, **extra})


def _told(ctx, session, now: datetime, row: PublicReport) -> None:
    """Queue the reporter's notice of the new status (nothing without a contact)."""
    outbox.queue_report_notice(ctx, session, now, row)


def accept(ctx, session, actor, now: datetime, report_id: int, reason: str, assignee_id=None) -> PublicReport:
    """Accept a report with the reason, assigned to a supervisor (the actor by default); the reporter is told."""
    row = _step(session, actor, report_id, "accept")
    reason = rules_of_reports.check_handling(reason, "reason", rules_of_reports.REASON_MIN)
    assignee = _assignee(session, actor.id if assignee_id in (None, "") else assignee_id)
    row.status, row.reason, row.handled_by_id, row.handled_at = "accepted", reason, actor.id, now
    row.assignee_id = assignee.id
    _audit(session, actor, now, "report.accept", row, ACCEPTANCE, assignee=assignee.username,
           late=now >= row.accept_due)
    _told(ctx, session, now, row)
    return row


def decline(ctx, session, actor, now: datetime, report_id: int, reason: str) -> PublicReport:
    """Decline a report with the reason the reporter reads (no facts, not the platform's to handle, ...); the reporter
    is told."""
    row = _step(session, actor, report_id, "decline")
    reason = rules_of_reports.check_handling(reason, "reason", rules_of_reports.REASON_MIN)
    row.status, row.reason, row.handled_by_id, row.handled_at = "declined", reason, actor.id, now
    _audit(session, actor, now, "report.decline", row, ACCEPTANCE, late=now >= row.accept_due)
    _told(ctx, session, now, row)
    return row


def assign(session, actor, now: datetime, report_id: int, assignee_id) -> PublicReport:
    """Hand an accepted report to another supervisor."""
    row = _step(session, actor, report_id, "assign")
    assignee = _assignee(session, assignee_id)
    row.assignee_id = assignee.id
    _audit(session, actor, now, "report.assign", row, assignee=assignee.username)
    return row


def conclude(ctx, session, actor, now: datetime, report_id: int, outcome: str) -> PublicReport:
    """Record the outcome of an accepted report: what was found and done; the reporter reads it, and is told."""
    row = _step(session, actor, report_id, "conclude")
    outcome = rules_of_reports.check_handling(outcome, "outcome", rules_of_reports.OUTCOME_MIN)
    row.status, row.outcome, row.concluded_by_id, row.concluded_at = "concluded", outcome, actor.id, now
    _audit(session, actor, now, "report.conclude", row,
           sha256=hashlib.sha256(outcome.encode("utf-8")).hexdigest())
    _told(ctx, session, now, row)
    return row


def overdue(row: PublicReport, now: datetime) -> bool:
    """Whether a report still waits past the centre's acceptance period."""
    return row.status == "received" and now >= row.accept_due

"""The outbox (发件箱): SMS and e-mail to people without an account, written in the same transaction as the change they
tell of and sent afterwards through the platform's gateway (``ctx.messages``, ``trading/notify/messages.py``).

Today one kind: a public report's reporter told that the report was accepted, declined or concluded, at the contact
the reporter gave (``queue_report_notice``; none given, nothing sent). The view that made the change enqueues the
sending job after its commit (``jobs.enqueue_messages``: at once under ``make run``, on the RQ queue under
``make serve``); the clock step sends whatever is still queued, and retries a refused message up to
``MAX_ATTEMPTS`` times, so a job that never ran or died loses nothing. A message is claimed by a conditional update
before it is sent, so a job and a clock step running at once send it once.

The administrator reads the outbox (``page``: the gateway's answers), with each address masked: whom a reporter is
stays with the supervisor (``visibility.may_read_report``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..domain import reports as rules_of_reports, visibility
from ..domain.errors import N_, Forbidden
from ..models import OutboxMessage, PublicReport
from ..notify.messages import Message, SendResult, report_notice

MAX_ATTEMPTS = 5
STATUSES = ("queued", "sent", "failed")
BATCH = 200  # messages one clock step sends at most


def queue(session, now: datetime, key: str, object_type: str, object_id, message: Message) -> OutboxMessage | None:
    """Put ``message`` in the outbox under ``key`` (flushed); None if a message with that key is there already."""
    if session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return None
    row = OutboxMessage(key=key, object_type=object_type, object_id=str(object_id), channel=message.channel,
                        address=message.address, subject=message.subject, body=message.body, queued_at=now,
                        status="queued", attempts=0, result={})
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


def queue_report_notice(ctx, session, now: datetime, report: PublicReport) -> OutboxMessage | None:
    """The notice of a public report's new status to the reporter's contact: its number and status only (never its
    text, the parties, the reason or the outcome). None when the reporter left no contact the platform can reach,
    or the status is not one the reporter is told of."""
    channel = rules_of_reports.contact_channel(report.contact)
    if channel is None or report.status not in rules_of_reports.NOTIFIED:
        return None
    message = report_notice(channel, report.contact, ctx.centre_name(session), report.number, report.status)
    return queue(session, now, f"report:{report.id}:{report.status}", "public_report", report.id, message)


def _claim(session, now: datetime, message_id: int) -> OutboxMessage | None:
    """Take the message for one attempt if it is still to be sent: one conditional update, so of two senders at once
    one wins (the other waits for its commit, then finds it sent)."""
    claimed = session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status.in_(("queued", "failed")),
               OutboxMessage.attempts < MAX_ATTEMPTS)
        .values(attempts=OutboxMessage.attempts + 1, tried_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        return None
    row = session.get(OutboxMessage, message_id)
    session.refresh(row)
    return row


def send(ctx, session, now: datetime, message_id: int) -> bool:
    """Send one queued (or refused, to retry) message through the platform's gateway and record its answer
    (flushed); True if the gateway accepted it now."""
    row = _claim(session, now, message_id)
    if row is None:
        return False
    gateway = ctx.messages
    message = Message(row.channel, row.address, row.body, row.subject)
    try:
        answer = gateway.send(message, now, ref=f"outbox-{row.id}")
    except Exception as error:  # a real gateway's network or provider error: recorded, retried by the clock step
        answer = SendResult(False, "", f"{type(error).__name__}: {error}"[:300])
    row.gateway = getattr(gateway, "name", type(gateway).__name__)[:32]
    row.result = answer.as_dict()
    row.status = "sent" if answer.ok else "failed"
    row.sent_at = now if answer.ok else None
    session.flush()
    return answer.ok


def send_due(ctx, session, now: datetime, limit: int = BATCH) -> int:
    """Send every message still queued, and retry the refused ones that have attempts left (the clock step and the
    sending job); returns how many the gateway accepted."""
    ids = session.scalars(sa.select(OutboxMessage.id).where(
        OutboxMessage.status.in_(("queued", "failed")), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id).limit(limit)).all()
    return sum(send(ctx, session, now, message_id) for message_id in ids)


def of_report(session, report_id: int) -> list[OutboxMessage]:
    """The notices queued for one report, oldest first (the supervisor's report page)."""
    return list(session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.object_type == "public_report", OutboxMessage.object_id == str(report_id))
        .order_by(OutboxMessage.id)))


def masked(channel: str, address: str) -> str:
    """An address as the administrator sees it: 138****0000, or the e-mail's first letter and domain."""
    if channel == "sms" and len(address) == 11:
        return f"{address[:3]}****{address[-4:]}"
    local, _at, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}" if local else "***"


def _administrator(actor) -> None:
    roles = frozenset(getattr(actor, "roles", None) or ()) if getattr(actor, "is_authenticated", True) else frozenset()
    if not visibility.may_read_outbox(roles):
        raise Forbidden(N_("The outbox is read by the administrator."), field="role")


def listing(actor, status: str | None = None):
    """The query of the outbox for the administrator, newest first (optionally of one status)."""
    _administrator(actor)
    query = sa.select(OutboxMessage).order_by(OutboxMessage.queued_at.desc(), OutboxMessage.id.desc())
    if status in STATUSES:
        query = query.where(OutboxMessage.status == status)
    return query


def counts(session, actor) -> dict[str, int]:
    """How many messages are in each status."""
    _administrator(actor)
    return dict(session.execute(sa.select(OutboxMessage.status, sa.func.count(OutboxMessage.id))
                                .group_by(OutboxMessage.status)).all())

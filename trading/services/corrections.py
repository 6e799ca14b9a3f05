"""Early warnings kept as rows, and the corrections that follow them (预警 → 整改, DESIGN §9).

The clock step (``chronograph.run``) stores every warning ``result.warnings`` finds that is not stored yet
(``raise_warnings``): the act, its rule, the inputs it was reckoned from, the threshold in force for the lot and the
rule's legal basis. The supervisor may also take a warning up at once from the warnings page (``take``). Then the
supervisor dismisses it with a reason, or issues a correction order (整改通知) to the tenderee, its agency or the
centre with a deadline; the addressee answers with evidence (text and an optional file in the blob store); the
supervisor closes the order or escalates it. An order not answered by its deadline is itself overdue
(``domain.monitoring``, kind ``correction``), so the next clock step raises a warning about it. Every step is
audited. Who reads an order is ``domain.visibility.may_read_correction``: the supervisor and the addressee only.

A warning about a public report (kind ``public_report``) is on no lot: it is audited under the report (never a lot,
whose timeline the report's parties read), read by the supervisor alone (``visibility.may_read_report``), and
answered by handling the report or dismissed: the supervisor owes the act, so no correction order follows it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..domain import calendar, visibility
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..models import CorrectionOrder, EarlyWarning, Lot, Organisation
from . import audit, rulebook
from .lots import public_reason
from .open_data import page_of

RULE = "platform.supervision"
ADDRESSEES = ("tenderee", "agency", "centre")
OPEN = ("open", "ordered")  # a warning still to be seen to


def _threshold(in_force, rule_id: str) -> dict:
    """The number and unit of the rule in force for the lot, as text (none for a rule without a number)."""
    try:
        found = in_force[rule_id]
    except KeyError:
        return {}
    return {} if found.value is None else {"value": str(found.value), "unit": found.unit}


def _store(ctx, session, now: datetime, warning) -> EarlyWarning | None:
    """Store one computed warning (``result.Warning``) unless a row has its key; None when one has. Two clock steps at
    once: the unique key lets one in, the other's savepoint rolls back."""
    if session.scalar(sa.select(EarlyWarning.id).where(EarlyWarning.key == warning.key)) is not None:
        return None
    lot = session.get(Lot, warning.lot_id) if warning.lot_id is not None else None
    in_force = rulebook.of_lot(ctx, session, lot) if lot is not None else rulebook.in_force(ctx, session)
    threshold = _threshold(in_force, warning.rule)
    if warning.kind == "correction":  # the deadline the supervisor set is the threshold
        threshold = {"deadline": warning.since.isoformat()}
    try:
        basis = in_force[warning.rule].source
    except KeyError:
        basis = ""
    row = EarlyWarning(key=warning.key, lot_id=warning.lot_id, kind=warning.kind, rule=warning.rule,
                       message=warning.message, params=warning.params, inputs=warning.inputs, threshold=threshold,
                       basis=basis[:300], since=warning.since, raised_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    audit.record(session, None, now, "warning.raise", **_audited_under(row), rule=row.rule,
                 payload={"warning_id": row.id, "kind": row.kind, "key": row.key, "threshold": threshold})
    return row


def _audited_under(row: EarlyWarning) -> dict:
    """The object a warning's steps are audited under: its lot, or the public report it is about."""
    if row.lot_id is None:
        return {"object_type": "public_report", "object_id": row.inputs.get("report_id")}
    return {"object_type": "lot", "object_id": row.lot_id}


def raise_warnings(ctx, session, now: datetime) -> int:
    """Store every warning found at ``now`` that is not stored yet (the clock step); returns how many were new."""
    from .result import warnings

    return sum(_store(ctx, session, now, w) is not None for w in warnings(ctx, session, now))


def _supervisor(actor) -> None:
    if actor is None or not actor.has_role("supervisor"):
        raise Forbidden(N_("Warnings and corrections are handled by the supervisor."), field="role", rule=RULE)


def take(ctx, session, actor, now: datetime, key: str) -> EarlyWarning:
    """The stored warning with this key, storing it first if the clock step has not yet (the supervisor takes a warning
    up from the list)."""
    _supervisor(actor)
    from .result import warnings

    row = session.scalar(sa.select(EarlyWarning).where(EarlyWarning.key == (key or "")[:120]))
    if row is not None:
        return row
    found = next((w for w in warnings(ctx, session, now) if w.key == key), None)
    if found is None:
        raise NotFound(N_("No such warning: it may have been resolved meanwhile."), field="warning")
    return _store(ctx, session, now, found) or session.scalar(sa.select(EarlyWarning).where(EarlyWarning.key == key))


def warning_of(session, warning_id: int) -> EarlyWarning:
    row = session.get(EarlyWarning, warning_id)
    if row is None:
        raise NotFound(N_("No such warning."), field="warning")
    return row


def dismiss(session, actor, now: datetime, warning_id: int, reason: str) -> EarlyWarning:
    """Dismiss an open warning with the reason (a justified delay, a false alarm, ...)."""
    _supervisor(actor)
    row = warning_of(session, warning_id)
    if row.status != "open":
        raise DomainError(N_("This warning has been decided already."), field="warning", rule=RULE)
    row.reason = public_reason(reason, RULE)
    row.status, row.decided_by_id, row.decided_at = "dismissed", actor.id, now
    audit.record(session, actor, now, "warning.dismiss", **_audited_under(row), rule=row.rule,
                 payload={"warning_id": row.id, "reason": row.reason})
    return row


def addressee_organisation(session, lot: Lot, addressee: str) -> int:
    """The organisation a correction order to ``addressee`` goes to: the lot's tenderee, its agency or the centre."""
    if addressee == "tenderee":
        return lot.project.tenderee_id
    if addressee == "agency":
        if lot.project.agency_id is None:
            raise DomainError(N_("This project has no agency: address the order to the tenderee."), field="addressee")
        return lot.project.agency_id
    if addressee == "centre":
        centre = session.scalar(sa.select(Organisation.id).where(Organisation.org_type == "trading_centre")
                                .order_by(Organisation.id))
        if centre is None:
            raise DomainError(N_("The platform has no trading centre organisation."), field="addressee")
        return centre
    raise DomainError(N_("Choose who must correct: the tenderee, its agency or the centre."), field="addressee")


def issue(session, actor, now: datetime, warning_id: int, addressee: str, text: str,
          due_on: date | None) -> CorrectionOrder:
    """Order the tenderee, its agency or the centre to correct what the warning found, by the end of ``due_on``
    (Beijing time)."""
    _supervisor(actor)
    row = warning_of(session, warning_id)
    if row.status not in ("open", "escalated"):
        raise DomainError(N_("This warning has been decided already."), field="warning", rule=RULE)
    if row.lot_id is None:
        raise DomainError(N_("A warning about a public report is answered by accepting or declining the report (or "
                             "dismissed): the supervisor owes it, no correction order follows."), field="warning",
                          rule=row.rule)
    lot = session.get(Lot, row.lot_id)
    organisation_id = addressee_organisation(session, lot, addressee)
    text = (text or "").strip()
    if len(text) < 10:
        raise DomainError(N_("Write what must be corrected and how (at least 10 characters)."), field="text",
                          rule=RULE)
    if due_on is None or due_on <= calendar.local_date(now):
        raise DomainError(N_("Give a deadline after today."), field="due_on", rule=RULE)
    order = CorrectionOrder(warning_id=row.id, lot_id=row.lot_id, addressee=addressee,
                            organisation_id=organisation_id, text=text[:8000],
                            due_at=calendar.start_of_local_day(calendar.add_days(due_on, 1)), issued_by_id=actor.id,
                            issued_at=now)
    session.add(order)
    row.status, row.decided_by_id, row.decided_at = "ordered", actor.id, now
    session.flush()
    audit.record(session, actor, now, "correction.issue", object_type="lot", object_id=row.lot_id, rule=RULE,
                 payload={"correction_id": order.id, "warning_id": row.id, "addressee": addressee,
                          "organisation_id": organisation_id, "due_at": order.due_at})
    return order


def may_read(user, order: CorrectionOrder) -> bool:
    """Whether ``user`` may read the order (the policy: ``domain.visibility.may_read_correction``)."""
    if user is None or not getattr(user, "is_authenticated", True) or not hasattr(user, "has_role"):
        return False
    roles = frozenset(role for role in visibility.CORRECTION_ROLES if user.has_role(role))
    return visibility.may_read_correction(roles, user.organisation_id, order.addressee, order.organisation_id)


def may_answer(user, order: CorrectionOrder) -> bool:
    """Whether ``user`` answers the order: its addressee's people (never the supervisor who issued it)."""
    return may_read(user, order) and not user.has_role("supervisor")


def order_of(session, user, order_id: int) -> CorrectionOrder:
    """The order, if ``user`` may read it (else NotFound: an order one may not read does not exist for one)."""
    row = session.get(CorrectionOrder, order_id)
    if row is None or not may_read(user, row):
        raise NotFound(N_("No such correction order."), field="correction")
    return row


def visible(session, user, lot: Lot | None = None) -> list[CorrectionOrder]:
    """The orders ``user`` may read (of ``lot``, or all), newest first."""
    query = sa.select(CorrectionOrder).order_by(CorrectionOrder.id.desc())
    if lot is not None:
        query = query.where(CorrectionOrder.lot_id == lot.id)
    if user is None or not getattr(user, "is_authenticated", True) or not hasattr(user, "has_role"):
        return []
    if not user.has_role("supervisor"):  # narrowed in SQL first, then checked row by row by the policy
        query = query.where(CorrectionOrder.organisation_id == user.organisation_id)
    return [row for row in session.scalars(query) if may_read(user, row)]


def answer(ctx, session, actor, now: datetime, order_id: int, text: str, filename: str | None = None,
           stream: BinaryIO | None = None, max_size: int = 0) -> CorrectionOrder:
    """The addressee answers the order with what it did and its evidence (an optional file, kept in the blob store);
    an answer after the deadline is taken and stays late."""
    order = order_of(session, actor, order_id)
    if not may_answer(actor, order):
        raise Forbidden(N_("Only the addressee of the order answers it."), field="answer", rule=RULE)
    if order.status != "open":
        raise DomainError(N_("This order has been answered or closed already."), field="answer", rule=RULE)
    text = (text or "").strip()
    if len(text) < 10:
        raise DomainError(N_("Say what was corrected and how (at least 10 characters)."), field="answer", rule=RULE)
    name = (filename or "").strip().replace("/", "_").replace("\\", "_")[:200]
    if name and stream is not None:
        from ..storage import BlobTooLarge

        try:
            blob = ctx.store.put(stream, max_size=max_size)
        except BlobTooLarge:
            raise DomainError(N_("The file is larger than %(mib)s MiB."), field="evidence",
                              mib=max_size // 2**20) from None
        if blob.size == 0:
            ctx.store.discard(blob.key)
            raise DomainError(N_("The file is empty."), field="evidence")
        order.evidence_key, order.evidence_name, order.evidence_size = blob.key, name, blob.size
        order.evidence_sha256 = blob.sha256  # the row names the blob: storage.cleanup keeps it
    order.answer, order.answered_by_id, order.answered_at, order.status = text[:8000], actor.id, now, "answered"
    session.flush()
    audit.record(session, actor, now, "correction.answer", object_type="lot", object_id=order.lot_id, rule=RULE,
                 payload={"correction_id": order.id, "late": now >= order.due_at, "evidence": order.evidence_name,
                          "sha256": order.evidence_sha256})
    return order


def conclude(session, actor, now: datetime, order_id: int, outcome: str, note: str) -> CorrectionOrder:
    """The supervisor closes the order (corrected) or escalates it (not corrected: further measures), with a note;
    the warning takes the same outcome."""
    _supervisor(actor)
    order = order_of(session, actor, order_id)
    if outcome not in ("closed", "escalated"):
        raise DomainError(N_("Choose whether the order is closed or escalated."), field="outcome", rule=RULE)
    if order.status not in ("open", "answered"):
        raise DomainError(N_("This order has been closed or escalated already."), field="outcome", rule=RULE)
    order.note = public_reason(note, RULE)
    order.status, order.closed_by_id, order.closed_at = outcome, actor.id, now
    warning = session.get(EarlyWarning, order.warning_id)
    warning.status = outcome
    session.flush()
    audit.record(session, actor, now, f"correction.{'close' if outcome == 'closed' else 'escalate'}",
                 object_type="lot", object_id=order.lot_id, rule=RULE,
                 payload={"correction_id": order.id, "warning_id": warning.id, "note": order.note})
    return order


# -- read by the supervisor's programs (API v1, scope ``supervision``) ------------------------------------------------

WARNING_STATUSES = ("open", "dismissed", "ordered", "closed", "escalated")
ORDER_STATUSES = ("open", "answered", "closed", "escalated")


def _status(value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise DomainError(N_("Unknown status %(value)s."), field="status", value=value)


def _lot_names(session, lot_id: int | None) -> dict:
    if lot_id is None:  # a public report's warning: on no lot
        return {"lot_id": None, "deal_code": None, "lot_name": None, "project_name": None}
    lot = session.get(Lot, lot_id)
    return {"lot_id": lot.id, "deal_code": lot.deal_code, "lot_name": lot.name, "project_name": lot.project.name}


def warning_facts(session, row: EarlyWarning) -> dict:
    """A stored warning as the warning page shows it: the act, its rule and legal basis, the inputs it was reckoned
    from, the threshold in force for the lot, and the supervisor's decision."""
    return {"id": row.id, "key": row.key, **_lot_names(session, row.lot_id), "kind": row.kind, "rule": row.rule,
            "message": row.message, "params": row.params, "inputs": row.inputs, "threshold": row.threshold,
            "basis": row.basis, "since": row.since, "raised_at": row.raised_at, "status": row.status,
            "decided_at": row.decided_at, "reason": row.reason or None,
            "correction_ids": list(session.scalars(sa.select(CorrectionOrder.id).where(
                CorrectionOrder.warning_id == row.id).order_by(CorrectionOrder.id)))}


def order_facts(session, row: CorrectionOrder) -> dict:
    """A correction order as its page shows it: to whom, what, by when, the answer (the evidence file by its name,
    size and SHA-256; the file itself is read on the order's page) and the outcome."""
    org = session.get(Organisation, row.organisation_id)
    return {"id": row.id, "warning_id": row.warning_id, **_lot_names(session, row.lot_id),
            "addressee": row.addressee, "organisation": {"name": org.name, "credit_code": org.credit_code},
            "text": row.text, "issued_at": row.issued_at, "due_at": row.due_at, "status": row.status,
            "answer": row.answer or None, "answered_at": row.answered_at,
            "evidence": {"name": row.evidence_name, "size": row.evidence_size, "sha256": row.evidence_sha256}
            if row.evidence_key else None,
            "closed_at": row.closed_at, "note": row.note or None}


def warnings_page(session, actor, *, cursor: str | None = None, limit: int | None = None,
                  status: str | None = None, lot_id: int | None = None):
    """The stored warnings (those the clock step or the supervisor stored), oldest first: the supervisor only."""
    _supervisor(actor)
    _status(status, WARNING_STATUSES)
    query = sa.select(EarlyWarning)
    if status:
        query = query.where(EarlyWarning.status == status)
    if lot_id is not None:
        query = query.where(EarlyWarning.lot_id == lot_id)
    return page_of(session, query, EarlyWarning.id, "warnings", cursor, limit, lambda row: warning_facts(session, row))


def warning_read(session, actor, warning_id: int) -> dict:
    """One stored warning: the supervisor only."""
    _supervisor(actor)
    return warning_facts(session, warning_of(session, warning_id))


def orders_page(session, actor, *, cursor: str | None = None, limit: int | None = None, status: str | None = None,
                lot_id: int | None = None):
    """The correction orders ``actor`` may read (the policy's ``may_read``), oldest first: the supervisor only."""
    _supervisor(actor)
    _status(status, ORDER_STATUSES)
    query = sa.select(CorrectionOrder)
    if status:
        query = query.where(CorrectionOrder.status == status)
    if lot_id is not None:
        query = query.where(CorrectionOrder.lot_id == lot_id)

    def shape(row: CorrectionOrder) -> dict:
        if not may_read(actor, row):  # the supervisor reads every order; kept as the policy's check all the same
            raise NotFound(N_("No such correction order."), field="correction")
        return order_facts(session, row)

    return page_of(session, query, CorrectionOrder.id, "corrections", cursor, limit, shape)


def order_read(session, actor, order_id: int) -> dict:
    """One correction order: the supervisor only."""
    _supervisor(actor)
    return order_facts(session, order_of(session, actor, order_id))

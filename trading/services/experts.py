"""The expert pool (评标专家库): adding, changing, suspending and removing experts, importing a file all or
nothing, and the records a draw works on."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from ..domain import calendar, experts as rules_of_experts, gcpause, specialties
from ..domain.errors import N_, DomainError, Forbidden, NotFound
from ..models import Expert, ExpertPenalty, ExpertRelative, ExpertSpecialty, ExpertTie, Organisation
from . import audit, rulebook

STATUSES = ("active", "suspended", "removed")


def _require_admin(actor) -> None:
    """Admins keep the pool (centre staff may read it)."""
    if actor is not None and not isinstance(actor, str) and not actor.has_role("admin"):
        raise Forbidden(N_("Only administrators change the expert pool."), field="expert")


def get(session, expert_id: int) -> Expert:
    """An expert by id, or NotFound."""
    row = session.get(Expert, expert_id)
    if row is None:
        raise NotFound(N_("No such expert."), field="expert")
    return row


def _employer(session, credit_code: str | None) -> Organisation | None:
    """The employer when it is an organisation on the platform (by credit code)."""
    if not credit_code:
        return None
    return session.scalar(sa.select(Organisation).where(Organisation.credit_code == credit_code))


def _apply(session, expert: Expert, data: rules_of_experts.ExpertInput, employer_name: str) -> None:
    """Copy validated input onto a row."""
    employer = _employer(session, data.employer_credit_code)
    expert.name, expert.id_number, expert.mobile = data.name, data.id_number, data.mobile
    expert.title, expert.years, expert.region_code = data.title.name, data.years, data.region_code
    expert.employer_id = employer.id if employer else None
    expert.employer_name = (employer.name if employer else employer_name or "")[:200]
    expert.specialty_rows = [ExpertSpecialty(code=code) for code in sorted(set(data.specialties))]


def validate(ctx, session, now: datetime, fields: dict, *, line: int = 1, except_id: int | None = None):
    """One row of expert data through the same checks as an import, under the rules in force (raises the
    file-style refusal)."""
    existing = set(session.scalars(sa.select(Expert.id_number).where(Expert.id != (except_id or 0))))
    return rules_of_experts.parse_rows([{"line": line, **fields}], specialties.load(), now, existing=existing,
                                       rules=rulebook.in_force(ctx, session))[0]


def create(ctx, session, actor, now: datetime, fields: dict, employer_name: str = "") -> Expert:
    """Add one expert after the import checks (ID number, mobile, specialties, title and years, region)."""
    _require_admin(actor)
    data = validate(ctx, session, now, fields)
    expert = Expert(created_at=now, status="active")
    _apply(session, expert, data, employer_name)
    session.add(expert)
    session.flush()
    audit.record(session, actor, now, "expert.create", object_type="expert", object_id=expert.id,
                 rule="experts.eligibility", payload=_summary(expert))
    return expert


def update(ctx, session, actor, now: datetime, expert: Expert, fields: dict, employer_name: str = "") -> Expert:
    """Change an expert's data (the same checks)."""
    _require_admin(actor)
    data = validate(ctx, session, now, fields, except_id=expert.id)
    with session.no_autoflush:
        _apply(session, expert, data, employer_name)
    session.flush()
    audit.record(session, actor, now, "expert.update", object_type="expert", object_id=expert.id,
                 rule="experts.eligibility", payload=_summary(expert))
    return expert


def _summary(expert: Expert) -> dict:
    """What the audit log keeps of an expert (the ID number masked)."""
    return {"name": expert.name, "id": rules_of_experts.mask_id(expert.id_number), "title": expert.title,
            "years": expert.years, "region": expert.region_code, "specialties": expert.specialties,
            "employer": expert.employer_id or expert.employer_name}


def import_rows(ctx, session, actor, now: datetime, rows) -> list[Expert]:
    """Import experts from parsed file rows: all of them, or none with every bad row reported (the rules in
    force)."""
    _require_admin(actor)
    existing = set(session.scalars(sa.select(Expert.id_number)))
    inputs = rules_of_experts.parse_rows(rows, specialties.load(), now, existing=existing,
                                         rules=rulebook.in_force(ctx, session))
    made = []
    for data in inputs:
        expert = Expert(created_at=now, status="active")
        _apply(session, expert, data, "")
        session.add(expert)
        made.append(expert)
    session.flush()
    audit.record(session, actor, now, "expert.import", object_type="expert", object_id=None,
                 rule="experts.eligibility", payload={"count": len(made), "ids": [e.id for e in made]})
    return made


def set_status(session, actor, now: datetime, expert: Expert, status: str, *, reason: str,
               until: datetime | None = None) -> Expert:
    """Suspend (until a date), remove, or reinstate an expert, always with a reason."""
    _require_admin(actor)
    if status not in STATUSES:
        raise DomainError(N_("Unknown status %(status)s."), field="status", status=status)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(N_("Write the reason."), field="reason")
    if status == "suspended" and (until is None or until <= now):
        raise DomainError(N_("A suspension needs an end date in the future."), field="until")
    expert.status, expert.status_reason = status, reason
    expert.suspended_until = until if status == "suspended" else None
    session.flush()
    audit.record(session, actor, now, f"expert.{status}", object_type="expert", object_id=expert.id,
                 payload={"reason": reason, "until": until})
    return expert


def declare_relative(session, actor, now: datetime, expert: Expert, organisation_id: int, relation: str) -> None:
    """Record that a principal of an organisation is the expert's close relative (a recusal reason)."""
    _require_admin(actor)
    if session.get(Organisation, organisation_id) is None:
        raise DomainError(N_("Choose the organisation."), field="organisation_id")
    if any(r.organisation_id == organisation_id for r in expert.relatives):
        return
    expert.relatives.append(ExpertRelative(organisation_id=organisation_id, relation=(relation or "")[:100]))
    session.flush()
    audit.record(session, actor, now, "expert.relative", object_type="expert", object_id=expert.id,
                 rule="construction.expert_recusal", payload={"organisation_id": organisation_id})


TIE_RELATIONS = ("employee", "director", "controller")


def declare_tie(session, actor, now: datetime, expert: Expert, organisation_id: int, relation: str,
                ended_on: date | None) -> ExpertTie:
    """Record that the expert worked for, sat on the board of or controlled an organisation, until ``ended_on``
    (None: still): a recusal reason for its procurement for the years after (政府采购法实施条例 Art. 9)."""
    _require_admin(actor)
    if session.get(Organisation, organisation_id) is None:
        raise DomainError(N_("Choose the organisation."), field="organisation_id")
    if relation not in TIE_RELATIONS:
        raise DomainError(N_("Choose how the expert was tied to the organisation."), field="relation")
    if ended_on is not None and ended_on > calendar.local_date(now):
        raise DomainError(N_("The end of the tie cannot be in the future; leave it empty if the tie still holds."),
                          field="ended_on")
    row = ExpertTie(organisation_id=organisation_id, relation=relation, ended_on=ended_on)
    expert.ties.append(row)
    session.flush()
    audit.record(session, actor, now, "expert.tie", object_type="expert", object_id=expert.id,
                 rule="procurement.recusal_years",
                 payload={"organisation_id": organisation_id, "relation": relation,
                          "ended_on": ended_on.isoformat() if ended_on else None})
    return row


def record_penalty(session, actor, now: datetime, expert: Expert, decided_on: date | None, authority: str,
                   text: str) -> ExpertPenalty:
    """Record an administrative or criminal penalty the expert received for unlawful conduct in tendering or
    evaluation: it is never drawn again (评标委员会和评标方法暂行规定 Art. 12)."""
    _require_admin(actor)
    if decided_on is None or decided_on > calendar.local_date(now):
        raise DomainError(N_("Enter the date of the penalty decision (not in the future)."), field="decided_on")
    authority, text = (authority or "").strip(), (text or "").strip()
    if len(authority) < 2:
        raise DomainError(N_("Enter the authority that decided the penalty."), field="authority")
    if len(text) < 4:
        raise DomainError(N_("Describe the penalty and its decision number."), field="text")
    row = ExpertPenalty(decided_on=decided_on, authority=authority[:200], text=text[:2000], recorded_by_id=actor.id,
                        recorded_at=now)
    expert.penalties.append(row)
    session.flush()
    audit.record(session, actor, now, "expert.penalty", object_type="expert", object_id=expert.id,
                 rule="construction.expert_recusal",
                 payload={"decided_on": decided_on.isoformat(), "authority": row.authority})
    return row


def _ties_and_penalties(connection) -> tuple[dict[int, set], dict[int, date]]:
    """Every declared tie (expert -> {(organisation, ended_on)}) and each penalised expert's first penalty date:
    both are few, read in full."""
    ties: dict[int, set] = {}
    for expert_id, org_id, ended_on in connection.execute(sa.select(ExpertTie.expert_id, ExpertTie.organisation_id,
                                                                    ExpertTie.ended_on)):
        ties.setdefault(expert_id, set()).add((org_id, ended_on))
    penalised = dict(connection.execute(sa.select(ExpertPenalty.expert_id, sa.func.min(ExpertPenalty.decided_on))
                                        .group_by(ExpertPenalty.expert_id)).all())
    return ties, penalised


def _under(codes: list[str]):
    """Specialty codes equal to or under one of ``codes``, as index-friendly ranges (codes use A-Z and 0-9)."""
    return sa.or_(*[sa.and_(ExpertSpecialty.code >= code, ExpertSpecialty.code < code + "~") for code in codes])


def records(session, codes: list[str] | None = None) -> list[rules_of_experts.ExpertRecord]:
    """The pool in full: experts holding one of ``codes`` or a specialty under one of them (all experts when None),
    each with the matching specialties only. Plain rows, no ORM objects. A draw reads less (``for_draw``)."""
    query = (sa.select(Expert.id, Expert.name, Expert.region_code, Expert.employer_id, Expert.status,
                       Expert.suspended_until, Expert.last_drawn_at, ExpertSpecialty.code)
             .join(ExpertSpecialty, ExpertSpecialty.expert_id == Expert.id))
    if codes:
        query = query.where(_under(codes))
    session.flush()  # Core execution below does not autoflush: pending changes to experts must count
    rows = session.connection().execute(query).all()  # Core rows: the ORM's per-row loading costs a third more
    held: dict[int, list[str]] = {}
    for row in rows:
        held.setdefault(row[0], []).append(row[7])
    relatives: dict[int, set[int]] = {}
    declared = sa.select(ExpertRelative.expert_id, ExpertRelative.organisation_id)
    for expert_id, org_id in session.execute(declared):  # declarations are few: read them all
        if expert_id in held:
            relatives.setdefault(expert_id, set()).add(org_id)
    ties, penalised = _ties_and_penalties(session.connection())
    record, none = rules_of_experts.ExpertRecord, frozenset()
    pool = []
    for expert_id, name, region, employer_id, status, suspended_until, last_drawn_at, _ in rows:
        codes_held = held.pop(expert_id, None)
        if codes_held is not None:  # an expert's first row; the others only added a specialty
            pool.append(record(expert_id, name, frozenset(codes_held), region, employer_id, status, suspended_until,
                               last_drawn_at, frozenset(relatives[expert_id]) if expert_id in relatives else none,
                               frozenset(ties.get(expert_id, none)), penalised.get(expert_id)))
    return pool


def for_draw(session, codes: list[str], screen) -> tuple[list[rules_of_experts.ExpertRecord], dict[int, frozenset]]:
    """The pool for a draw over ``codes``, split by the recusal ``screen`` (``drawing.screen``): full records of the
    experts it keeps, and every other expert's id with its matching specialties (for ``drawing.recuse``'s
    ``cleared``). Only the kept experts' rows are read: over a large pool they are few, found through the indexes
    on status, employer, last draw and region, where reading every matching expert's row was most of a draw."""
    session.flush()  # Core execution below does not autoflush: pending changes to experts must count
    connection = session.connection()
    with gcpause.paused():
        held: dict[int, list[str]] = {}
        for expert_id, code in connection.execute(sa.select(ExpertSpecialty.expert_id, ExpertSpecialty.code)
                                                  .where(_under(codes))).all():
            held.setdefault(expert_id, []).append(code)
        relatives: dict[int, set[int]] = {}
        for expert_id, org_id in connection.execute(sa.select(ExpertRelative.expert_id,
                                                              ExpertRelative.organisation_id)):
            relatives.setdefault(expert_id, set()).add(org_id)  # declarations are few: read them all
        kin = [e for e, orgs in relatives.items() if e in held and not screen.organisations.isdisjoint(orgs)]
        ties, penalised = _ties_and_penalties(connection)
        kin += [e for e, held_ties in ties.items() if e in held
                and not screen.organisations.isdisjoint(org for org, _ in held_ties)]
        kin += [e for e in penalised if e in held]
        kin += [e for e in screen.barred if e in held]
        kept = [Expert.status < "active", Expert.status > "active",  # status <> 'active', as two index ranges
                Expert.last_drawn_at > screen.drawn_after]
        if screen.organisations:
            kept.append(Expert.employer_id.in_(sorted(screen.organisations)))
        if kin:
            kept.append(Expert.id.in_(sorted(set(kin))))
        if screen.regions is not None:
            kept.append(Expert.region_code.in_(sorted(screen.regions)))
        row = sa.select(Expert.id, Expert.name, Expert.region_code, Expert.employer_id, Expert.status,
                        Expert.suspended_until, Expert.last_drawn_at)
        query = sa.union(*[row.where(condition) for condition in kept])  # one index each, whatever the planner
        record, none, pool = rules_of_experts.ExpertRecord, frozenset(), []
        for expert_id, name, region, employer_id, status, suspended_until, last_drawn_at in \
                connection.execute(query).all():
            codes_held = held.pop(expert_id, None)
            if codes_held is not None:
                pool.append(record(expert_id, name, frozenset(codes_held), region, employer_id, status,
                                   suspended_until, last_drawn_at, frozenset(relatives.get(expert_id, none)),
                                   frozenset(ties.get(expert_id, none)), penalised.get(expert_id)))
        return pool, {expert_id: frozenset(codes_held) for expert_id, codes_held in held.items()}


def count_outcome(ctx, session, now: datetime, expert: Expert, outcome: str,
                  history: list[tuple[datetime, str]]) -> None:
    """Count a call's outcome on the expert's record; repeated refusals suspend per experts.refusals (in force)."""
    if outcome == "accepted":
        expert.accepted += 1
    elif outcome == "declined":
        expert.declines += 1
    elif outcome == "no_answer":
        expert.no_answers += 1
    policy = rules_of_experts.RefusalPolicy.from_rules(rulebook.in_force(ctx, session))
    until = rules_of_experts.refusal_suspension(history, now, policy)
    if until is not None and expert.status == "active":
        expert.status, expert.suspended_until = "suspended", until
        expert.status_reason = "多次拒绝或未接听抽取电话"
        audit.record(session, None, now, "expert.suspended", object_type="expert", object_id=expert.id,
                     rule="experts.refusals", payload={"until": until, "reason": expert.status_reason})


def lift_expired_suspensions(session, now: datetime) -> int:
    """Experts whose suspension has ended become active again (run by the chronograph; an expert another step holds
    locked is left to it)."""
    rows = session.scalars(sa.select(Expert).where(Expert.status == "suspended", Expert.suspended_until <= now)
                           .with_for_update(skip_locked=True)).all()
    for expert in rows:
        expert.status, expert.suspended_until = "active", None
        audit.record(session, None, now, "expert.active", object_type="expert", object_id=expert.id,
                     rule="experts.refusals", payload={"reason": "suspension ended"})
    return len(rows)


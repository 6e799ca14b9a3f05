"""What the lot page shows, by who is looking (party isolation: bidders' names only to the bidder itself)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from ...domain import (
    complaints as rule_of_complaints,
    filing,
    lifecycle,
    methods as rule_methods,
    pledges as rule_pledges,
    rules,
    schedule,
)
from ...extensions import db
from ...models import (
    Announcement,
    Bid,
    Cancellation,
    Clarification,
    Filing,
    MethodApproval,
    Objection,
    Organisation,
    User,
)
from ...platform import current_platform
from ...services import (
    bids,
    cancellation,
    certification,
    complaints,
    corrections,
    deposits,
    evaluation as room,
    keys,
    methods,
    objections,
    opening,
    pledges,
    projects,
    questions,
    registrations,
    result,
    rulebook,
    suspension,
    timeline,
    visibility,
)
from ...services.holder_changes import pending as pending_holder_changes
from ...services.lots import acts_for_tenderee, stage_name
from ..common import choices, now
from ..i18n import message_text
from ..labels import method_name, named, role_name
from . import labels
from .forms import (
    ActionForm,
    AnnounceForm,
    DecisionForm,
    DownloadForm,
    MethodForm,
    NegotiationForm,
    ReasonForm,
    SignUpForm,
    TextForm,
    UploadForm,
)

ROLE_ORDER = ("admin", "staff", "supervisor", "tenderee", "bidder", "expert")


def actor_names(steps: dict) -> dict[str, str]:
    """How the timeline names who acted: the organisation and the role (咸宁市住房和城乡建设局 · 招标人), an
    expert by name and role, the platform's own steps as the platform; never a login name."""
    logins = {step.who for stage in steps.values() for step in stage if step.who}
    names = {"system": str(labels.PLATFORM)}
    for user in db.session.scalars(sa.select(User).where(User.username.in_(logins - {"system"}))):
        role = next((r for r in ROLE_ORDER if r in user.roles), None)
        if role == "expert":
            names[user.username] = f"{user.display_name} · {role_name(role)}"
        else:
            names[user.username] = f"{user.organisation.name} · {role_name(role)}"
    return names


def _role_for_actions(lot) -> list[str]:
    """The lifecycle roles this user plays for the lot."""
    roles = []
    if acts_for_tenderee(current_user, lot.project):
        roles.append("tenderee")
    for role in ("staff", "supervisor", "bidder"):
        if current_user.has_role(role):
            roles.append(role)
    return roles


def lot_actions(lot, at) -> set[str]:
    """The lifecycle actions this user may take on the lot now (the lifecycle's table for each role the user
    plays), less those whose facts are not there yet: the evaluation starts, or the lot fails for too few bids,
    only once the bids are opened."""
    actions = set()
    for role in _role_for_actions(lot):
        actions.update(lifecycle.allowed_actions(lot.state, role, at, lot.deadlines(), lot.project.trade_type,
                                                 method=lot.method))
    if lot.state == "opening" and not opening.is_opened(db.session, lot):
        actions -= {"start_evaluation", "fail"}
    return actions


def my_low_price_cases(lot) -> int:
    """How many of this bidder's prices the committee found abnormally low (each asks for an explanation)."""
    found = room.evaluation_of(db.session, lot) if current_user.has_role("bidder") else None
    if found is None:
        return 0
    return sum(1 for case in room.low_price_cases(db.session, found)
               if db.session.get(Bid, case.bid_id).bidder_id == current_user.organisation_id)


def method_form(lot) -> MethodForm:
    """The method request form with the lot's methods and the bidder companies it may name."""
    form = MethodForm()
    allowed = rules.METHODS_BY_TRADE_TYPE[lot.project.trade_type]
    form.method.choices = choices((m, method_name(m)) for m in allowed)
    companies = db.session.scalars(sa.select(Organisation).where(Organisation.org_type == "bidder", Organisation.active)
                                   .order_by(Organisation.name))
    form.invitees.choices = choices((org.id, f"{org.name}（{org.credit_code}）") for org in companies)
    return form


def lot_context(lot) -> dict:
    """Everything lots/lot.html renders."""
    at = now()
    project = lot.project
    party = acts_for_tenderee(current_user, project)
    may_question = project.trade_type == "procurement" and questions.is_supplier(db.session, current_user, lot)
    internal = current_user.has_role("staff", "supervisor", "admin")
    actions = lot_actions(lot, at)
    upload = UploadForm()
    upload.kind.choices = choices((k.code, named(k)) for k in filing.kinds(project.trade_type))
    request_form = method_form(lot) if "request_method" in actions else MethodForm()
    same_round = {"lot_id": lot.id, "round": lot.round}
    approvals = db.session.scalars(sa.select(MethodApproval).filter_by(**same_round).order_by(MethodApproval.id)).all()
    announcement = db.session.scalar(sa.select(Announcement).filter_by(**same_round))
    my_registration = None
    if current_user.has_role("bidder"):
        my_registration = registrations.registration_of(db.session, lot, current_user.organisation_id)
    all_objections = db.session.scalars(sa.select(Objection).filter_by(**same_round).order_by(Objection.id)).all()
    if not (party or internal):
        all_objections = [o for o in all_objections if o.bidder_id == current_user.organisation_id]
    bidders_visible = visibility.sees(db.session, current_user, lot, visibility.Fact.BIDDERS, at)
    my_deposit = deposit_note = None
    if my_registration is not None:
        my_deposit = deposits.deposit_of(db.session, lot, current_user.organisation_id)
        if my_deposit is not None:
            deposit_note = message_text(*deposits.explain(my_deposit))
    steps = timeline.build(db.session, lot, at, viewer=current_user)
    return {
        "lot": lot, "project": project, "trade_type": rules.TRADE_TYPES[project.trade_type],
        "states": lifecycle.STATES, "lifecycle": lifecycle, "stages": lifecycle.STAGES, "stage_name": stage_name(lot),
        "current_stage": lifecycle.stage_of(lot.state, lot.previous_state),
        "methods": rules.METHODS, "categories": rules.PROCUREMENT_CATEGORIES,
        "evaluation_methods": projects.EVALUATION_METHODS, "party": party, "internal": internal,
        "actions": actions, "now": at,
        "steps": steps,
        "actors": actor_names(steps),
        "document_kinds": filing.kinds(project.trade_type),
        "missing_documents": filing.missing(project.trade_type,
                                            {a.kind for a in projects.attachments(db.session, lot)}),
        "attachments": projects.attachments(db.session, lot) if (party or internal) else [],
        "filings": db.session.scalars(sa.select(Filing).filter_by(**same_round).order_by(Filing.id)).all(),
        "certificate": certification.certificate_of(db.session, lot),
        "approvals": approvals,
        "cancellations": db.session.scalars(sa.select(Cancellation).filter_by(lot_id=lot.id)
                                            .order_by(Cancellation.id)).all(),
        "pending_cancellation": cancellation.pending_cancellation(db.session, lot),
        "announcement": announcement,
        "clarifications": db.session.scalars(sa.select(Clarification).filter_by(**same_round)
                                             .order_by(Clarification.number)).all(),
        "objections": all_objections, "paused": objections.is_paused(db.session, lot),
        "objection_open": lot.objection_cutoff is not None and lot.state == "announced"
        and schedule.objection_open(objections.lot_schedule(lot), at),
        "bidders_visible": bidders_visible,
        "registration_count": registrations.count(db.session, lot) if bidders_visible else None,
        "my_registration": my_registration, "my_deposit": my_deposit, "deposit_note": deposit_note,
        "deposits_paid": deposits.count_paid(db.session, lot) if bidders_visible else None,
        "opening_key": keys.opening_key_of(db.session, lot),
        "bid_count": bids.count(db.session, lot) if bidders_visible else None,
        "share_roles": labels.SHARE_ROLES, "key_holders": keys.published_holders(db.session, lot),
        "holder_changes": pending_holder_changes(db.session, lot),
        "sign_up_open": lifecycle.open_for_sign_up(lot.state, at, lot.deadlines())
        and methods.may_take_part(db.session, lot, current_user.organisation_id),
        "opened": opening.is_opened(db.session, lot) if lot.state == "opening" else None,
        "low_price_cases": my_low_price_cases(lot),
        "suspension": suspension.suspended_at(db.session, lot),
        "complaints": complaints.visible(db.session, current_user, lot),
        "corrections": corrections.visible(db.session, current_user, lot),
        "complaint_matters": labels.COMPLAINT_MATTERS, "complaint_statuses": labels.COMPLAINT_STATUSES,
        "complaint_outcomes": labels.COMPLAINT_OUTCOMES, "correction_statuses": labels.CORRECTION_STATUSES,
        "complaint_days": rulebook.of_lot(current_platform(), db.session, lot).value(
            rule_of_complaints.rule_id(project.trade_type, "window"))
        if project.trade_type in rule_of_complaints.RULE_IDS else None,
        "complaint_rule": rule_of_complaints.RULE_IDS.get(project.trade_type, {}).get("window"),
        "may_complain": (lot.project.trade_type == "construction" and current_user.is_authenticated
                         and current_user.has_role("bidder", "tenderee")
                         or may_question) and lifecycle.published(lot.state, lot.previous_state),
        "questions": questions.visible(db.session, current_user, lot) if project.trade_type == "procurement" else [],
        "may_question": may_question and lifecycle.published(lot.state, lot.previous_state),
        "may_answer_questions": project.trade_type == "procurement" and acts_for_tenderee(current_user, project),
        "question_matters": labels.QUESTION_MATTERS,
        "question_days": rulebook.of_lot(current_platform(), db.session, lot).value("procurement.question_window")
        if project.trade_type == "procurement" else None,
        # where the lot page's links lead, only for those the target page admits
        "may_follow_opening": opening.may_follow(db.session, current_user, lot),
        "may_see_evaluation": party or current_user.has_role("staff", "supervisor"),
        "may_read_result": result.may_read_notices(db.session, current_user, lot),
        "invitees": methods.invitees(db.session, lot), "invitation_rule": rule_methods.invitation_rule(
            project.trade_type, lot.method),
        "negotiation": result.negotiation_of(db.session, lot),
        "negotiation_form": NegotiationForm() if lot.method == rule_methods.SINGLE_SOURCE else None,
        "organisations": {org.id: org for org in db.session.scalars(sa.select(Organisation).where(
            Organisation.id.in_({i for a in approvals for i in a.invitees})))},
        "action_labels": labels.ACTIONS, "deadline_labels": labels.DEADLINES,
        "forms": {"action": ActionForm(), "upload": upload, "reason": ReasonForm(), "method": request_form,
                  "decision": DecisionForm(), "text": TextForm(), "download": DownloadForm(),
                  "announce": AnnounceForm(), "sign_up": SignUpForm()},
        **pledge_context(lot, my_registration, at),
    }


def pledge_language() -> str:
    """The pledge's language on this page: the centre's Chinese text, or its English translation for the English
    interface."""
    from flask_babel import get_locale

    return "zh" if str(get_locale() or "zh").startswith("zh") else "en"


def pledge_context(lot, my_registration, at) -> dict:
    """The integrity pledge on the lot page: the text to accept before signing up (for a bidder), the bidder's own
    signed pledge, and whether staff or the supervisor may read every bidder's now."""
    found = {"pledge_text": None, "pledge_sha256": None, "pledge_language": pledge_language(), "my_pledge": None,
             "pledges_readable": pledges.may_read_all(db.session, current_user, lot, at)}
    if current_user.has_role("bidder") and current_user.organisation is not None:
        if my_registration is not None:
            found["my_pledge"] = pledges.of_registration(db.session, my_registration.id)
        elif lifecycle.open_for_sign_up(lot.state, at, lot.deadlines()):
            text = pledges.shown(db.session, lot, current_user.organisation, found["pledge_language"])
            found["pledge_text"], found["pledge_sha256"] = text, rule_pledges.digest(text)
    return found

"""What the lot page shows, by who is looking (party isolation: bidders' names only to the bidder itself)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from ...domain import filing, lifecycle, methods as rule_methods, rules, schedule
from ...extensions import db
from ...models import Announcement, Cancellation, Clarification, Filing, MethodApproval, Objection, Organisation
from ...services import (
    bids,
    cancellation,
    certification,
    deposits,
    keys,
    methods,
    objections,
    projects,
    registrations,
    result,
    timeline,
    visibility,
)
from ...services.holder_changes import pending as pending_holder_changes
from ...services.lots import acts_for_tenderee, stage_name
from ..common import choices, now
from ..i18n import message_text
from . import labels
from .forms import (
    ActionForm,
    AnnounceForm,
    DecisionForm,
    DownloadForm,
    MethodForm,
    NegotiationForm,
    ReasonForm,
    TextForm,
    UploadForm,
)


def _role_for_actions(lot) -> list[str]:
    """The lifecycle roles this user plays for the lot."""
    roles = []
    if acts_for_tenderee(current_user, lot.project):
        roles.append("tenderee")
    for role in ("staff", "supervisor", "bidder"):
        if current_user.has_role(role):
            roles.append(role)
    return roles


def method_form(lot) -> MethodForm:
    """The method request form with the lot's methods and the bidder companies it may name."""
    form = MethodForm()
    allowed = rules.METHODS_BY_TRADE_TYPE[lot.project.trade_type]
    form.method.choices = choices((m, rules.METHODS[m].name_zh) for m in allowed)
    companies = db.session.scalars(sa.select(Organisation).where(Organisation.org_type == "bidder", Organisation.active)
                                   .order_by(Organisation.name))
    form.invitees.choices = choices((org.id, f"{org.name}（{org.credit_code}）") for org in companies)
    return form


def lot_context(lot) -> dict:
    """Everything lots/lot.html renders."""
    at = now()
    project = lot.project
    party = acts_for_tenderee(current_user, project)
    internal = current_user.has_role("staff", "supervisor", "admin")
    actions = set()
    for role in _role_for_actions(lot):
        actions.update(lifecycle.allowed_actions(lot.state, role, at, lot.deadlines(), project.trade_type,
                                                 method=lot.method))
    upload = UploadForm()
    upload.kind.choices = choices((k.code, k.name_zh) for k in filing.kinds(project.trade_type))
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
    return {
        "lot": lot, "project": project, "trade_type": rules.TRADE_TYPES[project.trade_type],
        "states": lifecycle.STATES, "lifecycle": lifecycle, "stages": lifecycle.STAGES, "stage_name": stage_name(lot),
        "current_stage": lifecycle.stage_of(lot.state, lot.previous_state),
        "methods": rules.METHODS, "categories": rules.PROCUREMENT_CATEGORIES,
        "evaluation_methods": projects.EVALUATION_METHODS, "party": party, "internal": internal,
        "actions": actions, "now": at,
        "steps": timeline.build(db.session, lot, at, viewer=current_user),
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
        "sign_up_open": lot.state == "announced" and lot.bid_deadline is not None and at < lot.bid_deadline
        and methods.may_take_part(db.session, lot, current_user.organisation_id),
        "invitees": methods.invitees(db.session, lot), "invitation_rule": rule_methods.invitation_rule(
            project.trade_type, lot.method),
        "negotiation": result.negotiation_of(db.session, lot),
        "negotiation_form": NegotiationForm() if lot.method == rule_methods.SINGLE_SOURCE else None,
        "organisations": {org.id: org for org in db.session.scalars(sa.select(Organisation).where(
            Organisation.id.in_({i for a in approvals for i in a.invitees})))},
        "action_labels": labels.ACTIONS, "deadline_labels": labels.DEADLINES,
        "forms": {"action": ActionForm(), "upload": upload, "reason": ReasonForm(), "method": request_form,
                  "decision": DecisionForm(), "text": TextForm(), "download": DownloadForm(),
                  "announce": AnnounceForm()},
    }

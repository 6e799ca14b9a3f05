"""Views of the main blueprint."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_login import current_user
from markupsafe import Markup

from ...domain import audit as chain, lifecycle
from ...domain.accounts import ROLES
from ...domain.rules import RULES
from ...extensions import db
from ...models import AuditEntry, Organisation, User
from ...services import visibility
from ..common import ActionForm, is_safe_next, now
from ..i18n import message_text
from ..labels import cite, code_label
from ..nav import context as nav_context

bp = Blueprint("main", __name__)
bp.app_context_processor(nav_context)


@bp.app_template_filter("datetime")
def datetime_filter(value, pattern: str = "yyyy-MM-dd HH:mm") -> str:
    """Show an aware UTC time (or its ISO 8601 text, as JSON documents keep it) in Asia/Shanghai with a CLDR
    pattern."""
    if isinstance(value, str) and value:
        from datetime import datetime

        value = datetime.fromisoformat(value)
    return format_datetime(value, pattern) if value else ""

ROLE_ORDER = ["admin", "staff", "supervisor", "tenderee", "bidder", "expert"]


@bp.app_template_filter("reason")
def reason_filter(value) -> str:
    """A reason a service recorded: a message id with its parameters (``domain.audit.message``) in the page's
    language; anything else (an old row's formatted text, a reason a user typed) as stored."""
    if chain.is_message(value):
        return message_text(value["message_id"], value["params"])
    return "" if value is None else str(value)


@bp.app_template_filter("payload")
def payload_filter(payload: dict | None) -> Markup:
    """An audit payload as readable ``key: value`` pairs: each key is the stored record's field name (the chain
    hashes the record as stored), shown as code, and so is a structure; Chinese kept as is; a rule id as its law
    and article, and a state, method or document kind by its name, the code in the tooltip; a recorded message in
    the page's language."""
    if not payload:
        return Markup("")

    def shown(value):
        if isinstance(value, str) and value in RULES:
            return Markup('<span title="{}">{}</span>').format(value, cite(value))
        if chain.is_message(value):
            return reason_filter(value)
        if isinstance(value, str) and code_label(value) is not None:
            return Markup('<span title="{}">{}</span>').format(value, code_label(value))
        if isinstance(value, (dict, list)):  # a structure as stored
            return Markup('<code class="text-body">{}</code>').format(json.dumps(value, ensure_ascii=False))
        return value

    return Markup("; ").join(Markup('<code class="text-body">{}</code>: {}').format(key, shown(value))
                             for key, value in payload.items())


@bp.route("/")
def home():
    """The public landing page, or the logged-in user's work for each of their roles."""
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    facts = {}
    if current_user.has_role("admin"):
        facts["organisations"] = db.session.scalar(sa.select(sa.func.count(Organisation.id)))
        facts["users"] = db.session.scalar(sa.select(sa.func.count(User.id)))
    if current_user.has_role("admin", "supervisor"):
        facts["audit_entries"] = db.session.scalar(sa.select(sa.func.count(AuditEntry.seq)).where(
            visibility.audit_filter(db.session, current_user, now())))  # as many as the log shows: a bare total
        # would count the sign-ups
    roles = [role for role in ROLE_ORDER if current_user.has_role(role)]
    work = _work(roles)
    return render_template("main/home.html", roles=roles, role_names=ROLES, facts=facts, now=now(), work=work,
                           states=lifecycle.STATES)


def _work(roles: list[str]) -> dict:
    """What waits for the user in each role: lots by state, own projects, own sign-ups."""
    from ...models import Cancellation, Lot, MethodApproval, Project
    from ...services import registrations

    work: dict = {}
    if "staff" in roles:
        work["filed"] = db.session.scalars(sa.select(Lot).where(Lot.state == "filed").order_by(Lot.updated_at)).all()
    if "supervisor" in roles:
        work["approvals"] = db.session.scalar(sa.select(sa.func.count(MethodApproval.id))
                                              .where(MethodApproval.status == "pending"))
        work["cancellations"] = db.session.scalar(sa.select(sa.func.count(Cancellation.id))
                                                  .where(Cancellation.status == "pending"))
        work["live"] = db.session.scalar(sa.select(sa.func.count(Lot.id)).where(Lot.state.in_(lifecycle.LIVE)))
    if "tenderee" in roles:
        org = current_user.organisation_id
        work["projects"] = db.session.scalars(sa.select(Project).where(
            sa.or_(Project.tenderee_id == org, Project.agency_id == org)).order_by(Project.id.desc()).limit(10)).all()
    if "expert" in roles:
        from ...models import Draw, DrawCall, Expert

        ringing = sa.select(sa.func.count(DrawCall.id)).join(Draw).join(Expert, Expert.id == DrawCall.expert_id).where(
            DrawCall.outcome.is_(None), Expert.user_id == current_user.id)
        work["ringing"] = db.session.scalar(ringing)
        from ...models import CommitteeMember

        work["seats"] = db.session.scalars(sa.select(CommitteeMember).where(
            CommitteeMember.user_id == current_user.id, CommitteeMember.status != "removed")
            .order_by(CommitteeMember.id.desc())).all()
    if "bidder" in roles:
        work["signed_up"] = registrations.lots_signed_up(db.session, current_user.organisation_id).all()
        work["open"] = db.session.scalar(sa.select(sa.func.count(Lot.id)).where(Lot.state == "announced"))
    return work


@bp.route("/language", methods=["POST"])
def language():
    """Switch the interface language (zh_CN or en) and go back where the user was."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    code = request.form.get("lang", "")
    if code not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = code
    target = request.form.get("next", "")
    return redirect(target if is_safe_next(target) else url_for("main.home"))

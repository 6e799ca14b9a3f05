"""Views of the admin blueprint."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...clock import current_clock
from ...domain.accounts import ORG_TYPES, ROLES
from ...domain.errors import DomainError
from ...extensions import db
from ...models import Organisation, User
from ...platform import current_platform
from ...services import (
    accounts,
    chronograph,
    clock as clock_service,
    holders,
    outbox,
    rulebook,
    second_factor,
    visibility,
)
from .. import labels
from ..common import choices, form_error, now, roles_required
from ..edge import paginate
from ..i18n import error_text
from .forms import (
    AdvanceForm,
    AdvanceToForm,
    OrganisationForm,
    PasswordResetForm,
    RuleSettingForm,
    ToggleForm,
    UserForm,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")
LOCAL = ZoneInfo("Asia/Shanghai")
PAGE = 50


@bp.route("/")
@roles_required("admin")
def index():
    """The admin's overview."""
    return redirect(url_for("admin.organisations"))


@bp.route("/organisations", methods=["GET", "POST"])
@roles_required("admin")
def organisations():
    """List organisations and register a new one."""
    form = OrganisationForm()
    form.org_type.choices = choices((code, _(label)) for code, label in ORG_TYPES.items())
    if form.validate_on_submit():
        try:
            org = accounts.create_organisation(
                db.session, current_user, now(), name=form.name.data, org_type=form.org_type.data,
                credit_code=form.credit_code.data, region_code=form.region_code.data or None)
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("Organisation %(name)s registered.", name=org.name), "success")
            return redirect(url_for("admin.organisations"))
    rows = paginate(sa.select(Organisation).order_by(Organisation.id), per_page=PAGE)
    return render_template("admin/organisations.html", form=form, rows=rows, org_types=ORG_TYPES,
                           toggle=ToggleForm())


@bp.route("/organisations/<int:org_id>/active", methods=["POST"])
@roles_required("admin")
def organisation_active(org_id: int):
    """Deactivate or reactivate an organisation."""
    if not ToggleForm().validate_on_submit():
        abort(400)
    org = db.session.get(Organisation, org_id) or abort(404)
    accounts.set_organisation_active(db.session, current_user, now(), org, request.form.get("active") == "1")
    db.session.commit()
    return redirect(url_for("admin.organisations"))


@bp.route("/users", methods=["GET", "POST"])
@roles_required("admin")
def users():
    """List users and create a new one."""
    form = UserForm()
    form.organisation_id.choices = choices(
        (org.id, f"{org.name} ({_(ORG_TYPES[org.org_type])})")
        for org in db.session.scalars(sa.select(Organisation).where(Organisation.active).order_by(Organisation.name))
    )
    form.roles.choices = choices((code, _(label)) for code, label in ROLES.items())
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                db.session, current_user, now(), username=form.username.data,
                display_name=form.display_name.data, organisation_id=form.organisation_id.data,
                roles=form.roles.data, password=form.password.data)
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    rows = paginate(sa.select(User).order_by(User.id), per_page=PAGE)
    withheld = visibility.withheld_names(db.session, current_user, rows.items, now())
    return render_template("admin/users.html", form=form, rows=rows, role_names=ROLES, toggle=ToggleForm(),
                           now=now(), withheld=withheld)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required("admin")
def user_active(user_id: int):
    """Deactivate or reactivate a user."""
    if not ToggleForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id) or abort(404)
    key = holders.key_of(db.session, user.id)
    had_key = key is not None and key.status == "active"
    try:
        accounts.set_user_active(db.session, current_user, now(), user, request.form.get("active") == "1")
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        if had_key and key.status == "pending":
            flash(_("The account's key-holder key is back to pending: a supervisor must approve it again."), "info")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>")
@roles_required("admin")
def user_view(user_id: int):
    """One user: status, and the administrator's resets (password, second factor), each ending its sessions."""
    user = db.session.get(User, user_id) or abort(404)
    return render_template("admin/user.html", user=user, role_names=ROLES, password_form=PasswordResetForm(),
                           toggle=ToggleForm())


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles_required("admin")
def user_password(user_id: int):
    """Set a new password for a user who lost theirs; the user's sessions end."""
    user = db.session.get(User, user_id) or abort(404)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(db.session, current_user, now(), user, new=form.new.data)
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("The password of %(name)s has been reset; every session of the account has ended.",
                    name=user.username), "success")
            return redirect(url_for("admin.user_view", user_id=user.id))
    return render_template("admin/user.html", user=user, role_names=ROLES, password_form=form,
                           toggle=ToggleForm()), 422


@bp.route("/users/<int:user_id>/second-factor", methods=["POST"])
@roles_required("admin")
def user_second_factor(user_id: int):
    """Turn off a user's second factor (phone and recovery codes lost); the user's sessions end."""
    if not ToggleForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id) or abort(404)
    try:
        second_factor.reset(db.session, current_user, now(), user)
    except DomainError as error:
        db.session.rollback()
        flash(error_text(error), "danger")
    else:
        db.session.commit()
        flash(_("The second factor of %(name)s is off and every session of the account has ended; the user can "
                "set it up again.", name=user.username), "success")
    return redirect(url_for("admin.user_view", user_id=user.id))


@bp.route("/clock", methods=["GET", "POST"])
@roles_required("admin")
def clock():
    """Show the platform time; in simulated mode, advance it by an amount or to a time."""
    simulated = current_clock().simulated
    by_form, to_form = AdvanceForm(prefix="by"), AdvanceToForm(prefix="to")
    if request.method == "POST":
        if not simulated:
            flash(_("The clock is real (TRADING_CLOCK=real) and cannot be moved."), "danger")
            return redirect(url_for("admin.clock"))
        target = None
        if by_form.submit.data and by_form.validate():
            target = {"by": timedelta(days=by_form.days.data or 0, hours=by_form.hours.data or 0)}
            form = by_form
        elif to_form.submit.data and to_form.validate():
            target = {"to": to_form.to.data.replace(tzinfo=LOCAL)}
            form = to_form
        if target is not None:
            try:
                new_now = clock_service.advance(db.session, current_user, now(), **target)
            except DomainError as error:
                db.session.rollback()
                form_error(form, error)
            else:
                chronograph.run(current_platform(), db.session, new_now)
                db.session.commit()
                flash(_("The clock now shows %(time)s.", time=new_now.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")),
                      "success")
                return redirect(url_for("admin.clock"))
    return render_template("admin/clock.html", simulated=simulated, now=now(), by_form=by_form, to_form=to_form)



@bp.route("/rules", methods=["GET", "POST"])
@roles_required("admin")
def rules_page():
    """The rules in force with their sources; the administrator makes one stricter, with a reason, for lots
    announced from now on."""
    from ...domain import rules

    ctx = current_platform()
    form = RuleSettingForm()
    movable = [r for r in rules.RULES.values() if r.value is not None and r.stricter is not None]
    form.rule_id.choices = choices((r.id, f"{labels.cite(r.id)} · {labels.rule_title(r.id)}") for r in movable)
    status = 200
    if form.validate_on_submit():
        try:
            rulebook.set_rule(ctx, db.session, current_user, now(), form.rule_id.data, form.value.data,
                              form.reason.data)
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
            status = 422
        else:
            db.session.commit()
            flash(_("Rule %(rule)s set: lots announced from now on are judged by it.", rule=form.rule_id.data),
                  "success")
            return redirect(url_for("admin.rules_page"))
    confidence = {"T": _("statutory text"), "S": _("secondary summary"), "R": _("recalled, to verify"),
                  "P": _("platform policy")}
    return render_template("admin/rules.html", form=form, rows=rulebook.in_force(ctx, db.session).describe(),
                           history=rulebook.history(db.session), confidence=confidence), status


@bp.route("/outbox")
@roles_required("admin")
def outbox_page():
    """The outbox (发件箱): every SMS and e-mail the platform queued (today: a public report's reporter told of its new
    status), newest first, with when it was queued and sent and the gateway's answer; each address masked."""
    status = request.args.get("status", "")
    status = status if status in outbox.STATUSES else ""
    try:
        query = outbox.listing(current_user, status or None)
        counts = outbox.counts(db.session, current_user)
    except DomainError:
        abort(403)
    rows = paginate(query, per_page=PAGE)
    return render_template("admin/outbox.html", rows=rows, status=status, counts=counts, masked=outbox.masked,
                           channels=labels.MESSAGE_CHANNELS, statuses=labels.OUTBOX_STATUSES,
                           gateways=labels.MESSAGE_GATEWAYS,
                           max_attempts=outbox.MAX_ATTEMPTS)

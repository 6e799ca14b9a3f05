"""Views of the auth blueprint."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ...domain.errors import DomainError
from ...extensions import db, login_manager
from ...models import User
from ...services import accounts
from ..common import client_address, form_error, is_safe_next, now
from ..throttle import login_throttled
from .forms import LoginForm, PasswordForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


@login_manager.user_loader
def load_user(alternative_id: str):
    """Flask-Login: the user a session or remember-me cookie names (``id:session_version``, ``User.get_id``).
    A cookie from before a logout, a password change or a reset names an old version and logs nobody in; a
    deactivated user is logged out at once."""
    user_id, _, version = (alternative_id or "").partition(":")
    if not (user_id.isdigit() and version.isdigit()) or len(user_id) > 18 or len(version) > 18:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


login_manager.login_view = "auth.login"
login_manager.login_message = None


def _login_failed(response) -> bool:
    """A login attempt failed unless it was sent on (to ``next``, or to the second step)."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@login_throttled(_login_failed)
def login():
    """Log in; on success go to a safe ``next`` or the home page."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(db.session, now(), username=form.username.data,
                                         password=form.password.data, address=client_address())
        except DomainError as error:
            db.session.commit()  # keep the failure's audit entry
            form_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            target = form.next.data
            return redirect(target if is_safe_next(target) else url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out of every session of the user (a POST with the CSRF token, so no page can log a user out)."""
    accounts.log_out(db.session, current_user, now(), address=client_address())
    db.session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(db.session, current_user, now(), current=form.current.data,
                                     new=form.new.data)
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # this session stays; every other one has ended
            flash(_("Your password has been changed; you are logged out everywhere else."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)

"""Views of the auth blueprint."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ...domain.errors import DomainError
from ...extensions import db, login_manager
from ...models import User
from ...services import accounts, audit
from ..common import client_address, form_error, is_safe_next, now
from .forms import LoginForm, PasswordForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


@login_manager.user_loader
def load_user(user_id: str):
    """Flask-Login: the logged-in user by id; a deactivated user is logged out at once."""
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.is_active else None


login_manager.login_view = "auth.login"
login_manager.login_message = None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in; on success go to a safe ``next`` or the home page."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        cfg = current_app.config
        try:
            user = accounts.authenticate(
                db.session, now(), username=form.username.data, password=form.password.data,
                max_failures=cfg["LOGIN_MAX_FAILURES"], lock_minutes=cfg["LOGIN_LOCK_MINUTES"],
                address=client_address(),
            )
        except DomainError as error:
            db.session.commit()  # keep the failure count and its audit entry
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
    """Log out (a POST with the CSRF token, so no page can log a user out)."""
    audit.record(db.session, current_user, now(), "auth.logout", object_type="user", object_id=current_user.id,
                 payload={"address": client_address()})
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
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)

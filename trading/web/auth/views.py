"""Views of the auth blueprint."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ...domain.errors import DomainError
from ...extensions import db
from ...services import accounts
from ..common import client_address, form_error, is_safe_next, now
from ..throttle import attempt_failed, login_throttled
from .blueprint import bp
from .forms import LoginForm, PasswordForm
from .second_factor import code_step


@bp.route("/login", methods=["GET", "POST"])
@login_throttled
def login():
    """Log in; on success go to a safe ``next`` or the home page, or first to the code step if the user has the
    second factor on (the session is not logged in until the code is right)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(db.session, now(), username=form.username.data,
                                         password=form.password.data, address=client_address())
        except DomainError as error:
            db.session.commit()  # keep the failure's audit entry
            attempt_failed()
            form_error(form, error)
        else:
            db.session.commit()
            target = form.next.data if is_safe_next(form.next.data) else None
            if user.second_factor_on:
                return code_step(user, target)
            login_user(user)
            return redirect(target or url_for("main.home"))
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

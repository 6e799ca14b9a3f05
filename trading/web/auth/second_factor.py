"""The account page and the second factor (TOTP): set-up with a QR code, the login's code step, turning it off,
and the centre's rule that some roles must have it (``REQUIRE_TOTP_FOR``)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import segno
import sqlalchemy as sa
from flask import current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from markupsafe import Markup

from ...domain import second_factor as totp
from ...domain.errors import DomainError
from ...extensions import db
from ...models import RecoveryCode
from ...platform import current_platform
from ...services import second_factor
from ..common import ActionForm, client_address, form_error, now
from ..throttle import attempt_failed, code_throttled
from .blueprint import bp, load_user
from .forms import CodeForm, DisableForm, EnableForm

PENDING = "second_factor_login"  # the session key of a login waiting for its code
CODE_STEP_SECONDS = 300  # how long the code step waits after the password
# Pages a user whose role requires the second factor can still reach before turning it on.
OPEN_ENDPOINTS = {"auth.account", "auth.second_factor_begin", "auth.second_factor_setup", "auth.logout",
                  "auth.password", "auth.login", "main.language", "static", "bootstrap.static"}


def _real_now() -> datetime:
    """The real time, which authenticator apps keep (the platform clock may be simulated for training)."""
    return datetime.now(UTC)


# --- the login's code step ------------------------------------------------------------------------------------

def code_step(user, target: str | None):
    """After a right password: remember who is half logged in (not logged in) and ask for the code."""
    session[PENDING] = {"user": user.get_id(), "since": int(time.time()), "next": target}
    return redirect(url_for("auth.login_code"))


def _pending() -> dict | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("since", 0) > CODE_STEP_SECONDS:
        return None
    return pending


def _pending_user_id() -> str:
    pending = _pending()
    return str(pending["user"]).partition(":")[0] if pending else "-"


@bp.route("/login/code", methods=["GET", "POST"])
@code_throttled(_pending_user_id)
def login_code():
    """The second step of a login: the code from the app (or a recovery code); only then is the session logged
    in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    pending = _pending()
    user = load_user(pending["user"]) if pending else None
    if user is None or not user.second_factor_on:
        session.pop(PENDING, None)
        flash(_("Log in again: the code step waits %(minutes)s minutes after the password.",
                minutes=CODE_STEP_SECONDS // 60), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            kind = second_factor.complete_login(current_platform(), db.session, user, now(), code=form.code.data,
                                                at=_real_now(), address=client_address())
        except DomainError as error:
            db.session.commit()  # keep the failure's audit entry
            attempt_failed()
            form_error(form, error)
        else:
            db.session.commit()
            session.pop(PENDING, None)
            login_user(user)
            if kind == "recovery":
                left = _recovery_codes_left(user)
                flash(_("You logged in with a recovery code; %(left)s are left. If your phone is lost, turn the "
                        "second factor off and on again on your account page.", left=left), "warning")
            return redirect(pending.get("next") or url_for("main.home"))
    return render_template("auth/login_code.html", form=form)


# --- the account page -----------------------------------------------------------------------------------------

def _recovery_codes_left(user) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def account_page(disable_form=None, status: int = 200, *, token_form=None):
    """The account page, with a form that failed (and its status) where there is one."""
    from .api_tokens import token_section

    user = current_user
    tokens = token_section()
    if token_form is not None:
        tokens["token_form"] = token_form
    return render_template(
        "auth/account.html", may_use=second_factor.may_use(user), begin_form=ActionForm(),
        disable_form=disable_form or DisableForm(), left=_recovery_codes_left(user) if user.second_factor_on else 0,
        setting_up=user.totp_secret is not None and not user.second_factor_on,
        required=user.has_role(*current_app.config["REQUIRE_TOTP_FOR"]), **tokens), status


@bp.route("/account")
@login_required
def account():
    """One's own account: password, the second factor and (for bidders) API tokens."""
    return account_page()


@bp.route("/account/second-factor/begin", methods=["POST"])
@login_required
def second_factor_begin():
    """Start the set-up: a fresh secret, shown on the next page until a code confirms it."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for("auth.account"))
    second_factor.begin(current_platform(), db.session, current_user, now())  # Forbidden -> the 403 page
    db.session.commit()
    return redirect(url_for("auth.second_factor_setup"))


def _qr_svg(uri: str) -> Markup:
    """The QR code of ``uri`` as inline SVG (drawn here: no image service, no script)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, light="#fff", title=_("QR code for your authenticator app"))
    return Markup(svg)  # segno's own markup of our own URI


@bp.route("/account/second-factor", methods=["GET", "POST"])
@login_required
@code_throttled(lambda: current_user.get_id().partition(":")[0] if current_user.is_authenticated else "-")
def second_factor_setup():
    """Show the secret and its QR code; a code from the app turns the second factor on and shows the recovery
    codes, this once."""
    secret = second_factor.pending_secret(current_platform(), current_user)
    if secret is None:
        return redirect(url_for("auth.account"))
    form = EnableForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.enable(current_platform(), db.session, current_user, now(), code=form.code.data,
                                         at=_real_now())
        except DomainError as error:
            db.session.commit()  # a step tried stays used
            attempt_failed()
            form_error(form, error)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # this session stays; every other one has ended
            response = make_response(render_template("auth/recovery_codes.html", codes=codes))
            response.headers["Cache-Control"] = "no-store"
            return response
    uri = totp.provisioning_uri(secret, current_user.username, current_app.config["TOTP_ISSUER"])
    response = make_response(render_template("auth/second_factor.html", form=form, secret=totp.grouped(secret),
                                             qr=_qr_svg(uri)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/second-factor/off", methods=["POST"])
@login_required
@code_throttled(lambda: current_user.get_id().partition(":")[0] if current_user.is_authenticated else "-")
def second_factor_off():
    """Turn the second factor off with a current code (or a recovery code)."""
    form = DisableForm()
    if not form.validate_on_submit():
        return account_page(form, 422)
    try:
        second_factor.disable(current_platform(), db.session, current_user, now(), code=form.code.data, at=_real_now())
    except DomainError as error:
        db.session.commit()
        attempt_failed()
        form_error(form, error)
        return account_page(form, 422)
    db.session.commit()
    flash(_("The second factor is off: the password alone logs you in."), "info")
    return redirect(url_for("auth.account"))


@bp.before_app_request
def second_factor_required():
    """Where the centre requires the second factor for a role (REQUIRE_TOTP_FOR), its users go to their account
    page until they have turned it on."""
    roles = current_app.config["REQUIRE_TOTP_FOR"]
    if not roles or request.endpoint in OPEN_ENDPOINTS or not current_user.is_authenticated:
        return None
    if current_user.has_role(*roles) and not current_user.second_factor_on:
        flash(_("The centre requires a second factor for your role: turn it on to go on."), "warning")
        return redirect(url_for("auth.account"))
    return None

"""API tokens on the account page: issue (shown once), list the organisation's, revoke (services/api_tokens.py)."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...domain import api_tokens as tokens
from ...domain.errors import DomainError
from ...extensions import db
from ...services import api_tokens
from ..common import ActionForm, form_error, now, perform
from .blueprint import bp
from .forms import ApiTokenForm


def token_form() -> ApiTokenForm:
    """The issue form with the scopes the user's roles allow and the lifetimes offered."""
    form = ApiTokenForm()
    form.scopes.choices = [(scope, _(tokens.SCOPES[scope]))
                           for scope in tokens.scopes_for(current_user.roles)]
    form.days.choices = [(days, _("%(days)s days", days=days)) for days in tokens.LIFETIME_DAYS]
    if not form.is_submitted():  # the defaults: every scope the role allows, 90 days
        form.scopes.data = [scope for scope, _label in form.scopes.choices]
        form.days.data = 90
    return form


def token_section() -> dict:
    """What the account page shows about API tokens (nothing for a role that does not use them)."""
    if not api_tokens.may_hold(current_user):
        return {"tokens_allowed": False}
    return {"tokens_allowed": True, "token_form": token_form(), "revoke_form": ActionForm(),
            "scope_names": tokens.SCOPES, "tokens": api_tokens.live(db.session, current_user.organisation_id, now())}


@bp.route("/account/api-tokens", methods=["POST"])
@login_required
def api_token_issue():
    """Issue a token and show it this once."""
    if not api_tokens.may_hold(current_user):
        abort(403)
    form = token_form()
    if form.validate_on_submit():
        try:
            row, secret = api_tokens.issue(db.session, current_user, now(), name=form.name.data,
                                           scopes=form.scopes.data, days=form.days.data)
        except DomainError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            response = make_response(render_template("auth/api_token_issued.html", row=row, secret=secret))
            response.headers["Cache-Control"] = "no-store"
            return response
    from .second_factor import account_page

    return account_page(token_form=form, status=422)


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def api_token_revoke(token_id: int):
    """Revoke one of the organisation's tokens."""
    if ActionForm().validate_on_submit():
        perform(api_tokens.revoke, token_id, ok=_("The token is revoked: programs using it are refused from now on."))
    else:
        flash(_("The form expired; try again."), "warning")
    return redirect(url_for("auth.account"))

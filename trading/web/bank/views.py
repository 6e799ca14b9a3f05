"""Views of the simulated online bank."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from ...bank import service as bank
from ...extensions import db
from ...services import deposits
from ..common import perform
from ..fields import DecimalField, Form

bp = Blueprint("bank", __name__, url_prefix="/bank")


class PayForm(Form):
    """A transfer from the organisation's own account."""

    target = StringField(_l("Pay to account number"), validators=[DataRequired(), Length(max=40)])
    amount = DecimalField(_l("Amount (yuan)"), validators=[DataRequired(), Length(max=30)])
    memo = StringField(_l("Note"), validators=[Optional(), Length(max=100)])
    submit = SubmitField(_l("Pay"))


@bp.route("/", methods=["GET", "POST"])
@login_required
def account():
    """The organisation's account: balance, statement, and a payment form (pre-filled from a deposit link)."""
    own = bank.own_account(db.session, current_user.organisation)
    form = PayForm(target=request.args.get("to", ""), amount=request.args.get("amount", ""))
    if own is not None and form.validate_on_submit():
        _done, ok = perform(deposits.pay, target_number=form.target.data, amount=form.amount.data,
                            memo=form.memo.data or "", form=form, ok=_("Payment sent."))
        if ok:
            return redirect(url_for("bank.account"))
    rows = bank.statement_lines(db.session, own) if own else []
    return render_template("bank/account.html", account=own, form=form, rows=rows)

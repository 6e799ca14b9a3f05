"""Forms of the auth blueprint."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..fields import Form


class LoginForm(Form):
    """Login name and password."""

    username = StringField(_l("Login name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class PasswordForm(Form):
    """Change one's own password."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new", message=_l("The two entries differ."))])
    submit = SubmitField(_l("Change password"))


class CodeForm(Form):
    """A second-factor code: the app's six digits, or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("The 6 digits your authenticator app shows now, or one of your recovery codes."),
                       render_kw={"autocomplete": "one-time-code", "autofocus": True})
    submit = SubmitField(_l("Confirm"))


class EnableForm(Form):
    """Confirm the set-up of the second factor with the app's current code."""

    code = StringField(_l("Code from the app"), validators=[DataRequired(), Length(max=40)],
                       description=_l("The 6 digits the app shows for this account now."),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    submit = SubmitField(_l("Turn on the second factor"))


class DisableForm(Form):
    """Turn the second factor off, with a current code."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("The 6 digits your authenticator app shows now, or one of your recovery codes."),
                       render_kw={"autocomplete": "one-time-code"})
    submit = SubmitField(_l("Turn off the second factor"))


class ApiTokenForm(Form):
    """Issue an API token: a name, its scopes and how long it lasts (the view fills the choices)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)],
                       description=_l("What will use it, e.g. the bidder tool on the bid office's computer."))
    scopes = SelectMultipleField(_l("Scopes"), validators=[DataRequired()], widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput())
    days = SelectField(_l("Valid for"), coerce=int)
    submit = SubmitField(_l("Issue the token"))

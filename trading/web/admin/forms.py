"""Forms of the admin blueprint."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    widgets,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional

from ..fields import DateTimeLocalField, Form, IntegerField


class OrganisationForm(Form):
    """Register an organisation."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    org_type = SelectField(_l("Type"), validators=[DataRequired()])
    credit_code = StringField(_l("Unified social credit code"), validators=[DataRequired(), Length(max=40)],
                              description=_l("18 characters, GB 32100-2015; the last one is a check character."))
    region_code = StringField(_l("Region code"), validators=[Optional(), Length(min=6, max=6)],
                              description=_l("6-digit administrative division code, e.g. 421200 for Xianning."))
    submit = SubmitField(_l("Register organisation"))


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UserForm(Form):
    """Create a user."""

    username = StringField(_l("Login name"), validators=[DataRequired(), Length(min=3, max=64)])
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=100)])
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[InputRequired()])
    roles = MultiCheckboxField(_l("Roles"), validators=[DataRequired()])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=8, max=200)])
    submit = SubmitField(_l("Create user"))


class PasswordResetForm(Form):
    """The administrator sets a new password for a user."""

    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new", message=_l("The two entries differ."))])
    submit = SubmitField(_l("Reset the password"))


class ToggleForm(Form):
    """The tiny form behind an activate/deactivate button (CSRF only)."""


class RuleSettingForm(Form):
    """The administrator makes a rule stricter, with the reason."""

    rule_id = SelectField(_l("Rule"), validators=[DataRequired()])
    value = StringField(_l("New number"), validators=[DataRequired(), Length(max=40)],
                        description=_l("Only stricter than the law (and the centre's configuration): a longer "
                                       "period, a higher minimum, a lower cap or a shorter time limit."))
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(min=4, max=2000)])
    submit = SubmitField(_l("Set the rule"))


class AdvanceForm(Form):
    """Advance the simulated clock by an amount."""

    days = IntegerField(_l("Days"), default=0, validators=[Optional(), NumberRange(min=0, max=1096)])
    hours = IntegerField(_l("Hours"), default=0, validators=[Optional(), NumberRange(min=0, max=10000)])
    submit = SubmitField(_l("Advance"))


class AdvanceToForm(Form):
    """Advance the simulated clock to a given local time."""

    to = DateTimeLocalField(_l("Target time (Beijing time)"), format="%Y-%m-%dT%H:%M",
                            validators=[DataRequired()])
    submit = SubmitField(_l("Advance to this time"))

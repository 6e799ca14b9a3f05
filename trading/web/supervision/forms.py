"""Forms of the supervision blueprint."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..fields import DateField, Form


class AuditFilterForm(Form):
    """Filters of the audit log (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    action = StringField(_l("Action contains"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Actor (login name)"), validators=[Optional(), Length(max=120)])
    object_type = StringField(_l("Object type"), validators=[Optional(), Length(max=40)])
    object_id = StringField(_l("Object id"), validators=[Optional(), Length(max=64)])
    rule = StringField(_l("Rule id"), validators=[Optional(), Length(max=64)])
    since = DateField(_l("From (date)"), validators=[Optional()])
    until = DateField(_l("To (date, inclusive)"), validators=[Optional()])


SUBJECTS = {"organisation": _l("Organisation"), "expert": _l("Expert")}
WHO = _l("An organisation's full name or credit code; an expert's pool number or name.")


class CreditEventForm(Form):
    """A credit event against an organisation or an expert, with its evidence and decision."""

    subject_type = SelectField(_l("Against"), choices=[])
    subject = StringField(_l("Who"), validators=[DataRequired(), Length(max=60)], description=WHO)
    kind = SelectField(_l("Kind"), choices=[])
    evidence = TextAreaField(_l("Evidence"), validators=[DataRequired(), Length(min=4, max=4000)])
    decision = StringField(_l("Decision (its number)"), validators=[DataRequired(), Length(min=2, max=200)])
    submit = SubmitField(_l("Record the event"))


class BlacklistForm(Form):
    """A blacklist entry: who, why, on which decision, from when to when (Beijing dates)."""

    subject_type = SelectField(_l("Against"), choices=[])
    subject = StringField(_l("Who"), validators=[DataRequired(), Length(max=60)], description=WHO)
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(min=4, max=4000)])
    decision = StringField(_l("Decision (its number)"), validators=[DataRequired(), Length(min=2, max=200)])
    starts_on = DateField(_l("From"), validators=[DataRequired()])
    ends_on = DateField(_l("Until (exclusive)"), validators=[DataRequired()])
    submit = SubmitField(_l("Put on the blacklist"))

"""Forms of the experts blueprint."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..common import ActionForm  # noqa: F401 - the shared CSRF-only form, used by this blueprint
from ..fields import DateField, DateTimeLocalField, Form, IntegerField


class ExpertForm(Form):
    """Add or change an expert."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    id_number = StringField(_l("ID card number"), validators=[DataRequired(), Length(max=30)])
    mobile = StringField(_l("Mobile"), validators=[DataRequired(), Length(max=20)])
    specialties = StringField(_l("Specialty codes (separated by ;)"), validators=[DataRequired(), Length(max=200)])
    title = StringField(_l("Professional title"), validators=[DataRequired(), Length(max=50)])
    years = StringField(_l("Years of practice"), validators=[DataRequired(), Length(max=3)])
    region_code = StringField(_l("Region code"), validators=[DataRequired(), Length(max=6)])
    employer_credit_code = StringField(_l("Employer's credit code (if on the platform)"),
                                       validators=[Optional(), Length(max=30)])
    employer_name = StringField(_l("Employer"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Save"))


class StatusForm(Form):
    """Suspend, remove or reinstate."""

    status = SelectField(_l("Status"), choices=[SelectChoice("active", _l("Active")),
                                                SelectChoice("suspended", _l("Suspended until")),
                                                SelectChoice("removed", _l("Removed"))])
    until = DateTimeLocalField(_l("Until"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(min=2, max=200)])
    submit = SubmitField(_l("Change status"))


class TieForm(Form):
    """A past or present tie of the expert to an organisation (a recusal reason)."""

    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[DataRequired()])
    relation = SelectField(_l("Tie"), choices=[SelectChoice("employee", _l("Worked for it")),
                                               SelectChoice("director", _l("Director or supervisor")),
                                               SelectChoice("controller", _l("Controlled it"))])
    ended_on = DateField(_l("Ended on (empty: still holds)"), validators=[Optional()])
    submit = SubmitField(_l("Record the tie"))


class PenaltyForm(Form):
    """A penalty for unlawful conduct in tendering or evaluation (the expert is never drawn again)."""

    decided_on = DateField(_l("Decided on"), validators=[DataRequired()])
    authority = StringField(_l("Decided by"), validators=[DataRequired(), Length(max=200)])
    text = StringField(_l("Penalty and decision number"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Record the penalty"))


class ImportForm(Form):
    """A CSV or Excel file of experts."""

    file = FileField(_l("CSV or Excel (.xlsx) file"), validators=[FileRequired()])
    submit = SubmitField(_l("Import"))


class WantedForm(Form):
    """One specialty of a draw."""

    class Meta:
        csrf = False

    code = StringField(_l("Specialty code"), validators=[Optional(), Length(max=16)])
    count = IntegerField(_l("Experts"), validators=[Optional(), NumberRange(min=0, max=30)])
    backups = IntegerField(_l("Backups"), default=1, validators=[Optional(), NumberRange(min=0, max=10)])


class DrawForm(Form):
    """Create a draw for a lot."""

    wanted = FieldList(FormField(WantedForm), min_entries=4, max_entries=8)
    exclude_same_region = BooleanField(_l("Exclude experts of the tenderee's region"))
    evaluation_at = DateTimeLocalField(_l("Evaluation time (Beijing time)"), format="%Y-%m-%dT%H:%M",
                                       validators=[DataRequired()])
    place = StringField(_l("Evaluation place"), validators=[DataRequired(), Length(max=200)])
    gateway = SelectField(_l("Calls answered by"), choices=[
        SelectChoice("simulated", _l("the simulated phone network (seeded answers)")),
        SelectChoice("keypad", _l("a person on the keypad page"))])
    reason = TextAreaField(_l("Reason for drawing again (supervisor)"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Commit the draw"))



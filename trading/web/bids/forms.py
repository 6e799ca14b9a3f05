"""Forms of the bids blueprint."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import MultipleFileField, PasswordField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..common import ActionForm  # noqa: F401 - the shared CSRF-only form, used by this blueprint
from ..fields import DecimalField, Form


class CertificateForm(Form):
    """Ask for a new signing key and certificate."""

    password = PasswordField(_l("Password to protect the key file"), validators=[DataRequired(), Length(min=8)])
    submit = SubmitField(_l("Generate key and certificate"))


class UploadForm(Form):
    """Upload an envelope sealed with the bidder tool."""

    envelope = FileField(_l("Sealed envelope file"), validators=[FileRequired()])
    submit = SubmitField(_l("Upload the sealed bid"))


class SealForm(Form):
    """Seal on the server (in memory) for bidders without the tool."""

    price = DecimalField(_l("Bid price (yuan)"), validators=[DataRequired(), Length(max=30)])
    duration = StringField(_l("Duration"), validators=[Optional(), Length(max=100)])  # required but for a property
    # lot's sealed round (the view checks)
    manager = StringField(_l("Project manager (name)"), validators=[Optional(), Length(max=40)])
    manager_number = StringField(_l("Project manager's registration number"),
                                 validators=[Optional(), Length(max=40)])
    other = TextAreaField(
        _l("Other declared fields, one per line as field=value (for example: quality standard=pass)"),
        validators=[Optional(), Length(max=2000)])
    documents = MultipleFileField(_l("Bid documents"))
    key_file = FileField(_l("Your key file (.p8)"), validators=[FileRequired()])
    key_password = PasswordField(_l("Key file password"), validators=[DataRequired()])
    submit = SubmitField(_l("Seal and submit"))


class ReasonForm(Form):
    """Revoke a certificate."""

    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(min=2, max=200)])
    submit = SubmitField(_l("Revoke"))



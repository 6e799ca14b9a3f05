"""Forms of the supervision blueprint."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length, Optional

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

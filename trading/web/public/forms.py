"""Forms of the public blueprint: the public report (举报). The service checks every field and names it with the
rule (``domain.reports``); the form adds only the bounds every form of the web layer has, and CSRF."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField, TextAreaField

from ..fields import Form


class ReportForm(Form):
    """Report suspected wrongdoing about a lot or a party, without logging in."""

    category = SelectField(_l("What is it about"), choices=[], validate_choice=False)
    lot = StringField(_l("Lot (deal code or name, optional)"),
                      description=_l("e.g. the deal code on the announcement; leave empty if not about one lot."))
    party = StringField(_l("Organisation or person reported (optional)"))
    text = TextAreaField(_l("What happened"),
                         description=_l("Facts, who was involved, when and where, and how you know (20 to 4,000 "
                                        "characters)."))
    contact = StringField(_l("Your contact (optional)"),
                          description=_l("A mobile number or an e-mail address: you are told there when the report is "
                                         "accepted, declined or concluded (its number and status only, never what it "
                                         "says), and the supervisor may ask you more. Leave empty to stay "
                                         "anonymous."))
    submit = SubmitField(_l("Send the report"))


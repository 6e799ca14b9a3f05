"""Forms of the lots blueprint."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..common import ActionForm  # noqa: F401 - the shared CSRF-only form, used by this blueprint
from ..fields import DateField, DateTimeLocalField, DecimalField, Form, IntegerField


class ProjectForm(Form):
    """Register a project (立项)."""

    name = StringField(_l("Project name"), validators=[DataRequired(), Length(max=200)])
    trade_type = SelectField(_l("Trade type"), validators=[DataRequired()])
    tenderee_id = SelectField(_l("Tenderee (for an agency)"), coerce=int, validators=[Optional()])
    region_code = StringField(_l("Region code"), validators=[DataRequired(), Length(max=6)],
                              description=_l("6-digit administrative division code, e.g. 421200 for Xianning."))
    approval_number = StringField(_l("Approval document number"), validators=[DataRequired(), Length(max=100)],
                                  description=_l("e.g. 咸发改审批〔2026〕15号"))
    approving_body = StringField(_l("Approving body"), validators=[DataRequired(), Length(max=200)])
    approval_date = DateField(_l("Approval date"), validators=[DataRequired()])
    funding_source = StringField(_l("Funding source"), validators=[DataRequired(), Length(max=200)],
                                 description=_l("e.g. 财政资金, 企业自筹"))
    state_funded = BooleanField(_l("State-funded (国有资金占控股或主导地位)"))
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=50)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=30)])
    submit = SubmitField(_l("Register project"))


class CriterionForm(Form):
    """One evaluation criterion (a row of the lot form)."""

    class Meta:
        csrf = False

    name = StringField(_l("Criterion"), validators=[Optional(), Length(max=50)])
    weight = DecimalField(_l("Weight (%)"), validators=[Optional(), Length(max=10)])
    price = BooleanField(_l("Price criterion"))


class SpecialtyForm(Form):
    """One required expert specialty and count."""

    class Meta:
        csrf = False

    code = StringField(_l("Specialty code"), validators=[Optional(), Length(max=16)])
    count = IntegerField(_l("Experts"), validators=[Optional(), NumberRange(min=1, max=50)])


class LotForm(Form):
    """Register or change a lot (标段/包/宗地/标的)."""

    name = StringField(_l("Lot name"), validators=[DataRequired(), Length(max=200)])
    budget = DecimalField(_l("Budget or control price (yuan)"), validators=[Optional(), Length(max=30)])
    starting_price = DecimalField(_l("Starting price (yuan)"), validators=[Optional(), Length(max=30)])
    increment = DecimalField(_l("Increment (yuan)"), validators=[Optional(), Length(max=30)])
    deposit = DecimalField(_l("Deposit (yuan)"), default="0", validators=[Optional(), Length(max=30)])
    category = SelectField(_l("Procurement category"), validators=[Optional()])
    evaluation_method = SelectField(_l("Evaluation method"), validators=[Optional()])
    criteria = FieldList(FormField(CriterionForm), min_entries=4, max_entries=12)
    specialties = FieldList(FormField(SpecialtyForm), min_entries=3, max_entries=10)
    location = StringField(_l("Location"), validators=[Optional(), Length(max=200)],
                           description=_l("Site, place of delivery, parcel location or seat of the company sold."))
    scope = TextAreaField(_l("Scope"), validators=[Optional(), Length(max=5000)],
                          description=_l("招标范围 / 采购需求 / 转让标的"))
    duration = StringField(_l("Duration"), validators=[Optional(), Length(max=100)],
                           description=_l("工期 / 合同履行期限, e.g. 180日历天"))
    qualification = TextAreaField(_l("Qualification requirements"), validators=[Optional(), Length(max=5000)])
    complex = BooleanField(_l("Technically complex (技术复杂)"),
                           description=_l("With a budget of 10 million yuan or more, a complex procurement is "
                                          "evaluated by a committee of at least 7 (政府采购货物和服务招标投标管理办法 "
                                          "第四十七条)."))
    complex_reason = TextAreaField(_l("Why it is technically complex"), validators=[Optional(), Length(max=500)])
    area = DecimalField(_l("Area (m²)"), validators=[Optional(), Length(max=30)])
    land_use = StringField(_l("Land use"), validators=[Optional(), Length(max=50)])
    term_years = StringField(_l("Term (years)"), validators=[Optional(), Length(max=10)])
    plot_ratio_min = DecimalField(_l("Plot ratio from"), validators=[Optional(), Length(max=10)])
    plot_ratio_max = DecimalField(_l("Plot ratio to"), validators=[Optional(), Length(max=10)])
    valuation = DecimalField(_l("Approved valuation (yuan)"), validators=[Optional(), Length(max=30)],
                             description=_l("评估值: the first listing price may not be below it."))
    price_approval = StringField(_l("Approval of a relisting price below the valuation's 90%: document number"),
                                 validators=[Optional(), Length(max=200)],
                                 description=_l("The number of the written approval, when a relisting goes below "
                                                "the valuation's 90%."))
    price_approval_body = StringField(_l("Approved by"), validators=[Optional(), Length(max=200)],
                                      description=_l("The body that approved the transfer and gave that approval."))
    asset = SelectField(_l("What is traded"), choices=[
        SelectChoice("equity", _l("State-owned property rights (企业国有产权转让)")),
        SelectChoice("collective_lease", _l("A village collective asset lease (农村集体资产公开租赁)"))],
        default="equity")
    lease_years = StringField(_l("Lease term (years)"), validators=[Optional(), Length(max=4)],
                              description=_l("A lease: the starting price is the annual rent."))
    resolution = StringField(_l("Villagers' assembly decision"), validators=[Optional(), Length(max=300)],
                             description=_l("A lease: the date and reference of the assembly's decision to lease."))
    payment = SelectField(_l("Payment"), choices=[SelectChoice("lump_sum", _l("In one sum")),
                                                  SelectChoice("instalments", _l("In instalments"))],
                          default="lump_sum")
    upfront_percent = StringField(_l("Paid up front (%)"), validators=[Optional(), Length(max=10)])
    balance_months = StringField(_l("The rest within (months)"), validators=[Optional(), Length(max=4)])
    result_publicity_days = StringField(_l("Result publicity (working days)"), validators=[Optional(), Length(max=4)])
    bidding_form = SelectField(_l("Bidding form (two or more qualified buyers)"), choices=[
        SelectChoice("multi_round", _l("Multi-round online bidding (网络竞价·多次报价)")),
        SelectChoice("sealed", _l("One sealed round (一次报价)"))], default="multi_round")
    control_change = BooleanField(_l("The transfer changes control of the enterprise (实际控制权发生转移)"),
                                  description=_l("Then its pre-disclosure (信息预披露) comes first."))
    revaluation_number = StringField(_l("New valuation: report number"), validators=[Optional(), Length(max=200)],
                                     description=_l("When no qualified buyer came forward within 12 months of the "
                                                    "first disclosure: the new valuation's report (or filing) "
                                                    "number."))
    revaluation_body = StringField(_l("New valuation approved or filed by"), validators=[Optional(), Length(max=200)])
    revaluation_on = DateField(_l("New valuation dated"), validators=[Optional()])
    submit = SubmitField(_l("Save lot"))


class UploadForm(Form):
    """File one document of the trading conditions."""

    kind = SelectField(_l("Document"), validators=[DataRequired()])
    file = FileField(_l("File"), validators=[FileRequired()])
    submit = SubmitField(_l("Upload"))


class ReasonForm(Form):
    """An action that needs a written reason (return, reject, cancel)."""

    reason = TextAreaField(_l("Reasons"), validators=[DataRequired(), Length(min=4, max=2000)])
    submit = SubmitField(_l("Submit"))


class MethodForm(Form):
    """Ask for a trading method."""

    method = SelectField(_l("Trading method"), validators=[DataRequired()])
    justification = TextAreaField(_l("Justification (needed for any method other than open competition)"),
                                  validators=[Optional(), Length(max=2000)])
    invitees = SelectMultipleField(_l("Invited bidders (invited tender: at least 3; single source: the one supplier)"),
                                   coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Request approval"))


class DecisionForm(Form):
    """The supervisor's decision on a request."""

    decision = SelectField(_l("Decision"), choices=[SelectChoice("approve", _l("Approve")),
                                                   SelectChoice("reject", _l("Reject"))])
    reason = TextAreaField(_l("Reasons"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Decide"))


class AnnounceForm(Form):
    """The announcement's timetable (Beijing time); the platform proposes the earliest lawful one."""

    issued_at = DateTimeLocalField(_l("Issued at"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    documents_until = DateTimeLocalField(_l("Documents available until"), format="%Y-%m-%dT%H:%M",
                                         validators=[Optional()])
    bid_deadline = DateTimeLocalField(_l("Bid deadline"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    listing_start = DateTimeLocalField(_l("Listing starts"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    listing_end = DateTimeLocalField(_l("Listing ends"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    auction_start = DateTimeLocalField(_l("Auction starts"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    key_threshold = SelectField(_l("Key holders needed to open the bids"), default="2",
                                choices=[SelectChoice("2", _l("2 of 3 (host, supervisor, tenderee)")),
                                         SelectChoice("3", _l("3 of 3"))])
    preview = SubmitField(_l("Preview"))
    publish = SubmitField(_l("Publish the announcement"))


class NegotiationForm(Form):
    """The record of a single-source negotiation (协商情况记录) and the price agreed; the service says what is
    missing, naming the rule."""

    negotiated_on = DateField(_l("Date of the negotiation"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    negotiators = StringField(_l("The tenderee's negotiators"), validators=[Optional(), Length(max=500)],
                              description=_l("Names separated by 、"))
    cost_note = TextAreaField(_l("The supplier's costs and the prices of comparable contracts"),
                              validators=[Optional(), Length(max=5000)])
    price = DecimalField(_l("Price agreed (yuan)"), validators=[Optional(), Length(max=30)])
    justification = TextAreaField(_l("Main terms and why the price is reasonable"),
                                  validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Record the negotiation and publish the result"))


class TextForm(Form):
    """A clarification, an objection or an answer."""

    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(min=4, max=5000)])
    submit = SubmitField(_l("Send"))


class SignUpForm(Form):
    """Sign up for a lot (报名), accepting the integrity pledge shown above the button: the page sets the digest of
    the text shown and its language; the box is the bidder's acceptance."""

    pledge = BooleanField(_l("We have read the integrity pledge above and accept it"))
    pledge_sha256 = HiddenField()
    pledge_language = HiddenField()
    fingerprint = HiddenField()  # the browser's device fingerprint (js/fingerprint.js), as with a download
    submit = SubmitField(_l("Sign the pledge and sign up (报名)"))


class DownloadForm(Form):
    """Download the documents; the browser adds its device fingerprint."""

    fingerprint = HiddenField()
    submit = SubmitField(_l("Download the documents"))


class OfferForm(Form):
    """A bidder's offer (报价单) in a listing or the online bidding, in yuan."""

    amount = StringField(_l("Offer (yuan)"), validators=[DataRequired(), Length(max=40)])
    submit = SubmitField(_l("Submit the offer"))


class ReserveForm(Form):
    """The land authority's sealed reserve: only the commitment its browser computed is sent."""

    commitment = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])
    submit = SubmitField(_l("Seal the reserve price"))


class RevealForm(Form):
    """The land authority reveals the reserve from its slip after the listing ends."""

    amount = StringField(_l("Reserve price (yuan)"), validators=[DataRequired(), Length(max=40)])
    salt = StringField(_l("Salt from the reserve slip"), validators=[DataRequired(), Length(min=16, max=128)])
    submit = SubmitField(_l("Reveal the reserve price"))


class AgreementForm(Form):
    """The price agreed with the one qualified buyer of a property lot."""

    price = StringField(_l("Price agreed (yuan)"), validators=[DataRequired(), Length(max=40)])
    submit = SubmitField(_l("Record the agreement"))


class LandContractForm(Form):
    """The land contract (国有建设用地使用权出让合同) the land authority signed with the winner of a land deal."""

    number = StringField(_l("Contract number"), validators=[DataRequired(), Length(max=100)])
    signed_on = DateField(_l("Signed on"), validators=[DataRequired()])
    # the payment schedule (出让价款缴纳): up to four instalments, the first at least 50% within a month
    amount_1 = DecimalField(_l("Instalment 1 (yuan)"), validators=[Optional(), Length(max=30)])
    due_1 = DateField(_l("Pay by"), validators=[Optional()])
    amount_2 = DecimalField(_l("Instalment 2 (yuan)"), validators=[Optional(), Length(max=30)])
    due_2 = DateField(_l("Pay by"), validators=[Optional()])
    amount_3 = DecimalField(_l("Instalment 3 (yuan)"), validators=[Optional(), Length(max=30)])
    due_3 = DateField(_l("Pay by"), validators=[Optional()])
    amount_4 = DecimalField(_l("Instalment 4 (yuan)"), validators=[Optional(), Length(max=30)])
    due_4 = DateField(_l("Pay by"), validators=[Optional()])
    submit = SubmitField(_l("Register the land contract"))

    def schedule(self) -> list:
        """The instalments as typed (blank rows are skipped by the check)."""
        from ...services.land_payments import InstalmentInput

        return [InstalmentInput(self[f"amount_{n}"].data or "", self[f"due_{n}"].data) for n in range(1, 5)]


class PreDisclosureForm(Form):
    """The transferor's pre-disclosure (信息预披露) of a transfer, with an optional note."""

    note = TextAreaField(_l("The transferor's note (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Publish the pre-disclosure"))


class OutsidePaymentForm(Form):
    """The exception to paying through the centre's bank (32号令 第二十七条): a payment under the property contract
    settled outside the centre, as staff record it with the approving body's written opinion."""

    amount = StringField(_l("Amount paid (yuan)"), validators=[DataRequired(), Length(max=40)])
    paid_on = DateField(_l("Paid on"), validators=[DataRequired()])
    reference = StringField(_l("Serial number on the payment voucher"), validators=[DataRequired(), Length(max=100)])
    approval = StringField(_l("Approving body's written opinion (number, date)"),
                           validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Record the payment"))


class LatePaymentForm(Form):
    """A part paid late, or overdue, recorded as a credit event against the buyer."""

    part = HiddenField(validators=[DataRequired(), Length(max=40)])
    evidence = StringField(_l("Evidence"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Record as a credit event"))


class TransferContractForm(Form):
    """The transaction contract (产权交易合同) of a property deal, with its payment terms."""

    number = StringField(_l("Contract number"), validators=[DataRequired(), Length(max=100)])
    signed_on = DateField(_l("Signed on"), validators=[DataRequired()])
    payment = SelectField(_l("Payment"), choices=[SelectChoice("lump_sum", _l("In one sum")),
                                                  SelectChoice("instalments", _l("In instalments"))],
                          default="lump_sum")
    upfront = StringField(_l("Paid up front (yuan)"), validators=[Optional(), Length(max=40)])
    balance_due = DateField(_l("The rest paid by"), validators=[Optional()])
    guarantee = StringField(_l("Guarantee for the rest"), validators=[Optional(), Length(max=500)])
    interest_rate = StringField(_l("Interest on the rest (% a year)"), validators=[Optional(), Length(max=10)])
    lease_start = DateField(_l("Lease begins on"), validators=[Optional()])
    submit = SubmitField(_l("Register the contract"))

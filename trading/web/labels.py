"""What people read for the platform's codes, in one place: audited actions, lot actions, deadlines, states,
stages, methods, trade types and rules. Pages show these names (the code at most in a tooltip), in Chinese or
English as the user chose; the Chinese comes from the catalogue (English msgids) or, for the domain's
bilingual tables, from their ``name_zh``."""

from __future__ import annotations

from flask_babel import force_locale, get_locale, gettext, lazy_gettext as _l
from jinja2 import pass_context
from markupsafe import Markup, escape

from ..domain import citations, lifecycle, rules
from ..domain.accounts import ORG_TYPES, ROLES

# Every action the audit log records (services' audit.record), by its code.
AUDIT_ACTIONS = {
    # lots and their lifecycle (lot.<lifecycle action> for every transition)
    "project.register": _l("Project registered"),
    "lot.create": _l("Lot registered"), "lot.update": _l("Lot changed"), "lot.attach": _l("Document filed"),
    "lot.file": _l("Trading conditions filed"), "lot.return_filing": _l("Filing returned"),
    "lot.certify": _l("Filing checked"), "lot.entry_certificate": _l("Entry certificate issued"),
    "lot.request_method": _l("Method requested"), "lot.approve_method": _l("Method approved"),
    "lot.reject_method": _l("Method rejected"),
    "lot.announce": _l("Announcement published"), "lot.clarify": _l("Clarification issued"),
    "lot.close_bidding": _l("Bid deadline passed: opening"), "lot.open_listing": _l("Listing opened"),
    "lot.request_cancel": _l("Cancellation requested"), "lot.cancel": _l("Lot cancelled"),
    "lot.retrade": _l("Next round started"), "lot.suspend": _l("Lot suspended"), "lot.resume": _l("Lot resumed"),
    "lot.fail": _l("Lot failed"), "lot.submit_bid": _l("Bid submitted"), "lot.withdraw_bid": _l("Bid withdrawn"),
    "lot.start_evaluation": _l("Evaluation started"), "lot.score": _l("Evaluation scored"),
    "lot.start_publicity": _l("Candidate publicity started"), "lot.place_offer": _l("Offer placed"),
    "lot.close_listing": _l("Listing closed"), "lot.start_auction": _l("Auction started"),
    "lot.close_auction": _l("Auction closed"), "lot.conclude_agreement": _l("Agreement concluded"),
    "lot.object": _l("Objection during publicity"), "lot.award": _l("Lot awarded"),
    "lot.register_contract": _l("Contract registered"), "lot.archive": _l("Lot archived"),
    "lot.key_ceremony": _l("Opening key generated and shares sealed to the key holders"),
    "cancellation.decide": _l("Cancellation decided"),
    "credit.event": _l("Credit event recorded"), "credit.blacklist": _l("Put on the blacklist"),
    "credit.lift": _l("Blacklist entry lifted"),
    "complaint.submit": _l("Complaint received"), "complaint.accept": _l("Complaint accepted"),
    "complaint.refuse": _l("Complaint refused"), "complaint.decide": _l("Complaint decided"),
    "question.ask": _l("Question (质疑) received"), "question.answer": _l("Question answered"),
    "report.submit": _l("Public report received"), "report.accept": _l("Public report accepted"),
    "report.decline": _l("Public report declined"), "report.assign": _l("Public report assigned"),
    "report.conclude": _l("Public report concluded"),
    "screen.raise": _l("Collusion screen signalled"), "screen.dismiss": _l("Collusion signal dismissed"),
    "screen.refer": _l("Collusion signal referred"), "screen.run": _l("Collusion screens run"),
    "warning.raise": _l("Early warning raised"), "warning.dismiss": _l("Early warning dismissed"),
    "correction.issue": _l("Correction order issued"), "correction.answer": _l("Correction order answered"),
    "correction.close": _l("Correction order closed"), "correction.escalate": _l("Correction order escalated"),
    # sign-up, objections, bids, deposits
    "auction.qualify": _l("Paddle number issued"), "auction.offer": _l("Offer received"),
    "auction.join": _l("Joined the online bidding"), "auction.reserve_sealed": _l("Reserve price sealed"),
    "auction.reserve_revealed": _l("Reserve price revealed"), "auction.listing_ended": _l("Listing ended"),
    "auction.countdown_ended": _l("Online bidding ended"), "deposit.applied": _l("Deposit applied to the price"),
    "property.qualify": _l("Intending buyer qualified"), "property.refuse": _l("Intending buyer refused"),
    "property.route": _l("Disclosure ended with one qualified buyer"),
    "property.agreement": _l("Price agreed with the one qualified buyer"),
    "property.sealed_result": _l("Sealed prices opened and judged"),
    "property.pre_disclose": _l("Pre-disclosure published"), "property.payment": _l("Property price payment received"),
    "property.payment_outside": _l("Payment settled outside the centre recorded"),
    "registration.sign_up": _l("Bidder signed up"), "registration.download": _l("Documents downloaded"),
    "registration.pledge": _l("Integrity pledge signed"),
    "objection.raise": _l("Objection raised"), "objection.answer": _l("Objection answered"),
    "bid.submit": _l("Bid submitted"), "bid.withdraw": _l("Bid withdrawn"),
    "deposit.payment": _l("Deposit paid"), "deposit.refund": _l("Deposit refunded"),
    "deposit.to_price": _l("Deposit paid over as part of the price"),
    "deposit.forfeit": _l("Deposit forfeited"),
    "deposit.refund_ordered": _l("Deposit refund ordered"), "land.payment": _l("Land price payment received"),
    # experts and their draw
    "draw.commit": _l("Expert draw conditions frozen"), "draw.rank": _l("Expert draw ranked by the beacon"),
    "draw.reveal": _l("Expert draw secret disclosed"), "draw.complete": _l("Expert draw completed"),
    "draw.call": _l("Expert called"), "draw.answer": _l("Expert answered the call"),
    "expert.create": _l("Expert added to the pool"), "expert.update": _l("Expert's record changed"),
    "expert.import": _l("Experts imported"), "expert.relative": _l("Expert's conflict of interest recorded"),
    "expert.active": _l("Expert reinstated"), "expert.suspended": _l("Expert suspended"),
    "expert.removed": _l("Expert removed from the pool"),
    # opening, evaluation, result, archive
    "opening.release_share": _l("Key share released"), "opening.record": _l("Opening record made"),
    "opening.objection": _l("Objection at the opening"), "opening.answer": _l("Opening objection answered"),
    "opening.tampering": _l("Tampered bid found at the opening"),
    "evaluation.chair": _l("Committee chair chosen"), "evaluation.conflict": _l("Expert declared a conflict"),
    "evaluation.rate": _l("Expert rated by the centre"), "evaluation.confirm": _l("Expert confirmed the report"),
    "evaluation.low_price": _l("Abnormally low price decided"),
    "evaluation.flag_low_price": _l("Abnormally low price flagged"),
    "evaluation.explanation": _l("Price explanation given"), "evaluation.statement": _l("Expert statement signed"),
    "evaluation.report": _l("Evaluation report signed"),
    "evaluation.mark_review": _l("Expert's flagged marks decided by the supervisor"),
    "publicity.objection": _l("Objection during publicity"),
    "publicity.answer": _l("Publicity objection answered"),
    "archive.create": _l("Archive bundle made"), "archive.dispose": _l("Archive disposed of after its retention"),
    "rules.set": _l("Rule made stricter by the administrator"),
    "expert.tie": _l("Expert's tie to an organisation recorded"), "expert.penalty": _l("Expert's penalty recorded"),
    # key holders and certificates
    "holder_change.request": _l("Key holder change requested"),
    "holder_change.approve": _l("Key holder change approved"),
    "holder_change.reject": _l("Key holder change rejected"),
    "holder_key.enrol": _l("Key holder's key enrolled"), "holder_key.approve": _l("Key holder's key approved"),
    "holder_key.reset": _l("Key holder's key reset"), "keys.reseal_at_rest": _l("Platform keys resealed"),
    "certificate.issue": _l("Signing certificate issued"), "certificate.revoke": _l("Signing certificate revoked"),
    # accounts and the platform
    "auth.login": _l("Logged in"), "auth.login_failed": _l("Login failed"),
    "api_token.issue": _l("API token issued"), "api_token.revoke": _l("API token revoked"),
    "lot.conclude_negotiation": _l("Negotiation recorded: result published"),
    "negotiation.record": _l("Negotiation with the single-source supplier recorded"),
    "auth.login_refused": _l("Login refused"), "auth.logout": _l("Logged out"),
    "auth.password_ok": _l("Password accepted, second factor asked"),
    "auth.second_factor_failed": _l("Second factor failed"),
    "organisation.create": _l("Organisation registered"), "organisation.activate": _l("Organisation activated"),
    "organisation.deactivate": _l("Organisation deactivated"), "user.create": _l("User created"),
    "user.activate": _l("User activated"), "user.deactivate": _l("User deactivated"),
    "user.password_change": _l("Password changed"), "user.password_reset": _l("Password reset"),
    "user.second_factor_on": _l("Second factor turned on"), "user.second_factor_off": _l("Second factor turned off"),
    "user.second_factor_reset": _l("Second factor reset"),
    "clock.advance": _l("Simulated clock advanced"), "deal.import": _l("Historical deals imported"),
    "deal.scenario": _l("Calibration scenario loaded"),
}

# The lifecycle's actions as a verb phrase, for refusals ("Too early to ...", "may not ...").
LOT_ACTIONS = {
    "file": _l("file the trading conditions"), "return_filing": _l("return the filing"),
    "certify": _l("issue the entry certificate"), "request_method": _l("request the method"),
    "approve_method": _l("approve the method"), "reject_method": _l("reject the method"),
    "announce": _l("publish the announcement"), "clarify": _l("issue a clarification"),
    "submit_bid": _l("submit a bid"), "withdraw_bid": _l("withdraw the bid"),
    "close_bidding": _l("close the bidding"), "start_evaluation": _l("start the evaluation"),
    "score": _l("score the bids"), "start_publicity": _l("publish the candidates"),
    "open_listing": _l("open the listing"), "place_offer": _l("place an offer"),
    "close_listing": _l("close the listing"), "start_auction": _l("start the auction"),
    "close_auction": _l("close the auction"), "conclude_agreement": _l("conclude the agreement"),
    "conclude_negotiation": _l("record the negotiation"),
    "fail": _l("declare the lot failed"), "retrade": _l("start the next round"),
    "object": _l("object to the candidates"), "award": _l("award the lot"),
    "register_contract": _l("register the contract"), "archive": _l("archive the lot"),
    "cancel": _l("cancel the lot"), "request_cancel": _l("ask to cancel the lot"),
    "suspend": _l("suspend the lot"), "resume": _l("resume the lot"),
}

# A lot's dates, as the timeline and the refusals name them.
DEADLINES = {
    "issued_at": _l("Announcement issued"), "documents_until": _l("Documents available until"),
    "clarification_cutoff": _l("Last day for clarifications without moving the deadline"),
    "objection_cutoff": _l("Last day for objections to the documents"), "bid_deadline": _l("Bid deadline"),
    "opening_at": _l("Online opening"), "listing_start": _l("Listing starts"), "listing_end": _l("Listing ends"),
    "auction_start": _l("Auction starts"), "publicity_end": _l("End of the publicity"),
}

# What an expert called in a draw answered (the draw's call outcomes).
CALL_OUTCOMES = {"accepted": _l("accepted"), "declined": _l("declined"), "no_answer": _l("no answer"),
                 "conflict": _l("declared a conflict")}
# What an audit entry is about (AuditEntry.object_type), as the audit log names it.
OBJECT_TYPES = {"lot": _l("Lot"), "project": _l("Project"), "user": _l("User"), "organisation": _l("Organisation"),
                "expert": _l("Expert"), "evaluation": _l("Evaluation"), "deal": _l("Deal"), "rule": _l("Rule"),
                "clock": _l("Platform clock"), "api_token": _l("API token"),
                "screen_run": _l("Collusion screening run"), "screen_signal": _l("Collusion screen signal"),
                "public_report": _l("Public report")}
# A land parcel's conditions (lot.land_details), as the lot form names them.
LAND_DETAILS = {"area": _l("Area (m²)"), "use": _l("Land use"), "term_years": _l("Term (years)"),
                "plot_ratio_min": _l("Plot ratio from"), "plot_ratio_max": _l("Plot ratio to")}

PLATFORM = _l("the platform")
# The memos the platform itself writes on bank transfers (a memo a user typed is shown as typed).
MEMOS = {"投标保证金": _l("Bid deposit"), "保证金利息": _l("Interest on the deposit"),
         "逾期到账，原路退回": _l("Arrived after the deadline: returned"),
         "保证金退还：撤回投标": _l("Deposit refunded: bid withdrawn"),
         "保证金退还：未中标": _l("Deposit refunded: not awarded"),
         "保证金退还：合同已签订": _l("Deposit refunded: contract signed"),
         "保证金退还：终止招标": _l("Deposit refunded: the tender was terminated"),
         "逾期退还保证金资金占用费": _l("Charge for the deposit refunded late"),
         "竞买保证金": _l("Bidding deposit"), "交易保证金": _l("Transaction deposit"),
         "保证金退还：未竞得": _l("Deposit refunded: not the winner"),
         "保证金退还：流拍，退还竞买保证金": _l("Deposit refunded: no deal"),
         "保证金退还：未受让": _l("Deposit refunded: not the buyer"),
         "保证金退还：不计利息": _l("Deposit refunded, without interest"),
         "保证金退还：终止出让": _l("Deposit refunded: the land trade was cancelled"),
         "保证金退还：终止交易": _l("Deposit refunded: the trade was cancelled"),
         "土地出让价款": _l("Land price"),
         "保证金退还：资格未通过": _l("Deposit refunded: not qualified"),
         "保证金退还：未成交": _l("Deposit refunded: no deal"),
         "竞买保证金抵作土地出让价款": _l("Bidding deposit applied to the land price"),
         "竞得人未签订出让合同，竞买保证金不予退还": _l("Bidding deposit forfeited: the land contract was not signed")}
# What each mark of the centre's rating of a panel member (考评, 1-5) means.
RATING_SCALE = ((5, _l("excellent: thorough, independent, on time")), (4, _l("good")),
                (3, _l("adequate")), (2, _l("poor: late or careless")),
                (1, _l("unacceptable: breached the room's rules")))
SHARE_ROLES = {"host": _l("Opening host"), "supervisor": _l("Supervisor"), "tenderee": _l("Tenderee representative")}
COMPLAINT_MATTERS = {"documents": _l("the documents (after an objection)"),
                     "opening": _l("the opening (after an objection)"),
                     "candidates": _l("the candidates (after an objection)"), "other": _l("another act")}
COMPLAINT_STATUSES = {"received": _l("received"), "accepted": _l("accepted"), "refused": _l("refused"),
                      "decided": _l("decided")}
CORRECTION_ADDRESSEES = {"tenderee": _l("The tenderee"), "agency": _l("Its agency"),
                         "centre": _l("The trading centre")}
CORRECTION_STATUSES = {"open": _l("awaiting the answer"), "answered": _l("answered"), "closed": _l("closed"),
                       "escalated": _l("escalated")}
COMPLAINT_OUTCOMES = {"upheld": _l("upheld"), "dismissed": _l("dismissed")}
QUESTION_MATTERS = {"documents": _l("the procurement documents"), "procedure": _l("the procurement procedure"),
                    "result": _l("the award or deal result")}  # 94号令 第十条; also a procurement complaint's matters
REPORT_CATEGORIES = {"collusion": _l("Collusive bidding (串通投标)"),
                     "false_materials": _l("False materials or bidding in another's name"),
                     "bribery": _l("Bribery or improper benefits"),
                     "restriction": _l("Bidders restricted or excluded unfairly"),
                     "expert_misconduct": _l("An evaluation expert's misconduct"),
                     "staff_misconduct": _l("Misconduct of the centre's or the tenderee's staff"),
                     "other": _l("Other wrongdoing")}
REPORT_STATUSES = {"received": _l("received, awaiting acceptance"), "accepted": _l("accepted, being handled"),
                   "declined": _l("declined"), "concluded": _l("concluded")}
MESSAGE_CHANNELS = {"sms": _l("SMS"), "email": _l("e-mail")}
MESSAGE_GATEWAYS = {"simulated": _l("simulated gateway: recorded, not sent")}
OUTBOX_STATUSES = {"queued": _l("queued"), "sent": _l("sent"), "failed": _l("refused by the gateway")}
LOT_UNITS_EN = {"construction": "lot", "procurement": "package", "land": "parcel", "property": "item"}
CATEGORIES_EN = {"goods": "goods", "services": "services", "works": "works"}
EVALUATION_METHODS_EN = {"lowest_price": "lowest evaluated price", "comprehensive": "comprehensive scoring"}


def chinese() -> bool:
    """True when the page is in Chinese."""
    return str(get_locale() or "zh").startswith("zh")


def _pick(zh: str, en: str) -> str:
    return zh if chinese() else en


def named(thing) -> str:
    """The name of anything with ``name_zh`` and ``name_en`` (a stage, a method, a document kind, a figure's
    definition) in the page's language."""
    return _pick(thing.name_zh, getattr(thing, "name_en", "") or thing.name_zh)


def state_name(code: str | None) -> str:
    """A lot state's name (已公告 / announced)."""
    if not code:
        return ""
    return _pick(lifecycle.STATES.get(code, code), lifecycle.STATES_EN.get(code, code))


def stage_name(code: int | None) -> str:
    """A stage's name (交易流程监管 / supervised trading)."""
    stage = lifecycle.STAGES.get(code) if code else None
    return _pick(stage.name_zh, stage.name_en) if stage else ""


def method_name(code: str | None) -> str:
    """A method's name (公开招标 / open tender)."""
    method = rules.METHODS.get(code or "")
    return _pick(method.name_zh, method.name_en) if method else (code or "")


def trade_type_name(code: str | None) -> str:
    """A trade type's name (建设工程 / construction tendering)."""
    found = rules.TRADE_TYPES.get(code or "")
    return _pick(found.name_zh, found.name_en) if found else (code or "")


def lot_unit(trade_type: str | None) -> str:
    """What a lot is called in a trade type (标段 / lot, 宗地 / parcel, ...)."""
    found = rules.TRADE_TYPES.get(trade_type or "")
    return _pick(found.lot_unit_zh, LOT_UNITS_EN[found.code]) if found else ""


def category_name(code: str | None) -> str:
    """A procurement category (货物 / goods)."""
    return _pick(rules.PROCUREMENT_CATEGORIES.get(code or "", code or ""), CATEGORIES_EN.get(code or "", code or ""))


def evaluation_method_name(code: str | None) -> str:
    """An evaluation method (综合评估法 / comprehensive scoring)."""
    from ..services.projects import EVALUATION_METHODS

    return _pick(EVALUATION_METHODS.get(code or "", code or ""), EVALUATION_METHODS_EN.get(code or "", code or ""))


def action_name(code: str | None) -> str:
    """An audited action's name (公告已发布 / Announcement published); an unknown code as it is."""
    label = AUDIT_ACTIONS.get(code or "")
    return str(label) if label is not None else (code or "")


def object_name(code: str | None) -> str:
    """What an audit entry is about, by name (标段 / Lot); an unknown code as it is."""
    label = OBJECT_TYPES.get(code or "")
    return str(label) if label is not None else (code or "")


def lot_action_name(code: str | None) -> str:
    """A lifecycle action as a verb phrase (确定中标人 / award the lot)."""
    label = LOT_ACTIONS.get(code or "")
    return str(label) if label is not None else (code or "")


def deadline_name(code: str | None) -> str:
    """A lot's date (投标截止时间 / Bid deadline)."""
    label = DEADLINES.get(code or "")
    return str(label) if label is not None else (code or "")


def bidder_label(label: str | None) -> str:
    """An anonymised bidder as the room shows it (投标人A / Bidder A)."""
    from ..domain.scoring import LABEL_PREFIX

    text = label or ""
    if not chinese() and text.startswith(LABEL_PREFIX):
        return gettext("Bidder %(letter)s", letter=text[len(LABEL_PREFIX):])
    return text


def memo_text(memo: str | None) -> str:
    """A bank transfer's memo: the platform's own in the page's language, a user's as typed."""
    text = memo or ""
    return text if chinese() or text not in MEMOS else str(MEMOS[text])


# What each collusion screen is called (the screens page; a signal's kind in an audit payload).
SCREEN_NAMES = {
    "cv": _l("Coefficient of variation of the prices"), "rd": _l("Relative distance of the two lowest prices"),
    "diffp": _l("Gap between the two lowest prices against earlier lots"), "pattern": _l("Prices in a regular pattern"),
    "shared_account": _l("One account paid several bidders' deposits"),
    "shared_device": _l("One device downloaded for several bidders"),
    "shared_address": _l("One network address used by several bidders"),
    "close_uploads": _l("Bids uploaded from one address within a minute"),
    "shared_document": _l("One document in several bidders' bids"),
    "shared_metadata": _l("Documents by one author with one program in several bidders' bids"),
    "rotation": _l("Bidders taking turns to win"), "cover_bidding": _l("A bidder that always loses to one winner"),
    "identical_prices": _l("Two or more bidders at one price"),
    "shared_person": _l("One project manager named by several bidders"),
    "bid_suppression": _l("A bidder that signs up and stands back where one winner wins"),
    "all_but_winner_disqualified": _l("Every bid but the winner's disqualified"),
}


def code_label(code: str) -> str | None:
    """The name of any code a stored record may hold as a value (a state, a method, an evaluation method, a trade
    type, a kind of filed document, a draw call's outcome, a collusion screen, an organisation type), or None when
    ``code`` is none of them."""
    from ..domain import filing
    from ..services.projects import EVALUATION_METHODS

    if code in lifecycle.STATES:
        return state_name(code)
    if code in rules.METHODS:
        return method_name(code)
    if code in EVALUATION_METHODS:
        return evaluation_method_name(code)
    if code in rules.TRADE_TYPES:
        return trade_type_name(code)
    if code in CALL_OUTCOMES:
        return str(CALL_OUTCOMES[code])
    if code in ORG_TYPES:
        return gettext(ORG_TYPES[code])
    if code in SCREEN_NAMES:
        return str(SCREEN_NAMES[code])
    for trade_type in rules.TRADE_TYPES:
        for kind in filing.kinds(trade_type):
            if kind.code == code:
                return _pick(kind.name_zh, kind.name_en)
    return None


def land_detail_name(code: str | None) -> str:
    """A land parcel's condition by its key (the key itself if unknown)."""
    return str(LAND_DETAILS[code]) if code in LAND_DETAILS else (code or "")


def role_name(code: str | None) -> str:
    """A role's name (招标人 / Tenderee / agency)."""
    return gettext(ROLES[code]) if code in ROLES else (code or "")


def cite(rule_id: str | None) -> str:
    """A rule as its law and article (招标投标法 第二十八条 / Bidding Law, Art. 28)."""
    return citations.cite(rule_id, chinese=chinese()) if rule_id else ""


def rule_title(rule_id: str | None) -> str:
    """What a rule requires, in the page's language."""
    found = rules.RULES.get(rule_id or "")
    return _pick(found.title_zh, found.title_en) if found else (rule_id or "")


def rule_tooltip(rule_id: str | None) -> str:
    """What the tooltip of a rule says: its id, its full source and what it requires."""
    found = rules.RULES.get(rule_id or "")
    if found is None:
        return rule_id or ""
    return f"{found.id} · {found.source} · {_pick(found.title_zh, found.title_en)}"


def rule_badge(rule_id: str | None) -> Markup:
    """A rule as a badge: its citation, with the id and full source in the tooltip."""
    if not rule_id:
        return Markup("")
    return Markup('<span class="badge text-bg-light border rule-badge" title="{}">{}</span>').format(
        rule_tooltip(rule_id), cite(rule_id))


def code_names() -> dict[str, dict[str, str]]:
    """Display names for message parameters that carry a code (state, trade type, method, deadline, action,
    role), used when a refusal is shown."""
    states = {code: state_name(code) for code in lifecycle.STATES}
    methods = {code: method_name(code) for code in rules.METHODS}
    trade_types = {code: trade_type_name(code) for code in rules.TRADE_TYPES}
    deadlines = {key: str(label) if chinese() else str(label)[:1].lower() + str(label)[1:]
                 for key, label in DEADLINES.items()}  # inside an English sentence: "wait until the bid deadline"
    return {"state": states, "previous": states, "trade_type": trade_types, "method": {**trade_types, **methods},
            "deadline": deadlines, "name": deadlines, "action": {key: str(label) for key, label in LOT_ACTIONS.items()},
            "role": {code: role_name(code) for code in ROLES}}


class Refusal(str):
    """A refusal as text (``str``: JSON and logs get the words, the rule's citation and its id, for the programs
    that read them) that renders in a page as words and citation, the id and source in a tooltip (``__html__``)."""

    html: Markup

    def __new__(cls, text: str, rule_id: str | None = None):
        cited = f"{cite(rule_id)}, {rule_id}" if rule_id in rules.RULES else rule_id
        words = f"{text} {gettext('[rule %(rule)s]', rule=cited)}" if rule_id else text
        made = super().__new__(cls, words)
        made.html = escape(text)
        if rule_id:
            cited = Markup('<span class="rule-cite" title="{}">{}</span>').format(
                rule_tooltip(rule_id), gettext("[rule %(rule)s]", rule=cite(rule_id)))
            made.html = Markup("{} {}").format(made.html, cited)
        return made

    def __html__(self) -> Markup:
        return self.html


def _per_request(function):
    """The filter as Jinja must call it on every render: a filter of a constant (``{{ 2|stage_name }}``) would
    otherwise be computed once, when the template is compiled, in whichever language that request had."""

    @pass_context
    def filtered(context, *args, **kwargs):
        return function(*args, **kwargs)

    return filtered


def official_chinese(message: str, params: dict | None = None) -> str:
    """A message inside an official document (a notice, a certificate): always in Chinese, the language of the
    document, whatever the page's language (an English reason in a Chinese notice would make it a mixture)."""
    with force_locale("zh_CN"):
        return gettext(message, **params) if params else gettext(message)


def register(app) -> None:
    """Install the names as template filters and the rule badge as a global."""
    for name, function in (("named", named), ("state_name", state_name), ("stage_name", stage_name),
                           ("method_name", method_name), ("trade_type_name", trade_type_name), ("lot_unit", lot_unit),
                           ("category_name", category_name), ("evaluation_method_name", evaluation_method_name),
                           ("action_name", action_name), ("lot_action_name", lot_action_name),
                           ("object_name", object_name),
                           ("deadline_name", deadline_name), ("role_name", role_name),
                           ("land_detail_name", land_detail_name),
                           ("bidder_label", bidder_label), ("memo_text", memo_text), ("cite", cite),
                           ("rule_tooltip", rule_tooltip), ("rule_title", rule_title)):
        app.add_template_filter(_per_request(function), name)
    app.add_template_global(rule_badge, "rule_badge")
    app.add_template_global(_per_request(chinese), "chinese")  # never folded at compile time
    app.add_template_filter(official_chinese, "official_chinese")

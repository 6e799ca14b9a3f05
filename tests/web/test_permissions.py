"""Every route x every role (and anonymous): the expected status. A new route without a row fails."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import login
from trading.extensions import db
from trading.models import BidderCertificate, Organisation, User
from trading.platform import current_platform

ROLES = ["anonymous", "admin", "staff", "supervisor", "tenderee", "bidder", "expert"]
USERNAMES = {"admin": "admin", "staff": "staff", "supervisor": "supervisor", "tenderee": "tenderee1",
             "bidder": "bidder1", "expert": "expert1"}
LOGIN = 302  # anonymous users are sent to the login page
ALL = {role: 200 for role in ROLES}
NONE = 999_999  # an id no row has
ROOM_READERS = {"staff", "supervisor", "tenderee", "expert"}


def only(allowed: set[str], ok: int = 200, anonymous: int = LOGIN) -> dict[str, int]:
    """``ok`` for the allowed roles, 403 for the other logged-in roles."""
    return {role: (anonymous if role == "anonymous" else ok if role in allowed else 403) for role in ROLES}


# endpoint -> (method, url arguments, form data, expected status per role)
TABLE = {
    "main.home": ("GET", {}, None, ALL),
    "main.language": ("POST", {}, {"lang": "en", "next": "/"}, {role: 302 for role in ROLES}),
    "auth.login": ("GET", {}, None, {role: 200 if role == "anonymous" else 302 for role in ROLES}),
    "auth.logout": ("POST", {}, None, {role: 302 for role in ROLES}),
    "auth.password": ("GET", {}, None, {role: LOGIN if role == "anonymous" else 200 for role in ROLES}),
    "auth.account": ("GET", {}, None, {role: LOGIN if role == "anonymous" else 200 for role in ROLES}),
    # the code step without a password first sends everyone back to the login page (or home, once logged in)
    "auth.login_code": ("GET", {}, None, {role: 302 for role in ROLES}),
    "auth.second_factor_begin": ("POST", {}, {}, only({"admin", "staff", "supervisor", "tenderee"}, ok=302)),
    # the set-up page shows what the row above began; with nothing begun it sends one back to the account page
    "auth.second_factor_setup": ("GET", {}, None, {role: 200 if role in {"admin", "staff", "supervisor", "tenderee"}
                                                   else 302 for role in ROLES}),
    # turning off a second factor that is not on is refused
    "auth.api_token_issue": ("POST", {}, {}, only({"bidder", "tenderee", "supervisor"}, ok=422)),
    "auth.api_token_revoke": ("POST", {"token_id": "spare_user"}, {}, {role: LOGIN if role == "anonymous" else 302
                                                                        for role in ROLES}),
    "auth.second_factor_off": ("POST", {}, {}, {role: LOGIN if role == "anonymous" else 422 for role in ROLES}),
    "admin.index": ("GET", {}, None, only({"admin"}, ok=302)),
    "admin.organisations": ("GET", {}, None, only({"admin"})),
    "admin.organisation_active": ("POST", {"org_id": "spare_org"}, {"active": "1"}, only({"admin"}, ok=302)),
    "admin.users": ("GET", {}, None, only({"admin"})),
    "admin.user_active": ("POST", {"user_id": "spare_user"}, {"active": "1"}, only({"admin"}, ok=302)),
    "admin.user_view": ("GET", {"user_id": "spare_user"}, None, only({"admin"})),
    "admin.user_password": ("POST", {"user_id": "spare_user"}, {}, only({"admin"}, ok=422)),
    "admin.user_second_factor": ("POST", {"user_id": "spare_user"}, {}, only({"admin"}, ok=302)),
    "admin.clock": ("GET", {}, None, only({"admin"})),
    "admin.rules_page": ("GET", {}, None, only({"admin"})),
    "admin.outbox_page": ("GET", {}, None, only({"admin"})),
    "supervision.dashboard": ("GET", {}, None, only({"supervisor"})),
    "supervision.dashboard_json": ("GET", {}, None, only({"supervisor"})),
    "supervision.dashboard_live": ("GET", {}, None, only({"supervisor"})),
    # warnings and corrections: the table's data has none, so a reader of them is answered 404 (a decision on a
    # warning that does not exist is refused with the reason: back to a page, 302)
    "supervision.warning_take": ("POST", {}, {"key": "contract:award_id=1"}, only({"supervisor"}, ok=302)),
    "supervision.warning_view": ("GET", {"warning_id": NONE}, None, only({"supervisor"}, ok=404)),
    "supervision.warning_dismiss": ("POST", {"warning_id": NONE}, {"reason": "无需整改"}, only({"supervisor"}, ok=302)),
    "supervision.correction_issue": ("POST", {"warning_id": NONE}, {}, only({"supervisor"}, ok=302)),
    "supervision.correction_list": ("GET", {}, None, only({"supervisor", "staff", "tenderee"})),
    "supervision.correction_view": ("GET", {"order_id": NONE}, None, only({"supervisor", "staff", "tenderee"}, ok=404)),
    "supervision.correction_answer": ("POST", {"order_id": NONE}, {"answer": "已整改完毕并附证明"},
                                      only({"staff", "tenderee"}, ok=404)),
    "supervision.correction_conclude": ("POST", {"order_id": NONE, "outcome": "closed"}, {"note": "整改完成"},
                                        only({"supervisor"}, ok=302)),
    "supervision.correction_evidence": ("GET", {"order_id": NONE}, None,
                                        only({"supervisor", "staff", "tenderee"}, ok=404)),
    "supervision.audit_log": ("GET", {}, None, only({"supervisor", "admin"})),
    "supervision.audit_verify": ("GET", {}, None, only({"supervisor", "admin"})),
    "supervision.lot_screens": ("GET", {"lot_id": "lot"}, None, only({"supervisor", "admin"})),
    # the table's lot is filed, not opened: the supervisor's run is refused with the reason (back to the page)
    "supervision.screen_recompute": ("POST", {"lot_id": "lot"}, {}, only({"supervisor"}, ok=302)),
    # a signal the lot does not have: 404 for the supervisor
    "supervision.screen_decide": ("POST", {"lot_id": "lot", "signal_id": NONE}, {"decision": "dismissed",
                                                                              "reason": "正常竞争"},
                                  only({"supervisor"}, ok=404)),
    # the table's lot is filed, not in trading: the supervisor is refused with the reason (back to the lot page)
    "supervision.lot_suspend": ("POST", {"lot_id": "lot"}, {"reason": "核查投诉"}, only({"supervisor"}, ok=302)),
    "supervision.lot_resume": ("POST", {"lot_id": "lot"}, {"reason": "核查完毕"}, only({"supervisor"}, ok=302)),
    "supervision.credit_page": ("GET", {}, None, only({"supervisor"})),
    # the performance of the centre's steps and the review of experts' marks: the supervisor's alone (not the
    # administrator, an operator, who reads the panel's names only once the result is decided)
    "supervision.performance_page": ("GET", {}, None, only({"supervisor"})),
    "supervision.performance_export": ("GET", {}, None, only({"supervisor"})),
    "supervision.marks_review": ("GET", {"lot_id": "lot"}, None, only({"supervisor"})),
    "supervision.marks_decide": ("POST", {"evaluation_id": NONE}, {"member": "1", "decision": "dismissed"},
                                 only({"supervisor"}, ok=404)),
    # the table's lot is construction: a party's empty complaint is refused with the reason (back to the lot page)
    "supervision.complaint_submit": ("POST", {"lot_id": "lot"}, {}, only({"bidder", "tenderee"}, ok=302)),
    "supervision.complaint_handle": ("POST", {"complaint_id": 1, "step": "accept"}, {}, only({"supervisor"}, ok=404)),
    # an event and an entry without their fields are refused with the form (422)
    "supervision.credit_event": ("POST", {}, {}, only({"supervisor"}, ok=422)),
    "supervision.credit_blacklist": ("POST", {}, {}, only({"supervisor"}, ok=422)),
    "supervision.credit_lift": ("POST", {"entry_id": 1}, {}, only({"supervisor"}, ok=302)),
    # public reports (举报): the supervisor's alone; the table's data has none (a step on none is refused: back, 302)
    "supervision.report_list": ("GET", {}, None, only({"supervisor"})),
    "supervision.report_view": ("GET", {"report_id": NONE}, None, only({"supervisor"}, ok=404)),
    "supervision.report_handle": ("POST", {"report_id": NONE, "step": "accept"}, {"reason": "线索具体"},
                                  only({"supervisor"}, ok=302)),
    # projects and lots (stages 1-3); refused actions redirect back to the lot page with the reason
    "lots.project_list": ("GET", {}, None, only({"tenderee", "staff", "supervisor", "admin"})),
    "lots.project_new": ("GET", {}, None, only({"tenderee"})),
    "lots.project_view": ("GET", {"project_id": "project"}, None, only({"tenderee", "staff", "supervisor", "admin"})),
    "lots.lot_new": ("GET", {"project_id": "project"}, None, only({"tenderee"})),
    "lots.lot_edit": ("GET", {"lot_id": "lot"}, None, only({"tenderee"})),
    "lots.lot_view": ("GET", {"lot_id": "lot"}, None, only({"tenderee", "bidder", "staff", "supervisor", "admin"})),
    "lots.attachment_upload": ("POST", {"lot_id": "lot"}, {}, only({"tenderee"}, ok=302)),
    "lots.attachment_download": ("GET", {"lot_id": "lot", "attachment_id": "attachment"}, None,
                                 only({"tenderee", "staff", "supervisor", "admin"})),
    "lots.lot_file": ("POST", {"lot_id": "lot"}, {}, only({"tenderee"}, ok=302)),
    "lots.lot_certify": ("POST", {"lot_id": "lot"}, {}, only({"staff"}, ok=302)),
    "lots.lot_return": ("POST", {"lot_id": "lot"}, {}, only({"staff"}, ok=302)),
    "lots.lot_certificate": ("GET", {"lot_id": "lot"}, None, only({"tenderee", "staff", "supervisor", "admin"})),
    "lots.method_request": ("POST", {"lot_id": "lot"}, {}, only({"tenderee"}, ok=302)),
    "lots.method_decide": ("POST", {"approval_id": "approval"}, {}, only({"supervisor"}, ok=302)),
    "lots.lot_cancel": ("POST", {"lot_id": "lot"}, {}, only({"tenderee"}, ok=302)),
    "lots.cancel_decide": ("POST", {"cancellation_id": "cancellation"}, {}, only({"supervisor"}, ok=302)),
    "lots.lot_retrade": ("POST", {"lot_id": "lot"}, {}, only({"tenderee", "staff"}, ok=302)),
    "lots.queue": ("GET", {}, None, only({"staff", "supervisor", "admin"})),
    "lots.announce": ("GET", {"lot_id": "approved_lot"}, None, only({"tenderee"})),
    "lots.clarify": ("POST", {"lot_id": "lot"}, {}, only({"tenderee"}, ok=302)),
    "lots.objection_raise": ("POST", {"lot_id": "lot"}, {}, only({"bidder"}, ok=302)),
    "lots.objection_answer": ("POST", {"objection_id": "objection"}, {}, only({"tenderee"}, ok=302)),
    # the table's lot is construction: a bidder's question is refused with the reason (back to the lot page); the
    # table's data has no question to answer
    "lots.question_ask": ("POST", {"lot_id": "lot"}, {}, only({"bidder"}, ok=302)),
    "lots.question_answer": ("POST", {"question_id": NONE}, {}, only({"tenderee"}, ok=404)),
    "lots.sign_up": ("POST", {"lot_id": "lot"}, {}, only({"bidder"}, ok=302)),
    "lots.documents_download": ("POST", {"lot_id": "lot"}, {"fingerprint": "ab12"}, only({"bidder"})),
    # the integrity pledges: a bidder reads its own, staff and the supervisor every one once the policy allows
    "lots.pledges_view": ("GET", {"lot_id": "lot"}, None, only({"bidder", "staff", "supervisor"})),
    # the live land trade (the demo's land parcel: tenderee1 acts for another authority, so it does not see it)
    "lots.board_json": ("GET", {"lot_id": "land_lot"}, None,
                        {**only({"bidder", "staff", "supervisor", "admin"}), "tenderee": 404}),
    "lots.board_live": ("GET", {"lot_id": "land_lot"}, None,
                        {**only({"bidder", "staff", "supervisor", "admin"}), "tenderee": 404}),
    "lots.paddle_apply": ("POST", {"lot_id": "land_lot"}, {}, only({"bidder"}, ok=302)),
    "lots.offer_place": ("POST", {"lot_id": "land_lot"}, {}, only({"bidder"}, ok=400)),
    "lots.bidding_join": ("POST", {"lot_id": "land_lot"}, {}, only({"bidder"}, ok=302)),
    "lots.reserve_seal": ("POST", {"lot_id": "land_lot"}, {}, {**only({"tenderee"}), "tenderee": 404}),
    "lots.reserve_reveal": ("POST", {"lot_id": "land_lot"}, {}, {**only({"tenderee"}), "tenderee": 404}),
    # before a deal there is no confirmation to read
    "lots.deal_confirmation": ("GET", {"lot_id": "land_lot"}, None,
                               {**only({"bidder", "staff", "supervisor", "admin"}, ok=404), "tenderee": 404}),
    # the land contract after a deal: the land authority registers it (tenderee1 is not the demo parcel's), staff
    # record a refusal (no reason given: refused, back to the lot page)
    "lots.land_contract": ("POST", {"lot_id": "land_lot"}, {}, {**only({"tenderee"}), "tenderee": 404}),
    "lots.land_contract_refused": ("POST", {"lot_id": "land_lot"}, {}, only({"staff"}, ok=302)),
    # the land deposits' refunds and a late land payment's credit event: the centre's staff alone (nothing to refund
    # and no schedule yet: refused, back to the lot page)
    "lots.land_refunds_make": ("POST", {"lot_id": "land_lot"}, {}, only({"staff"}, ok=302)),
    "lots.land_payment_credit": ("POST", {"lot_id": "land_lot", "seq": 1}, {}, only({"staff"}, ok=302)),
    # the live property trade (the demo's transfer in its disclosure: tenderee1 acts for another body, so it does not
    # see it): staff qualify (the pending applicant) or refuse (no reason given: refused, back to the lot page); an
    # agreement before the disclosure ends is refused (back to the lot page); the contract form without data likewise
    "lots.buyer_qualify": ("POST", {"lot_id": "property_lot", "registration_id": "property_applicant"}, {},
                           only({"staff"}, ok=302)),
    "lots.buyer_refuse": ("POST", {"lot_id": "property_lot", "registration_id": "property_applicant"}, {},
                          only({"staff"}, ok=302)),
    "lots.agreement_record": ("POST", {"lot_id": "property_lot"}, {},
                              {**only({"staff", "tenderee"}, ok=302), "tenderee": 404}),
    "lots.transfer_contract": ("POST", {"lot_id": "property_lot"}, {}, {**only({"tenderee"}), "tenderee": 404}),
    # the property follow-up: the transferor's pre-disclosure (tenderee1 is not the transferor: 404); staff record a
    # payment or a late one as a credit event (the demo lot has no contract yet, and the empty form is refused: back
    # to the lot page)
    "lots.pre_disclosure_publish": ("POST", {"lot_id": "property_lot"}, {}, {**only({"tenderee"}), "tenderee": 404}),
    "lots.payment_outside": ("POST", {"lot_id": "property_lot"}, {}, only({"staff"}, ok=302)),
    "lots.payment_late": ("POST", {"lot_id": "property_lot"}, {}, only({"staff"}, ok=302)),
    # the simulated online bank: every logged-in user sees its organisation's account (or that it has none)
    "bank.account": ("GET", {}, None, {role: LOGIN if role == "anonymous" else 200 for role in ROLES}),
    # sealed bids
    "bids.bid_page": ("GET", {"lot_id": "lot"}, None, only({"bidder"})),
    "bids.bid_upload": ("POST", {"lot_id": "lot"}, {}, only({"bidder"}, ok=302)),
    "bids.bid_seal": ("POST", {"lot_id": "lot"}, {}, only({"bidder"}, ok=302)),
    "bids.bid_withdraw": ("POST", {"lot_id": "lot"}, {}, only({"bidder"}, ok=302)),
    "bids.receipt": ("GET", {"receipt_id": "receipt"}, None, only({"bidder"})),
    "bids.receipt_json": ("GET", {"receipt_id": "receipt"}, None, only({"bidder"})),
    "bids.lot_key": ("GET", {"lot_id": "lot"}, None, ALL),
    "bids.receipt_key": ("GET", {}, None, ALL),
    "bids.ca_certificate": ("GET", {}, None, ALL),
    "bids.certificates": ("GET", {}, None, only({"bidder"})),
    "bids.certificate_list": ("GET", {}, None, only({"staff", "supervisor", "admin"})),
    "bids.certificate_revoke": ("POST", {"certificate_id": "certificate"}, {}, only({"staff"}, ok=302)),
    # the tool's endpoint: without HTTP Basic credentials everyone gets 415 for a form post (wrong type)
    "bids.api_submit": ("POST", {"lot_id": "lot"}, {}, {role: 415 for role in ROLES}),
    # the expert pool and the draws (the phone page plays an expert's phone)
    "experts.expert_list": ("GET", {}, None, only({"admin", "staff", "supervisor"})),
    "experts.expert_new": ("GET", {}, None, only({"admin"})),
    "experts.expert_view": ("GET", {"expert_id": "expert"}, None, only({"admin", "staff", "supervisor"})),
    "experts.expert_status": ("POST", {"expert_id": "expert"}, {}, only({"admin"}, ok=302)),
    "experts.expert_tie": ("POST", {"expert_id": "expert"}, {}, only({"admin"}, ok=302)),
    "experts.expert_penalty": ("POST", {"expert_id": "expert"}, {}, only({"admin"}, ok=302)),
    "experts.expert_import": ("POST", {}, {}, only({"admin"}, ok=302)),
    "experts.lot_draws": ("GET", {"lot_id": "lot"}, None, only({"staff", "supervisor"})),
    "experts.draw_view": ("GET", {"draw_id": "draw"}, None, only({"staff", "supervisor", "tenderee"})),
    "experts.draw_advance": ("POST", {"draw_id": "draw"}, {}, only({"staff", "supervisor"}, ok=302)),
    "experts.draw_record": ("GET", {"draw_id": "draw"}, None, only({"supervisor"}, ok=302)),
    "experts.phone": ("GET", {}, None, only({"expert", "admin"})),
    "experts.phone_call": ("GET", {"call_id": "call"}, None, only({"expert", "admin"}, ok=404)),
    "experts.phone_audio": ("GET", {"call_id": "call"}, None, only({"expert", "admin"}, ok=404)),
    # the opening room (the demo lot is still announced: no record yet, release refused with the reason)
    "opening.page": ("GET", {"lot_id": "lot"}, None, {"anonymous": LOGIN, "admin": 403, "expert": 403,
                                                        "bidder": 200, "staff": 200, "supervisor": 200,
                                                        "tenderee": 200}),
    "opening.state": ("GET", {"lot_id": "lot"}, None, {"anonymous": LOGIN, "admin": 403, "expert": 403,
                                                         "bidder": 200, "staff": 200, "supervisor": 200,
                                                         "tenderee": 200}),
    "opening.live_events": ("GET", {"lot_id": "lot"}, None, {"anonymous": LOGIN, "admin": 403, "expert": 403,
                                                               "bidder": 200, "staff": 200, "supervisor": 200,
                                                               "tenderee": 200}),
    "opening.export": ("GET", {"lot_id": "lot"}, None, {"anonymous": LOGIN, "admin": 403, "expert": 403,
                                                          "bidder": 200, "staff": 200, "supervisor": 200,
                                                          "tenderee": 200}),
    "opening.release": ("POST", {"lot_id": "lot"}, {}, only({"staff", "supervisor", "tenderee"}, ok=302)),
    "opening.objection": ("POST", {"lot_id": "lot"}, {}, only({"bidder"}, ok=302)),
    "opening.share_file": ("GET", {"lot_id": "lot"}, None, only({"staff", "supervisor", "tenderee"}, ok=302)),
    "opening.release_file": ("POST", {"lot_id": "lot"}, {}, only({"staff", "supervisor", "tenderee"}, ok=302)),
    # key holders: one's own key, the supervisors' approvals, changes of a lot's holder (refused with the reason)
    "holders.my_key": ("GET", {}, None, only({"staff", "supervisor", "tenderee"})),
    "holders.pending": ("GET", {}, None, only({"supervisor"})),
    "holders.approve": ("POST", {"user_id": "spare_user"}, {}, only({"supervisor"}, ok=302)),
    "holders.change_request": ("POST", {"lot_id": "lot"}, {}, only({"staff"}, ok=302)),
    "holders.change_decide": ("POST", {"change_id": NONE}, {}, only({"supervisor"}, ok=404)),
    # (the fixture's objection is one to the documents, not to an opening: staff find no such opening objection)
    "opening.answer": ("POST", {"objection_id": "objection"}, {}, only({"staff"}, ok=404)),
    # the evaluation room (the demo lot is still announced: nothing to evaluate yet, so members' routes 404)
    "evaluation.mine": ("GET", {}, None, only({"expert"})),
    "evaluation.start": ("POST", {"lot_id": "lot"}, {}, only({"staff"}, ok=302)),
    "evaluation.fail": ("POST", {"lot_id": "lot"}, {}, only({"staff"}, ok=302)),
    "evaluation.overview": ("GET", {"lot_id": "lot"}, None, only(ROOM_READERS, ok=404)),
    "evaluation.report": ("GET", {"lot_id": "lot"}, None, only(ROOM_READERS, ok=404)),
    "evaluation.room_page": ("GET", {"evaluation_id": NONE}, None, only({"expert"}, ok=404)),
    "evaluation.statement": ("POST", {"evaluation_id": NONE}, {}, only({"expert"}, ok=404)),
    "evaluation.chair": ("POST", {"evaluation_id": NONE}, {}, only({"expert"}, ok=404)),
    "evaluation.mark": ("POST", {"evaluation_id": NONE}, {}, only({"expert"}, ok=404)),
    "evaluation.bid_file": ("GET", {"evaluation_id": NONE, "bid_id": "bid", "index": 0}, None,
                            only({"expert"}, ok=404)),
    "evaluation.decide": ("POST", {"evaluation_id": NONE, "case_id": NONE}, {}, only({"expert"}, ok=404)),
    "evaluation.submit": ("POST", {"evaluation_id": NONE}, {}, only({"expert"}, ok=404)),
    "evaluation.confirm": ("POST", {"evaluation_id": NONE}, {}, only({"expert"}, ok=404)),
    "evaluation.rate": ("POST", {"evaluation_id": NONE}, {}, only({"staff"}, ok=404)),
    "evaluation.explanations": ("GET", {"lot_id": "lot"}, None, only({"bidder"})),
    # result, contract, archive (bidder1 has a bid in the lot, so it reads the result page)
    "result.page": ("GET", {"lot_id": "lot"}, None, only({"staff", "supervisor", "tenderee", "bidder"})),
    "result.publish": ("POST", {"lot_id": "lot"}, {}, only({"staff", "tenderee"}, ok=302)),
    "result.objection": ("POST", {"lot_id": "lot"}, {}, only({"bidder"}, ok=302)),
    # the lot is no single-source lot: the refusal shows the lot page again with the reason
    "result.negotiation": ("POST", {"lot_id": "lot"}, {}, only({"tenderee"})),
    "result.answer": ("POST", {"objection_id": NONE}, {}, only({"tenderee"}, ok=404)),
    "result.award": ("POST", {"lot_id": "lot"}, {}, only({"tenderee"}, ok=302)),
    "result.contract": ("POST", {"lot_id": "lot"}, {}, only({"tenderee", "staff"}, ok=302)),
    "result.notices": ("GET", {"lot_id": "lot"}, None, only({"staff", "supervisor", "tenderee", "bidder"}, ok=404)),
    "result.make_archive": ("POST", {"lot_id": "lot"}, {}, only({"staff"}, ok=302)),
    "result.archive_download": ("GET", {"lot_id": "lot"}, None, only({"staff", "supervisor", "tenderee"}, ok=404)),
    "result.warnings": ("GET", {}, None, only({"supervisor", "staff"})),
    # statistics
    "stats.report": ("GET", {}, None, only({"supervisor", "staff"})),
    "stats.working": ("GET", {}, None, only({"supervisor", "staff"})),
    "stats.export": ("GET", {}, None, only({"supervisor", "staff"})),
    "stats.calibration": ("GET", {}, None, only({"supervisor", "staff"})),
    "stats.import_file": ("GET", {}, None, only({"staff", "admin"})),
    "stats.load_scenario": ("POST", {"name": "no-such-scenario"}, {}, only({"staff", "admin"}, ok=302)),
    # public pages
    "public.announcements": ("GET", {}, None, ALL),
    "public.announcement": ("GET", {"announcement_id": "announcement"}, None, ALL),
    # a pre-disclosure is public (tests/web/test_property_followup.py reads one); one that does not exist is not found
    "public.pre_disclosure": ("GET", {"pre_disclosure_id": NONE}, None, {role: 404 for role in ROLES}),
    "public.blacklist": ("GET", {}, None, ALL),
    # the public report form, for anyone; a follow-up code that opens no report is no page
    "public.report_new": ("GET", {}, None, ALL),
    "public.report_follow": ("GET", {"token": "no-such-follow-up-code-0123456789"}, None,
                             {role: 404 for role in ROLES}),
    "keys.index": ("GET", {}, None, ALL),
    "keys.key_file": ("GET", {"filename": "beacon.pub"}, None, ALL),
    # the JSON API v1: its document and reference page, the published facts (no token), and a bidder's own
    # records and bid upload, which take an API token only (a logged-in browser's cookie is no token: 401)
    "api-docs.openapi_json": ("GET", {}, None, ALL),
    "api_docs.reference": ("GET", {}, None, ALL),
    "api_public.announcements": ("GET", {}, None, ALL),
    "api_public.announcement": ("GET", {"announcement_id": "announcement"}, None, ALL),
    "api_public.lots": ("GET", {}, None, ALL),
    "api_public.lot": ("GET", {"lot_id": "lot"}, None, ALL),
    "api_public.results": ("GET", {}, None, ALL),
    "api_public.contracts": ("GET", {}, None, ALL),
    "api_public.keys": ("GET", {}, None, ALL),
    "api_public.statistics": ("GET", {}, None, {role: 422 for role in ROLES}),  # the period is required
    "api_public.blacklist": ("GET", {}, None, ALL),
    "api_public.changes": ("GET", {}, None, ALL),
    "api_ocds.release_package": ("GET", {}, None, ALL),
    "api_ocds.record_package": ("GET", {}, None, ALL),
    "api_bidder.registrations": ("GET", {}, None, {role: 401 for role in ROLES}),
    "api_bidder.deposits": ("GET", {}, None, {role: 401 for role in ROLES}),
    "api_bidder.bid_list": ("GET", {}, None, {role: 401 for role in ROLES}),
    "api_bidder.receipt": ("GET", {"receipt_id": "receipt"}, None, {role: 401 for role in ROLES}),
    "api_bidder.bid_upload": ("POST", {"lot_id": "lot"}, {}, {role: 401 for role in ROLES}),
    "api_tenderee.lots": ("GET", {}, None, {role: 401 for role in ROLES}),
    "api_tenderee.lot": ("GET", {"lot_id": "lot"}, None, {role: 401 for role in ROLES}),
    "api_supervision.warnings": ("GET", {}, None, {role: 401 for role in ROLES}),
    "api_supervision.warning": ("GET", {"warning_id": NONE}, None, {role: 401 for role in ROLES}),
    "api_supervision.correction_list": ("GET", {}, None, {role: 401 for role in ROLES}),
    "api_supervision.correction": ("GET", {"order_id": NONE}, None, {role: 401 for role in ROLES}),
}
IGNORED = {"static", "bootstrap.static"}


def test_every_route_has_a_row(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED
    assert endpoints - set(TABLE) == set(), "add these routes to the permission table"
    assert set(TABLE) - endpoints == set(), "these rows name routes that no longer exist"


@pytest.fixture
def clients(app, demo):
    """One logged-in client per role, plus an anonymous one, and the ids the routes need."""
    with app.app_context():
        lot_ids = _demo_lots()
    result = {"anonymous": app.test_client()}
    for role, username in USERNAMES.items():
        client = app.test_client()
        assert login(client, username).status_code == 302
        result[role] = client
    with app.app_context():
        ids = {"spare_org": db.session.scalar(sa.select(Organisation.id).where(Organisation.org_type == "bidder")),
               "spare_user": db.session.scalar(sa.select(User.id).where(User.username == "bidder6")), **lot_ids}
    return result, ids


def _demo_lots() -> dict[str, int]:
    """The demo lots, a pending cancellation and an open objection; their ids by name."""
    from tests.conftest import FIXED_NOW
    from trading.models import Announcement, Attachment, Lot, MethodApproval, Registration
    from trading.services import cancellation, objections
    from trading.simulate import demo as demo_data, lots as walk

    demo_data.load_lots(current_platform(), db.session, FIXED_NOW)
    demo_data.load_property_lot(current_platform(), db.session, FIXED_NOW)
    people = walk.cast(db.session)
    lot = walk.existing(db.session, "construction")
    property_lot = walk.existing(db.session, "property")
    bid = _demo_bid(lot, people)
    request = cancellation.request_cancel(db.session, people.land_tenderee, FIXED_NOW, property_lot, "转让方决策变更")
    objection = objections.raise_objection(current_platform(), db.session, people.bidders[0], FIXED_NOW, lot,
                                           "招标文件资格条件中对项目经理的要求过高，排斥潜在投标人。")
    db.session.commit()
    first = lambda model, **kw: db.session.scalar(sa.select(model.id).filter_by(**kw))  # noqa: E731
    return {"project": lot.project_id, "lot": lot.id, "approval": first(MethodApproval, lot_id=lot.id),
            "attachment": first(Attachment, lot_id=lot.id), "announcement": first(Announcement, lot_id=lot.id),
            "approved_lot": walk.existing(db.session, "procurement").id, "cancellation": request.id,
            "land_lot": walk.existing(db.session, "land").id,
            "property_lot": walk.existing(db.session, "property-disclosure").id,
            "property_applicant": db.session.scalar(sa.select(Registration.id).where(
                Registration.lot_id == walk.existing(db.session, "property-disclosure").id,
                Registration.bidder_id == people.bidders[5].organisation_id)),
            "objection": objection.id, "draft_lot": first(Lot, state="draft"), "bid": bid.id,
            "receipt": bid.receipt["receipt_id"],
            "certificate": first(BidderCertificate), **_demo_draw(lot, people)}


def _demo_draw(lot, people) -> dict:
    """The demo expert pool and a committed draw for the construction lot."""
    from datetime import timedelta

    from tests.conftest import FIXED_NOW
    from trading.services import draws
    from trading.simulate import experts as demo_experts

    demo_experts.load(current_platform(), db.session, FIXED_NOW)
    draw = draws.create(current_platform(), db.session, people.staff, FIXED_NOW, lot, wanted=[("A080201", 4, 1)],
                        exclude_same_region=False, evaluation_at=FIXED_NOW + timedelta(days=25), place="评标室")
    db.session.commit()
    return {"draw": draw.id, "expert": draw.snapshot["A080201"][0], "call": "no-such-call"}


def _demo_bid(lot, people):
    """A bid of bidder1 (certificate issued, deposit paid by the demo) for the construction lot."""
    import io

    from tests.conftest import FIXED_NOW
    from trading.domain import pki
    from trading.domain.sealing import envelope
    from trading.services import bids, keys

    bidder = people.bidders[0]
    key_file, pem = keys.issue_certificate(current_platform(), db.session, bidder, FIXED_NOW, "keypass2026")
    out = io.BytesIO()
    envelope.seal(out, lot_code=lot.deal_code, bidder_code=bidder.organisation.credit_code,
                  lot_public_key=keys.opening_key_of(db.session, lot).public_key, price_form={"price": "1.00",
                  "duration": "1"}, files=[], signer=pki.load_private_key(key_file, "keypass2026"), certificate_pem=pem)
    return bids.submit(current_platform(), db.session, bidder, lot, io.BytesIO(out.getvalue()))


def test_role_x_endpoint(app, clients):
    """Every row of the table, against one set of demo data (built once: the rows do not change it)."""
    from flask import url_for

    by_role, ids = clients
    wrong = {}
    for endpoint in sorted(TABLE):
        method, args, data, expected = TABLE[endpoint]
        with app.test_request_context():
            url = url_for(endpoint, **{key: ids.get(value, value) for key, value in args.items()})
        got = {}
        for role in ROLES:
            response = by_role[role].open(url, method=method, data=data)
            got[role] = response.status_code
            if endpoint == "auth.logout" and role != "anonymous":  # log back in for the next rows
                login(by_role[role], USERNAMES[role])
        if got != expected:
            wrong[endpoint] = {role: (got[role], expected[role]) for role in ROLES if got[role] != expected[role]}
    assert wrong == {}, "endpoint: {role: (got, expected)}"

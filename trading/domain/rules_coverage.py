"""Where each rule of the law's table is checked and the test at its edge, or why it is not enforced: the data of
docs/RULES.md, which ``flask rules show --markdown`` prints (``markdown``) and a test keeps in step with the code
(every rule listed once, every test named exists, the committed file is what the command prints).
"""

from __future__ import annotations

from dataclasses import dataclass

from .rules import RULES, TRADE_TYPES, RuleSet


@dataclass(frozen=True)
class Coverage:
    """Where a rule is checked (module: what) and the test at its edge (path::name); or, when ``checked`` is None,
    why it is not enforced (``note``). ``note`` may add a remark to an enforced rule."""

    checked: str | None
    test: str | None = None
    note: str = ""


def C(checked: str, test: str, note: str = "") -> Coverage:  # noqa: N802 - reads as a table
    return Coverage(checked, test, note)


def N(note: str) -> Coverage:  # noqa: N802
    return Coverage(None, None, note)


SCHEDULE = "tests/domain/test_schedule.py::test_refusals_name_field_and_rule"
PRICE_WEIGHT = ("tests/domain/test_scoring.py::"
                "test_the_procurement_price_weight_is_refused_one_point_under_the_order_87_minimum")
RESULT_LIMITS = "tests/services/test_result_limits.py"
AUCTION = "tests/domain/test_auction.py"
PROPERTY = "tests/domain/test_property_trade.py"
PROPERTY_SERVICES = "tests/services/test_property_trades.py"
SEALED = "tests/domain/test_sealed_round.py"
SEALED_SERVICES = "tests/services/test_sealed_rounds.py"
LAND_CONTRACTS = "tests/services/test_land_contracts.py"
LAND_PAYMENTS = "tests/services/test_land_payments.py"
LAND_PAYMENT_RULES = "tests/domain/test_land_payments.py"
SCREENS = "tests/domain/test_screens.py::"
STORED = "; stored at the opening for the supervisor's decision (services/screens.py record)"
DEEMED = ("not enforced: deeming bids collusive is the supervisor's finding (a referral, services/screens.py decide); "
          "the screens stored at the opening point at it: {what}")

COVERAGE: dict[str, Coverage] = {
    # construction tendering
    "construction.bid_window": C("domain/schedule.py: the announcement's timetable",
                                 "tests/web/test_rules_in_force.py::test_a_centres_25_day_window_is_proposed_and_24_days_refused"),
    "construction.document_sale_window": C("domain/schedule.py: documents_until", SCHEDULE),
    "construction.clarification": C("domain/schedule.py after_clarification: a late change moves the deadline",
                                    "tests/services/test_lots.py::test_a_late_clarification_moves_the_deadline_and_says_so"),
    "construction.objection_documents": C("services/objections.py: objections close at the cut-off",
                                          "tests/domain/test_schedule.py::test_objection_window"),
    "construction.objection_answer": C("services/objections.py: the answer's due date; late answers are warned",
                                       "tests/domain/test_schedule.py::test_objection_answer_due"),
    "construction.objection_pause": C("services/objections.py is_paused: no sign-up, bid or opening meanwhile",
                                      "tests/services/test_lots.py::test_objections_pause_the_lot_until_answered_and_close_ten_days_before"),
    "construction.bidders_confidential": C("services/visibility.py: who may see sign-ups and bids before the opening",
                                           "tests/security/test_disclosure.py::test_before_the_deadline_no_page_tells_who_bid_or_who_was_drawn"),
    "construction.deposit_cap": C("domain/schedule.py check_deposit: at filing",
                                  "tests/domain/test_schedule.py::test_deposit_cap"),
    "construction.deposit_validity": N("not enforced: a condition the documents state; the deposit is held until "
                                       "it is refunded, whatever the bid's validity"),
    "construction.deposit_refund_withdrawn": C("services/bids.py withdraw: refunded at once",
                                               "tests/services/test_bids.py::test_withdrawal_before_the_deadline_refunds_the_deposit_with_a_receipt"),
    "construction.termination_refund": C("services/cancellation.py decide_cancel: deposits.release_on_termination "
                                         "refunds every held deposit with interest at once",
                                         "tests/services/test_lots.py::test_a_terminated_tender_refunds_every_deposit_"
                                         "with_interest_once"),
    "procurement.termination_refund": C("services/cancellation.py decide_cancel: deposits.release_on_termination "
                                        "refunds every held deposit with interest at once (within the 5 working days)",
                                        "tests/services/test_lots.py::test_a_terminated_tender_refunds_every_deposit_"
                                        "with_interest_once"),
    "construction.deposit_refund": C("services/result.py: refunds at the award and the contract, late ones warned",
                                     "tests/services/test_deposits.py::test_refunds_go_back_to_the_paying_account_with_interest"),
    "construction.min_bids": C("services/opening.py check_quorum: fewer bids fail the lot unopened",
                               "tests/services/test_opening.py::test_fewer_than_three_bids_fail_the_lot_unopened"),
    "construction.committee_size": C("domain/scoring.py check_committee: at the evaluation's start",
                                     "tests/domain/test_scoring.py::test_too_small_even_and_short_of_experts_are_refused_with_their_rule"),
    "construction.committee_experts_share": C("domain/scoring.py check_committee",
                                              "tests/domain/test_scoring.py::test_exactly_two_thirds_experts_is_enough"),
    "construction.committee_secret": C("services/draws.py and visibility: the panel is the supervisor's until the "
                                       "evaluation",
                                       "tests/services/test_draws.py::test_names_are_for_the_supervisor_until_the_evaluation"),
    "construction.expert_recusal": C("domain/drawing recuse: employer, kin, regulator, penalties, ties to a bidder",
                                     "tests/domain/test_drawing.py::test_penalised_experts_the_regulators_staff_and_ties_to_a_bidder_are_recused"),
    "construction.max_candidates": C("domain/scoring.py: at most 3 ranked candidates",
                                     "tests/domain/test_scoring.py::test_lowest_price_with_an_even_committee"),
    "construction.publicity_publish": C("services/result.py warnings: a supervisor's warning on the day after the 3rd",
                                        f"{RESULT_LIMITS}::test_candidates_published_on_the_third_day_after_the_report_are_in_time_on_the_fourth_late"),
    "construction.publicity_period": C("services/result.py publish: the award waits for its end",
                                       "tests/services/test_evaluation.py::test_the_full_life_of_a_construction_lot_to_the_contract_with_refunds"),
    "construction.publicity_objection_answer": C("services/result.py: the award waits; a late answer is warned",
                                                 "tests/services/test_evaluation.py::test_the_full_life_of_a_construction_lot_to_the_contract_with_refunds"),
    "construction.award_first_candidate": C("services/result.py award",
                                            "tests/services/test_evaluation.py::test_the_full_life_of_a_construction_lot_to_the_contract_with_refunds"),
    "construction.contract_deadline": C("services/result.py: a contract registered late is marked and warned",
                                        "tests/services/test_evaluation.py::test_the_full_life_of_a_construction_lot_to_the_contract_with_refunds"),
    "construction.performance_bond_cap": C("services/result.py register_contract",
                                           f"{RESULT_LIMITS}::test_a_performance_bond_of_ten_percent_is_taken_and_one_yuan_more_refused",
                                           "the test runs on a procurement package; one check serves both rules"),
    "construction.abnormally_low_price": C("domain/scoring.py and services/evaluation.py: explanation and decision",
                                           "tests/domain/test_scoring.py::test_abnormally_low_flag_against_the_mean_of_the_valid_bids"),
    "construction.collusion_same_preparer": N(DEEMED.format(what="one author with one program in several bidders' "
                                                                  "documents (screen.document_metadata)")),
    "construction.collusion_same_manager": N(DEEMED.format(what="one project manager's registration number in "
                                                                "several bids (screen.shared_people)")),
    "construction.collusion_alike_files": N(DEEMED.format(what="identical document fingerprints "
                                                                "(screen.identical_documents)")),
    "construction.collusion_price_pattern": N(DEEMED.format(what="prices in an arithmetic, geometric or equal "
                                                                  "pattern (screen.pattern_tolerance)")),
    "construction.collusion_mixed_files": N(DEEMED.format(what="not yet: the files' contents are not compared")),
    "construction.collusion_same_account": C("services/deposits.py shared_payer_accounts: flagged for the supervisor",
                                             "tests/services/test_deposits.py::test_one_account_paying_for_two_bidders_is_flagged"),
    "construction.must_tender_threshold": C("domain/rules.py check_method: at the method's request",
                                            "tests/domain/test_rules.py::test_check_method_uses_the_centres_threshold"),
    "construction.methods": C("domain/rules.py check_method",
                              "tests/services/test_lots.py::test_a_method_the_law_forbids_is_refused_by_rule"),
    # electronic bidding
    "electronic.bid_deadline": C("domain/lifecycle.py submit_bid: judged when the upload completes",
                                 "tests/domain/test_lifecycle.py::test_a_bid_at_the_deadline_is_refused_naming_the_deadline_rule"),
    "electronic.encrypted_bids": C("domain/sealing: the envelope is checked at upload, a receipt signed",
                                   "tests/domain/test_envelope.py::test_a_flipped_byte_is_refused_at_upload_and_at_opening"),
    "electronic.no_early_decrypt": C("services/opening.py: no share is released before the deadline",
                                     "tests/services/test_opening.py::test_no_share_is_released_before_the_deadline"),
    "electronic.opening_at_deadline": C("domain/schedule.py: the opening is at the deadline", SCHEDULE),
    "electronic.decryption_failure": C("domain/sealing/opener.py: revoked or withdrawn, the rest open",
                                       "tests/services/test_opening.py::test_a_bid_the_platform_cannot_read_is_deemed_withdrawn_and_the_opening_goes_on"),
    "electronic.logs": C("services/audit.py: the hash-chained log; the archive carries the lot's extract",
                         "tests/domain/test_audit_chain.py::test_an_edited_payload_is_found_at_its_sequence"),
    # government procurement
    "procurement.methods": C("domain/rules.py check_method",
                             "tests/domain/test_rules.py::test_check_method"),
    "procurement.inquiry_goods_only": C("domain/rules.py check_method",
                                        "tests/domain/test_rules.py::test_check_method"),
    "procurement.tender_window": C("domain/schedule.py",
                                   "tests/web/test_rules_in_force.py::test_a_centres_25_day_window_is_proposed_and_24_days_refused"),
    "procurement.min_suppliers": C("services/opening.py check_quorum",
                                   "tests/domain/test_lifecycle.py::test_refusals_name_the_rule_of_the_trade_type"),
    "procurement.deposit_cap": C("domain/schedule.py check_deposit", "tests/domain/test_schedule.py::test_deposit_cap"),
    "procurement.deposit_refund": C("services/result.py: due dates in working days; late refunds warned",
                                    "tests/services/test_evaluation.py::test_the_life_of_a_procurement_package_with_a_one_working_day_result_notice"),
    "procurement.late_refund_interest": C("services/deposits.py refund (domain/refunds.py): the overdue charge and its "
                                          "working, shown with the refund",
                                          f"{RESULT_LIMITS}::test_a_procurement_deposit_refunded_a_day_late_earns_the_central_bank_rate_plus_20_percent"),
    "procurement.evaluation_methods": C("services/evaluation.py start: the documents' method",
                                        "tests/domain/test_scoring.py::test_lowest_price_with_an_even_committee",
                                        "a package of standard goods may still choose comprehensive scoring"),
    "procurement.price_weight_goods": C("domain/scoring.py clean_criteria: the criteria at filing", PRICE_WEIGHT),
    "procurement.price_weight_services": C("domain/scoring.py clean_criteria: the criteria at filing", PRICE_WEIGHT),
    "procurement.price_score_formula": C("domain/scoring.py comprehensive",
                                         "tests/domain/test_scoring.py::test_comprehensive_by_mean_worked_by_hand"),
    "procurement.committee_size": C("domain/scoring.py check_committee",
                                    "tests/domain/test_scoring.py::test_too_small_even_and_short_of_experts_are_refused_with_their_rule"),
    "procurement.committee_experts_share": C("domain/scoring.py check_committee",
                                             "tests/domain/test_scoring.py::test_too_small_even_and_short_of_experts_are_refused_with_their_rule"),
    "procurement.committee_large_size": C("domain/committee.py check_committee, with the tenderee's complex mark",
                                          "tests/domain/test_scoring.py::test_large_complex_procurement_needs_seven"),
    "procurement.committee_large_budget": C("domain/scoring.py check_committee",
                                            "tests/domain/test_scoring.py::test_large_complex_procurement_needs_seven"),
    "procurement.group_size": C("domain/committee.py: check_committee (negotiation, inquiry)",
                                "tests/domain/test_methods.py::test_negotiation_inquiry_and_consultation_groups_of_three"),
    "procurement.group_experts_share": C("domain/committee.py: check_committee (negotiation, inquiry)",
                                         "tests/domain/test_methods.py::test_negotiation_inquiry_and_consultation_groups_of_three"),
    "procurement.group_min_suppliers": C("domain/methods.py: min_bids_rule (the opening's minimum)",
                                         "tests/domain/test_methods.py::test_each_method_has_its_minimum_of_responses"),
    "procurement.consultation_window": C("domain/schedule.py: the consultation plan", SCHEDULE),
    "procurement.consultation_clarification": C("domain/schedule.py: the consultation plan", SCHEDULE),
    "procurement.negotiation_window": C("domain/schedule.py: the negotiation plan", SCHEDULE),
    "procurement.report_to_purchaser": C("services/result.py warnings: from the chair's report to every member's "
                                         "confirmation, when the purchaser has it",
                                         f"{RESULT_LIMITS}::test_the_procurement_report_reaches_the_purchaser_in_2_working_days_and_the_decision_comes_in_5"),
    "procurement.purchaser_decision": C("services/result.py warnings: from the report's confirmation to the result "
                                        "published",
                                        f"{RESULT_LIMITS}::test_the_procurement_report_reaches_the_purchaser_in_2_working_days_and_the_decision_comes_in_5"),
    "procurement.result_publication": N("met by construction: on this platform the purchaser decides by publishing "
                                        "the result (services/result.py publish), so the result is out the moment it "
                                        "is decided; the decision's own limit is warned"),
    "procurement.result_period": C("services/result.py publish: the award waits for its end",
                                   "tests/services/test_evaluation.py::test_the_life_of_a_procurement_package_with_a_one_working_day_result_notice"),
    "procurement.contract_deadline": C("services/result.py: a contract registered late is marked and warned",
                                       "tests/services/test_evaluation.py::test_the_full_life_of_a_construction_lot_to_the_contract_with_refunds",
                                       "the same check as construction's 30 days"),
    "procurement.contract_publication": C("services/result.py warnings: the registration publishes the contract on "
                                          "the public announcement page",
                                          f"{RESULT_LIMITS}::test_the_contract_is_published_within_2_working_days_of_its_signing"),
    "procurement.performance_bond_cap": C("services/result.py register_contract",
                                          f"{RESULT_LIMITS}::test_a_performance_bond_of_ten_percent_is_taken_and_one_yuan_more_refused"),
    "procurement.files_kept": C("services/archive.py: keep_until recorded; dispose refused before it",
                                "tests/services/test_archive_retention.py::test_an_archive_is_kept_fifteen_years_and_disposed_of_only_after",
                                "every trade type's archive is kept as long"),
    "procurement.recusal_years": C("domain/drawing recuse: ties that ended within the years, procurement lots",
                                   "tests/domain/test_drawing.py::test_penalised_experts_the_regulators_staff_and_ties_to_a_bidder_are_recused"),
    # land
    "land.methods": C("domain/rules.py check_method", "tests/domain/test_rules.py::test_check_method"),
    "land.announcement_period": C("domain/schedule.py", SCHEDULE),
    "land.listing_period": C("domain/schedule.py", SCHEDULE),
    "land.listing_end": C("domain/auction.py decide; services/auctions.py: the clock step decides at the window's "
                          "close", f"{AUCTION}::test_the_highest_offer_wins_and_the_earliest_of_equal_offers"),
    "land.reserve_price": C("domain/auction.py decide and check_reveal: a sealed commitment, revealed after the end",
                            f"{AUCTION}::test_one_offer_at_the_reserve_sells_below_it_does_not_and_none_is_no_deal"),
    "land.increments": C("domain/auction.py check_amount: the grid above the highest, under the lot's row lock",
                         f"{AUCTION}::test_a_later_offer_must_rise_by_at_least_one_increment_on_the_grid"),
    "land.equal_offers": C("domain/auction.py highest: the lowest per-lot sequence of equal offers",
                           f"{AUCTION}::test_the_highest_offer_wins_and_the_earliest_of_equal_offers"),
    "land.online_bidding": C("domain/auction.py check_join: a valid listing offer is needed to join",
                             f"{AUCTION}::test_only_bidders_with_a_listing_offer_join_and_only_within_the_window"),
    "land.confirmation_window": C("domain/auction.py check_join and Terms.confirmation_end",
                                  f"{AUCTION}::test_only_bidders_with_a_listing_offer_join_and_only_within_the_window"),
    "land.countdown": C("domain/auction.py check_bidding_time: each offer restarts it; a late offer names its time",
                        f"{AUCTION}::test_each_accepted_offer_restarts_the_countdown_and_one_after_it_ran_out_is_refused_with_its_time"),
    "land.reserve_lead": C("domain/auction.py check_reserve_time",
                           f"{AUCTION}::test_the_reserve_is_set_at_the_latest_thirty_minutes_before_the_end"),
    "land.own_highest": C("domain/auction.py check_not_own_highest",
                          f"{AUCTION}::test_the_holder_of_the_highest_offer_may_not_raise_it_itself"),
    "land.paddle_numbers": N("not yet checked by a test of its own: the board names paddle numbers only "
                             "(services/auctions.py board) and domain/visibility.py hides who takes part in a "
                             "listing or an auction until its result"),
    "land.deposit_refund": C("services/auction_results.py orders each refund at the trade's end (deal, 流拍, "
                             "cancellation) with this due date; services/land_refunds.py: staff make it once, without "
                             "interest; domain/monitoring.py: overdue after it on the dashboard and in the warnings",
                             f"{LAND_PAYMENTS}::test_the_unsuccessful_deposit_is_refunded_by_staff_without_interest_"
                             "and_is_overdue_after_five_working_days",
                             "the law says 不计利息 (no interest), not the issue's \"with interest\""),
    "land.deposit_to_price": C("services/land_contracts.py register: the winner's deposit is transferred from its "
                               "sub-account to the land authority's account with the land contract",
                               f"{LAND_CONTRACTS}::test_the_land_authority_registers_the_contract_in_time_and_the_"
                               "deposit_becomes_part_of_the_price"),
    "land.contract_deadline": C("services/land_contracts.py: contract_due at the deal (in the 成交确认书), register "
                                "refuses after it, the clock step voids the deal",
                                f"{LAND_CONTRACTS}::test_a_contract_after_its_due_time_is_refused_naming_the_rule"),
    "land.contract_refused": C("services/land_contracts.py refuse (staff) and lapse (the clock step): the lot fails, "
                               "the deposit is forfeited to the land authority, a credit event",
                               f"{LAND_CONTRACTS}::test_staff_record_the_winner_refusing_to_sign_and_the_deal_is_void"),
    "land.first_payment": C("domain/land_payments.py check_schedule (the land contract's schedule); "
                            "domain/monitoring.py: an instalment unpaid after its day is overdue",
                            f"{LAND_PAYMENT_RULES}::test_the_first_payment_is_at_least_half_within_one_month"),
    "land.payment_term": C("domain/land_payments.py check_schedule; domain/contract_payments.py check_amount; "
                           "services/land_payments.py: "
                           "payments through the bank, late ones overdue and recorded in the credit records by staff",
                           f"{LAND_PAYMENT_RULES}::test_the_whole_price_is_paid_within_a_year"),
    # state property
    "property.methods": C("domain/rules.py check_method", "tests/domain/test_rules.py::test_check_method"),
    "property.disclosure": C("domain/schedule.py", SCHEDULE),
    "property.pre_disclosure": C("domain/property_disclosure.py check_formal_start, at the announcement "
                                 "(services/announcements.py publish; the pre-disclosure: services/pre_disclosures.py)",
                                 "tests/domain/test_property_disclosure.py::test_a_change_of_control_needs_a_pre_"
                                 "disclosure_of_20_working_days_before_the_formal_one"),
    "property.listing_price_floor": C("domain/property_terms.py: at filing and again at the announcement",
                                      "tests/domain/test_property_terms.py::test_the_first_listing_price_is_at_least_the_valuation"),
    "property.relist_approval": C("domain/property_terms.py: a later round below 90% needs the approval's reference",
                                  "tests/domain/test_property_terms.py::test_a_relisting_below_90_percent_of_the_valuation_needs_the_written_approval"),
    "property.competitive_bidding": C("services/property_trades.py end_disclosure (two or more qualified buyers bid "
                                      "online), domain/property_trade.py route",
                                      f"{PROPERTY}::test_the_disclosure_routes_by_the_number_of_qualified_buyers"),
    "property.result_publicity": C("domain/property_terms.py: the lot's publicity days at filing and announcement",
                                   "tests/domain/test_property_terms.py::test_the_result_is_publicised_for_at_least_5_working_days_or_the_centres_stricter_number"),
    "property.instalment_upfront": C("domain/property_terms.py: the payment terms at filing",
                                     "tests/domain/test_property_terms.py::test_instalments_are_at_least_30_percent_up_front_and_the_rest_within_a_year"),
    "property.instalment_term": C("domain/property_terms.py: the payment terms at filing",
                                  "tests/domain/test_property_terms.py::test_instalments_are_at_least_30_percent_up_front_and_the_rest_within_a_year"),
    "property.qualification": C("services/property_trades.py qualify/refuse (staff only, deposit in full first)",
                                f"{PROPERTY_SERVICES}::test_staff_qualify_a_buyer_only_once_its_deposit_is_in_and_refuse_"
                                "another_with_its_deposit_refunded"),
    "property.paddle_numbers": C("services/auctions.py board (paddle numbers only); domain/visibility.py",
                                 "tests/security/test_property_buyers.py::test_no_page_names_an_intending_buyer_"
                                 "before_the_deal"),
    "property.agreement_price": C("domain/property_trade.py check_agreement_price",
                                  f"{PROPERTY}::test_one_buyer_agrees_at_no_less_than_the_listing_price"),
    "property.increments": C("domain/auction.py check_amount (the property lot's terms)",
                             f"{AUCTION}::test_a_property_lots_bidding_names_the_property_rules"),
    "property.bidding_form": C("domain/property_terms.py check: the lot form's bidding form, kept with its terms",
                               f"{SEALED}::test_the_disclosure_chooses_the_bidding_form_multi_round_by_default"),
    "property.sealed_round": C("domain/property_trade.py route; services/sealed_rounds.py (the one sealed price, its "
                               "opening, the decision); domain/sealed_round.py check_submission",
                               f"{SEALED_SERVICES}::test_the_highest_price_at_or_above_the_listing_price_wins_and_the_"
                               "deal_follows_the_property_path"),
    "property.sealed_period": C("domain/sealed_round.py deadline and check_submission (a late price refused naming "
                                "when it arrived)",
                                f"{SEALED_SERVICES}::test_a_price_before_the_round_or_after_its_deadline_or_a_second_"
                                "one_is_refused"),
    "property.sealed_price_floor": C("domain/sealed_round.py decide: a price below the listing price is invalid",
                                     f"{SEALED_SERVICES}::test_prices_all_below_the_listing_price_are_invalid_and_the_"
                                     "lot_fails"),
    "property.sealed_equal_prices": C("domain/sealed_round.py decide: the earliest received of equal highest prices",
                                      f"{SEALED_SERVICES}::test_equal_highest_prices_go_to_the_one_received_first"),
    "property.bidding_notice": C("services/property_trades.py end_disclosure (bidding_start)",
                                 f"{AUCTION}::test_a_property_lots_bidding_names_the_property_rules"),
    "property.countdown": C("domain/auction.py check_bidding_time (the property lot's terms)",
                            f"{AUCTION}::test_a_property_lots_bidding_names_the_property_rules"),
    "property.own_highest": C("domain/auction.py check_not_own_highest",
                              f"{AUCTION}::test_a_property_lots_bidding_names_the_property_rules"),
    "property.deposit_to_price": C("services/auction_results.py conclude (the buyer's deposit applied)",
                                   f"{PROPERTY_SERVICES}::test_two_buyers_bid_online_and_the_highest_offer_when_the_"
                                   "countdown_runs_out_wins"),
    "property.deposit_refund": C("services/auction_results.py refund_due; services/property_trades.py refuse",
                                 f"{PROPERTY_SERVICES}::test_two_buyers_bid_online_and_the_highest_offer_when_the_"
                                 "countdown_runs_out_wins"),
    "property.settlement": C("services/property_payments.py open_collection (the collection sub-account under the "
                             "centre's settlement account), record_outside and domain/property_payments.py "
                             "check_outside_payment (the exception: the approving body's written opinion)",
                             "tests/services/test_property_followup.py::test_a_payment_settled_outside_the_centre_is_"
                             "the_exception_staff_record_with_the_written_opinion"),
    "property.payment_days": C("domain/property_trade.py check_contract",
                               f"{PROPERTY}::test_a_lump_sum_is_due_within_five_working_days_of_the_contract"),
    "property.instalment_guarantee": C("domain/property_trade.py check_contract",
                                       f"{PROPERTY}::test_instalments_need_30_percent_up_front_the_rest_within_a_"
                                       "year_a_guarantee_and_interest"),
    "property.lease_term": C("domain/property_terms.py _lease; domain/property_trade.py check_contract",
                             "tests/domain/test_property_terms.py::test_a_collective_lease_needs_the_assembly_"
                             "decision_and_at_most_20_years"),
    "property.collective_resolution": C("domain/property_terms.py _lease",
                                        "tests/domain/test_property_terms.py::test_a_collective_lease_needs_the_"
                                        "assembly_decision_and_at_most_20_years"),
    "property.no_buyer_revalue": C("domain/property_disclosure.py revaluation_due, check_revaluation: at the lot "
                                   "form and the announcement, counting from Lot.first_disclosure_at; a disclosure "
                                   "that ends without a qualified buyer fails naming it (services/auction_results.py)",
                                   "tests/domain/test_property_disclosure.py::test_a_relisting_past_twelve_months_"
                                   "needs_a_new_valuation_with_its_number_approver_and_date"),
    # early-warning screens
    "screen.min_bids": C("domain/screens.py price_figures: no price figure below 3 bids" + STORED,
                         SCREENS + "test_fewer_than_three_bids_are_not_screened"),
    "screen.cv_threshold": C("domain/screens.py price_figures: CV past 0.06 and below the kind's lower fence" + STORED,
                             SCREENS + "test_the_coefficient_of_variation_trips_just_below_6_percent_and_not_at_it"),
    "screen.rd_threshold": C("domain/screens.py price_figures: RD past 1 and above the kind's upper fence" + STORED,
                             SCREENS + "test_the_relative_distance_trips_above_1_when_the_kind_is_spread"),
    "screen.diffp_iqr_factor": C("domain/screens.py price_figures: DIFFP outside the kind's fences" + STORED,
                                 SCREENS + "test_diffp_is_judged_against_the_fences_of_earlier_lots_of_the_kind"),
    "screen.fence_iqr_factor": C("domain/screens.py price_figures: the log-scale fences of CV and RD" + STORED,
                                 SCREENS + "test_an_rd_past_the_benchmark_signals_only_above_the_upper_fence_of_its_"
                                           "kind"),
    "screen.fence_min_lots": C("domain/screens.py price_figures: no fences (figures shown, not signalled) before 8 "
                               "earlier lots of the kind" + STORED,
                               SCREENS + "test_a_cv_past_the_benchmark_signals_only_below_the_lower_fence_of_its_kind"),
    "screen.pattern_tolerance": C("domain/screens.py price_screens: arithmetic, geometric or equal prices" + STORED,
                                  SCREENS + "test_prices_in_a_regular_pattern_are_flagged_with_the_kind"),
    "screen.identical_prices": C("domain/screens.py identical_prices: one price shared by some of the bidders"
                                 + STORED, SCREENS + "test_two_bidders_at_one_price_beside_an_outsider_are_identical_"
                                                     "prices"),
    "screen.shared_device": C("domain/screens.py shared_values and close_uploads: the downloads' devices and "
                              "addresses, the uploads' addresses" + STORED,
                              SCREENS + "test_uploads_from_one_address_within_a_minute_by_two_bidders"),
    "screen.shared_account": C("services/deposits.py shared_payer_accounts; domain/screens.py shared_values" + STORED,
                               "tests/services/test_deposits.py::test_one_account_paying_for_two_bidders_is_flagged"),
    "screen.identical_documents": C("domain/screens.py DocumentFacts: each document's fingerprint, collected in the "
                                    "opening's one decryption pass" + STORED,
                                    SCREENS + "test_documents_give_their_fingerprint_and_author_with_software"),
    "screen.document_metadata": C("domain/screens.py DocumentFacts: author and creating software, collected in the "
                                  "opening's one decryption pass" + STORED,
                                  SCREENS + "test_a_large_document_is_read_in_chunks_keeping_only_its_ends"),
    "screen.shared_people": C("domain/screens.py people_named and shared_values: the project manager's registration "
                              "number each opened bid declares (项目经理注册编号)" + STORED,
                              SCREENS + "test_one_project_manager_named_by_two_bidders_is_one_person_however_written"),
    "screen.all_but_winner_disqualified": C("domain/screens.py all_but_winner_disqualified over the committee's "
                                            "report (services/evaluation.py submit_report runs the screens again)"
                                            + STORED,
                                            SCREENS + "test_the_evaluation_feeds_every_bid_but_the_winners_"
                                                      "disqualified_into_the_lots_screens"),
    "screen.rotation_min_lots": C("domain/screens.py rotation over the awarded lots of the same kind" + STORED,
                                  SCREENS + "test_three_bidders_taking_turns_to_win_in_three_lots_is_rotation_and_"
                                            "two_lots_are_not"),
    "screen.cover_min_losses": C("domain/screens.py cover_bidding over the awarded lots of the same kind" + STORED,
                                 SCREENS + "test_a_bidder_losing_three_times_to_one_winner_and_never_winning_is_"
                                           "cover_bidding"),
    "screen.suppression_min_lots": C("domain/screens.py bid_suppression over the awarded lots of the same kind and "
                                     "their sign-ups" + STORED,
                                     SCREENS + "test_a_bidder_standing_back_three_times_for_one_winner_and_again_"
                                               "here_is_bid_suppression"),
    # complaints
    "construction.complaint_window": C("domain/complaints.py check_complaint (the objection first, then 10 days)",
                                       "tests/services/test_complaints.py::test_a_complaint_is_taken_within_ten_days_of_knowing_and_refused_on_the_eleventh"),
    "construction.complaint_acceptance": C("services/complaints.py accept/refuse; a warning when overdue",
                                           "tests/services/test_complaints.py::test_the_supervisor_accepts_suspending_the_lot_and_decides_and_late_handling_is_warned"),
    "construction.complaint_decision": C("services/complaints.py decide; a warning when overdue",
                                         "tests/services/test_complaints.py::test_the_supervisor_accepts_suspending_the_lot_and_decides_and_late_handling_is_warned"),
    "construction.complaint_suspension": C("services/complaints.py accept(suspend=True) through services/suspension.py",
                                           "tests/services/test_complaints.py::test_the_supervisor_accepts_suspending_the_lot_and_decides_and_late_handling_is_warned"),
    # government procurement questions (质疑) and complaints
    "procurement.question_window": C("domain/complaints.py check_question; services/questions.py ask (signed-up "
                                     "suppliers only)",
                                     "tests/domain/test_procurement_complaints.py::"
                                     "test_a_question_is_taken_on_the_seventh_working_day_across_the_may_holiday_and_"
                                     "refused_the_next"),
    "procurement.question_answer": C("services/questions.py answer (the purchaser or its agency); a warning when "
                                     "overdue",
                                     "tests/services/test_procurement_complaints.py::test_an_unanswered_question_opens_the_complaint_when_overdue_and_is_warned"),
    "procurement.complaint_window": C("domain/complaints.py check_procurement_complaint (a question on the matter "
                                      "first, then 15 working days after the answer period)",
                                      "tests/services/test_procurement_complaints.py::test_a_complaint_after_the_window_is_refused"),
    "procurement.complaint_acceptance": C("services/complaints.py accept/refuse; a warning when overdue",
                                          "tests/services/test_procurement_complaints.py::test_question_answer_complaint_accept_and_decide"),
    "procurement.complaint_decision": C("services/complaints.py decide, due 30 working days from receipt; a warning "
                                        "when overdue",
                                        "tests/services/test_procurement_complaints.py::test_question_answer_complaint_accept_and_decide"),
    "procurement.complaint_suspension": C("services/complaints.py accept(suspend=True) through services/suspension.py; "
                                          "the clock step resumes the lot after 30 days (suspension.resume_lapsed)",
                                          "tests/services/test_procurement_complaints.py::"
                                          "test_a_suspension_on_a_complaint_ends_of_itself_after_thirty_days"),
    # credit records and the blacklist
    "credit.blacklist_period": C("domain/credit.py check_period, barred; services/credit.py (sign-up, bid, draw)",
                                 "tests/services/test_credit.py::test_only_the_supervisor_keeps_the_blacklist_and_a_period_over_three_years_is_refused"),
    "credit.collusion_bar": C("services/credit.py refuse_if_barred at the sign-up and the bid",
                              "tests/services/test_credit.py::test_a_blacklisted_bidder_cannot_sign_up_until_its_entry_ends_or_is_lifted"),
    "credit.false_materials": C("services/credit.py refuse_if_barred at the sign-up and the bid",
                                "tests/services/test_credit.py::test_a_blacklisted_bidder_cannot_sign_up_until_its_entry_ends_or_is_lifted"),
    "credit.expert_misconduct": C("domain/drawing recuse: blacklisted experts left out",
                                  "tests/services/test_credit.py::test_a_blacklisted_expert_is_left_out_of_the_draw_with_the_reason"),
    **{rule_id: C("domain/credit.py KINDS: an event recorded by the supervisor with evidence and decision",
                  "tests/services/test_credit.py::test_credit_events_lower_the_score_and_need_evidence")
       for rule_id in ("credit.withdrawal_after_deadline", "credit.refused_contract", "credit.agency_misconduct")},
    "credit.integrity_pledge": C("services/registrations.py sign_up through domain/pledges.py check_accepted",
                                 "tests/services/test_pledges.py::test_a_sign_up_without_the_pledge_is_refused_naming_the_field_and_rule"),
    # public reports
    "report.public": C("services/reports.py submit: every field checked, no login, a random token to follow it",
                       "tests/services/test_reports.py::test_a_report_is_refused_field_by_field_and_nothing_is_saved"),
    "report.acceptance": C("services/reports.py: the due date; overdue ones marked on the supervisor's list",
                           "tests/services/test_reports.py::test_the_supervisor_accepts_assigns_and_concludes_and_every_step_is_audited"),
    "report.throttle": C("web/throttle.py report_throttled, token_lookup_throttled",
                         "tests/security/test_public_reports.py::test_anonymous_spam_is_throttled_per_address"),
    # the platform's procedure and policies
    "platform.five_stages": C("domain/lifecycle.py: one transition table",
                              "tests/domain/test_lifecycle.py::test_actions_refused_in_other_states"),
    "platform.entry_certificate": C("services/certification.py",
                                    "tests/services/test_lots.py::test_certification_gives_a_deal_code_once"),
    "platform.supervision": C("domain/lifecycle.py: approve, suspend, cancel are the supervisor's",
                              "tests/domain/test_lifecycle.py::test_cancellation_needs_the_supervisor"),
    "identity.uscc": C("domain/accounts.py check_credit_code",
                       "tests/domain/test_credit_code.py::test_a_wrong_check_character_is_refused_with_the_expected_one"),
    "identity.region": C("domain/regions.py check_region",
                         "tests/domain/test_regions.py::test_bad_codes_are_refused_with_the_reason"),
    "experts.specialty": C("domain/specialties.py check",
                           "tests/domain/test_specialties.py::test_check_refuses_an_unknown_code_naming_the_version"),
    "experts.eligibility": C("domain/experts.py: years and title at import",
                             "tests/domain/test_experts.py::test_eligibility"),
    "experts.refusals": C("domain/experts.py refusal_suspension",
                          "tests/domain/test_experts.py::test_third_refusal_within_the_window_suspends"),
    "experts.cooldown": C("domain/drawing recuse",
                          "tests/domain/test_drawing.py::test_not_excluded_when_the_condition_does_not_hold"),
    "experts.mark_deviation": C(
        "domain/mark_review.py review: a member's mark past the threshold is flagged for the supervisor (a centre "
        "setting: no law gives the number)",
        "tests/domain/test_mark_review.py::test_a_mark_exactly_at_the_threshold_is_not_flagged_and_one_hundredth_past_it_is"),
    "platform.certificate_review": C(
        "domain/performance.py: the filing review's time against the centre's limit, on the supervisor's "
        "performance page (a centre setting: no law gives the number)",
        "tests/domain/test_performance.py::"
        "test_the_filing_review_is_counted_in_working_days_and_over_one_day_past_the_centres_three"),
    "auth.throttle": C("web/throttle.py",
                       "tests/web/test_auth.py::test_too_many_failures_are_refused_with_a_page_that_says_how_long_to_wait"),
    "auth.second_factor": C("services/second_factor.py",
                            "tests/web/test_second_factor.py::test_the_bidder_tools_http_basic_login_cannot_skip_the_code"),
    "clock.forward_only": C("services/clock.py advance",
                            "tests/services/test_clock.py::test_the_clock_never_goes_backwards"),
    "history.award_above_budget": C("domain/history.py: a warning to confirm",
                                    "tests/services/test_history.py::test_warnings_import_nothing_until_confirmed_then_everything"),
    "history.deal_below_start": C("domain/history.py: a warning to confirm",
                                  "tests/services/test_history.py::test_warnings_import_nothing_until_confirmed_then_everything"),
    "history.price_ratio": C("domain/history.py: a warning to confirm",
                             "tests/domain/test_history.py::test_sanity_warnings_are_listed_with_their_rule_not_as_errors"),
    # the procurement methods (invited, negotiation, consultation, inquiry, single source)
    "construction.invited_bidders": C("domain/methods.py: check_invitees",
            "tests/domain/test_methods.py::test_an_invited_tender_names_at_least_three"),
    "procurement.consultation_documents_window": C("domain/schedule.py: the consultation plan",
            "tests/domain/test_schedule.py::test_refusals_name_field_and_rule"),
    "procurement.consultation_experts_share": C("domain/committee.py: check_committee",
            "tests/domain/test_methods.py::test_negotiation_inquiry_and_consultation_groups_of_three"),
    "procurement.consultation_group_size": C("domain/committee.py: check_committee",
            "tests/domain/test_methods.py::test_negotiation_inquiry_and_consultation_groups_of_three"),
    "procurement.consultation_min_suppliers": C("domain/methods.py: min_bids_rule (the opening's minimum)",
            "tests/domain/test_methods.py::test_each_method_has_its_minimum_of_responses"),
    "procurement.documents_window": C("domain/schedule.py: documents_until",
            "tests/domain/test_schedule.py::test_refusals_name_field_and_rule"),
    "procurement.inquiry_window": C("domain/schedule.py: the inquiry plan",
            "tests/domain/test_schedule.py::test_refusals_name_field_and_rule"),
    "procurement.invited_suppliers": C("domain/methods.py: check_invitees",
            "tests/domain/test_methods.py::test_an_invited_tender_names_at_least_three"),
    "procurement.single_source_price": C("domain/methods.py: the negotiation record's price check",
            "tests/domain/test_methods.py::test_an_incomplete_or_dear_negotiation_is_refused_naming_the_rule"),
    "procurement.single_source_publicity": C("domain/schedule.py: the single-source plan",
            "tests/domain/test_schedule.py::test_refusals_name_field_and_rule"),
    "procurement.single_source_record": C("domain/methods.py, services/negotiations.py: the negotiation record",
            "tests/domain/test_methods.py::test_open_and_invited_keep_the_committee_of_five_and_single_source_has_none"),
    "procurement.single_source_supplier": C("domain/methods.py: min_bids_rule and check_invitees",
            "tests/domain/test_methods.py::test_each_method_has_its_minimum_of_responses"),
}

SECTIONS = (("construction", "Construction tendering (建设工程)"),
            ("electronic", "Electronic bidding (电子招标投标办法)"),
            ("procurement", "Government procurement (政府采购)"),
            ("land", "Land use rights (土地招拍挂)"),
            ("property", "State property rights (产权交易)"), ("screen", "Early-warning screens (预警)"),
            ("credit", "Credit records and the blacklist (信用)"), ("report", "Public reports (举报)"),
            ("platform", "The platform's procedure and policies"))
_UNITS = {"minutes": "minutes", "days": "days", "working_days": "working days", "percent": "%", "count": "",
          "years": "years", "ratio": "", "yuan": "yuan", None: ""}


def _value(value, unit) -> str:
    return "—" if value is None else f"{value} {_UNITS[unit]}".replace(" %", "%").strip()


def _section(rule_id: str) -> str:
    prefix = rule_id.split(".")[0]
    return prefix if prefix in dict(SECTIONS) else "platform"


def markdown(in_force: RuleSet) -> str:
    """docs/RULES.md: every rule in force by section, with its value (and the law's, when the centre's differs),
    source and confidence, where it is checked and the test at its edge, or why it is not enforced."""
    lines = ["# The rules in force", "",
             "Generated by `flask rules show --markdown` from `trading/domain/rules.py` (the law's table, "
             "../shared/RULES.md) and `trading/domain/rules_coverage.py`; `tests/domain/test_rules_coverage.py` fails "
             "when this file is stale. Confidence: T statutory text checked, S secondary summary, R recalled (verify "
             "before relying on the wording), P a policy of this platform. A centre may make a number stricter "
             "(TRADING_RULE_OVERRIDES, or the administrator's rules page, for lots announced afterwards), never "
             "looser.", ""]
    enforced = sum(COVERAGE[r].checked is not None for r in in_force.rules)
    lines += [f"{len(in_force.rules)} rules: {enforced} checked, {len(in_force.rules) - enforced} not enforced "
              "(each with the reason).", ""]
    for code, title in SECTIONS:
        rows = [r for r in in_force.rules.values() if _section(r.id) == code]
        lines += [f"## {title}", "", "| rule | value | trade types | source | checked in | test at its edge |",
                  "|---|---|---|---|---|---|"]
        for found in rows:
            cover = COVERAGE[found.id]
            value = _value(found.value, found.unit)
            if in_force.is_overridden(found.id):
                value += f" (law: {_value(RULES[found.id].value, found.unit)})"
            types = ", ".join(t for t in TRADE_TYPES if t in found.trade_types)
            checked = cover.checked if cover.checked else f"*{cover.note}*"
            test = f"`{cover.test}`" if cover.test else "—"
            if cover.checked and cover.note:
                checked += f" ({cover.note})"
            lines.append(f"| `{found.id}` {found.title_en} | {value} | {types} | {found.source} ({found.confidence}) "
                         f"| {checked} | {test} |")
        lines.append("")
    return "\n".join(lines)

"""The collusion screens (条例 第三十九条、第四十条) at their thresholds, with the working a supervisor checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from trading.domain import screens
from trading.domain.rules import RuleSet

LAW = RuleSet()
D = Decimal


def prices(*values) -> dict:
    return {f"B{i}": D(v) for i, v in enumerate(values, start=1)}


def kinds(found) -> set[str]:
    return {s.screen for s in found}


def test_fewer_than_three_bids_are_not_screened():
    assert screens.price_screens(prices("100", "100"), LAW) == []


def kind_of(n=8, **figure) -> list:
    """``n`` earlier lots of the kind, all with the given figures (their fences are that value)."""
    return [screens.Figures(**{name: D(value) for name, value in figure.items()})] * n


SPREAD_WIDE = kind_of(cv="0.20", rd="0.50")  # a kind whose honest lots spread widely: the benchmark binds


def test_the_coefficient_of_variation_trips_just_below_6_percent_and_not_at_it():
    # mean 100, sample sd of (100 - d, 100, 100 + d) is d: CV = d / 100
    below = screens.price_screens(prices("94.01", "100", "105.99"), LAW, SPREAD_WIDE)
    at = screens.price_screens(prices("94", "100", "106"), LAW, SPREAD_WIDE)
    cv = next(s for s in below if s.screen == "cv")
    assert cv.rule == "screen.cv_threshold" and cv.working["cv"] == "0.0599"
    assert cv.working["lower_fence"] == "0.2000" and cv.working["history_lots"] == 8
    assert cv.threshold.startswith("CV < 0.06 and below the lower fence")
    assert "cv" not in kinds(at)


def test_a_cv_past_the_benchmark_signals_only_below_the_lower_fence_of_its_kind():
    huddled_kind = kind_of(cv="0.05")  # a kind whose lots all huddle at CV 0.05: fences 0.05 .. 0.05
    assert "cv" in kinds(screens.price_screens(prices("95.01", "100", "104.99"), LAW, huddled_kind))  # 0.0499
    assert "cv" not in kinds(screens.price_screens(prices("94.99", "100", "105.01"), LAW, huddled_kind))  # 0.0501
    assert "cv" not in kinds(screens.price_screens(prices("99", "100", "101"), LAW, huddled_kind[:7])), \
        "fewer than 8 earlier lots of the kind: no fences, no signal (CV 0.01 is shown, not signalled)"
    shown = screens.price_figures(prices("99", "100", "101"), LAW, huddled_kind[:7])
    assert [(f.name, f.value, f.fences, f.signals) for f in shown][0] == ("cv", D("0.01"), None, False)


def test_the_relative_distance_trips_above_1_when_the_kind_is_spread():
    # losers 200 and 210: sd 7.0711; a gap of 7.08 gives RD 1.0013, a gap of 7.07 gives 0.9998
    far = screens.price_screens(prices("192.92", "200", "210"), LAW, SPREAD_WIDE)
    near = screens.price_screens(prices("192.93", "200", "210"), LAW, SPREAD_WIDE)
    rd = next(s for s in far if s.screen == "rd")
    assert rd.working == {"b1": "192.92", "b2": "200", "sd_losers": "7.0711", "rd": "1.0013", "history_lots": 8,
                          "q1": "0.5000", "q3": "0.5000", "upper_fence": "0.5000"}
    assert rd.bidders == ("B1", "B2", "B3")
    assert "rd" not in kinds(near)


def test_an_rd_past_the_benchmark_signals_only_above_the_upper_fence_of_its_kind():
    apart_kind = kind_of(rd="2")  # every lot of the kind has its winner 2 losers' sds below: fences 2 .. 2
    assert "rd" in kinds(screens.price_screens(prices("185.85", "200", "210"), LAW, apart_kind))  # RD 2.0011
    assert "rd" not in kinds(screens.price_screens(prices("185.86", "200", "210"), LAW, apart_kind))  # RD 1.9997


def test_the_fences_of_cv_and_rd_are_taken_on_the_logarithm():
    # a kind's CVs skewed to the right, as honest lots' are: on the raw values the lower fence is below 0 and no CV
    # could ever trip it; on the logarithm the fences are 0.0162 .. 0.2829 (Q1 0.0473, Q3 0.0967 taken back)
    spread = [D(v) for v in ("0.03", "0.04", "0.05", "0.06", "0.07", "0.09", "0.12", "0.16")]
    fence = screens.fences(spread, D("1.5"), log=True)
    assert [str(x.quantize(D("0.0001"))) for x in (fence.q1, fence.q3, fence.low, fence.high)] == [
        "0.0473", "0.0967", "0.0162", "0.2829"]
    assert screens.fences(spread, D("1.5")).low < 0
    kind = [screens.Figures(cv=v) for v in spread]
    assert "cv" in kinds(screens.price_screens(prices("99.2", "100", "100.8"), LAW, kind))  # CV 0.0080
    assert "cv" not in kinds(screens.price_screens(prices("98", "100", "102"), LAW, kind))  # CV 0.0200


def test_diffp_is_judged_against_the_fences_of_earlier_lots_of_the_kind():
    history = [screens.Figures(diffp=D(x) / 100) for x in (1, 2, 2, 3, 3, 3, 4, 5)]  # Q1 0.02, Q3 0.0325:
    wide = screens.price_screens(prices("100", "105.2", "140"), LAW, history)  # fences 0.00125 .. 0.05125
    inside = screens.price_screens(prices("100", "105.1", "140"), LAW, history)
    found = next(s for s in wide if s.screen == "diffp")
    assert found.working["upper_fence"] == "0.0513" and found.working["diffp"] == "0.0520"
    assert "diffp" not in kinds(inside)
    assert "diffp" not in kinds(screens.price_screens(prices("100", "105.2", "140"), LAW, history[:7])), \
        "fewer than 8 earlier lots: no fences"


@pytest.mark.parametrize(("bids", "kind"), [
    (("1000", "1100", "1201.9"), "arithmetic"),  # gaps 100 and 101.9: within 2% of their mean
    (("1000", "1100", "1210", "1331"), "geometric"),  # each 10% above the last
    (("1000", "1000", "1000"), "equal"),
])
def test_prices_in_a_regular_pattern_are_flagged_with_the_kind(bids, kind):
    found = next(s for s in screens.price_screens(prices(*bids), LAW) if s.screen == "pattern")
    assert found.working["kind"] == kind and found.rule == "screen.pattern_tolerance"


def test_gaps_differing_by_more_than_2_percent_are_no_pattern():
    assert "pattern" not in kinds(screens.price_screens(prices("1000", "1100", "1205"), LAW))


def test_two_bidders_at_one_price_beside_an_outsider_are_identical_prices():
    """条例 第四十条第四项: a pair at one price is no less suspicious for an honest outsider bidding otherwise (the gap
    Cardinal's R028 showed); every bid equal is the pattern screen's, two bids are too few."""
    found = screens.identical_prices(prices("4120000", "4120000", "4388650.37"), LAW)
    assert [(s.screen, s.bidders, s.inputs["price"]) for s in found] == [("identical_prices", ("B1", "B2"), "4120000")]
    assert found[0].rule == "screen.identical_prices"
    assert screens.identical_prices(prices("4120000", "4120000.01", "4388650.37"), LAW) == []
    assert screens.identical_prices(prices("4120000", "4120000", "4120000"), LAW) == []
    assert "pattern" in kinds(screens.price_screens(prices("4120000", "4120000", "4120000"), LAW))
    assert screens.identical_prices(prices("4120000", "4120000"), LAW) == []


def test_one_project_manager_named_by_two_bidders_is_one_person_however_written():
    """条例 第四十条: the same person in several bidders' bids. The registration number each bid declares (spaces and
    case aside) is the person; a name alone is not (two people share a name), nor a blank."""
    from trading.domain.screens import LotRecords, people_named, screen_records

    assert people_named({"项目经理": "张三", "项目经理注册编号": " 鄂 142101012345 "}) == ["鄂142101012345"]
    assert people_named({"项目经理": "张三"}) == [] and people_named({"项目经理注册编号": "  "}) == []
    bids = {"A": Decimal("100"), "B": Decimal("118"), "C": Decimal("131")}
    people = [("A", "鄂142101012345"), ("B", *people_named({"项目经理注册编号": "鄂 142101012345"})), ("C", "鄂0001")]
    found = [s for s in screen_records(LotRecords(prices=bids, people=people), LAW) if s.screen == "shared_person"]
    assert [(s.bidders, s.rule, s.inputs["value"]) for s in found] == [
        (("A", "B"), "screen.shared_people", "鄂142101012345")]


def test_a_stricter_centre_setting_moves_the_threshold():
    loose = RuleSet.from_overrides({"screen.cv_threshold": "0.07"})
    assert "cv" in kinds(screens.price_screens(prices("94", "100", "106"), loose, SPREAD_WIDE))
    assert "cv" not in kinds(screens.price_screens(prices("94", "100", "106"), LAW, SPREAD_WIDE))
    fewer = RuleSet.from_overrides({"screen.fence_min_lots": "7"})  # fences from 7 earlier lots
    assert "cv" in kinds(screens.price_screens(prices("94.01", "100", "105.99"), fewer, SPREAD_WIDE[:7]))
    assert "cv" not in kinds(screens.price_screens(prices("94.01", "100", "105.99"), LAW, SPREAD_WIDE[:7]))


def test_a_device_account_document_or_person_shared_by_two_bidders_is_one_signal_each():
    found = screens.shared_values("account", [("B1", "6217-1"), ("B2", "6217-1"), ("B3", "6217-3"), ("B3", "")])
    assert [(s.screen, s.rule, s.bidders, s.inputs["value"]) for s in found] == [
        ("shared_account", "screen.shared_account", ("B1", "B2"), "6217-1")]
    assert screens.shared_values("document", [("B1", "ab"), ("B1", "ab")]) == [], "one bidder's own repeats"
    assert screens.shared_values("person", [("B1", "4201"), ("B2", "4201")])[0].rule == "screen.shared_people"


def test_uploads_from_one_address_within_a_minute_by_two_bidders():
    t = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    found = screens.close_uploads([("B1", "10.0.0.9", t), ("B2", "10.0.0.9", t + timedelta(seconds=60)),
                                   ("B3", "10.0.0.7", t), ("B4", "10.0.0.7", t + timedelta(seconds=61))])
    assert [(s.inputs["address"], s.bidders, s.working["pairs"]) for s in found] == [
        ("10.0.0.9", ("B1", "B2"), [["B1", "B2", 60]])]


def test_every_bid_but_the_winners_disqualified():
    assert screens.all_but_winner_disqualified({"W": True, "B": False, "C": False}, "W")[0].bidders == ("W", "B", "C")
    assert screens.all_but_winner_disqualified({"W": True, "B": True, "C": False}, "W") == []
    assert screens.all_but_winner_disqualified({"W": True, "B": False}, "W") == [], "one other bid tells nothing"


def past(lot, bidders, winner):
    return screens.PastLot(lot, frozenset(bidders), winner)


def test_three_bidders_taking_turns_to_win_in_three_lots_is_rotation_and_two_lots_are_not():
    history = [past(1, "ABC", "A"), past(2, "ABC", "B"), past(3, "ABCD", "C")]
    found = screens.rotation(history, LAW)
    assert [(s.bidders, s.working["winners"]) for s in found] == [(("A", "B", "C"), ["A", "B", "C"])]
    assert screens.rotation(history[:2], LAW) == []
    assert screens.rotation([past(1, "ABC", "A"), past(2, "ABC", "A"), past(3, "ABC", "A")], LAW) == [], \
        "one member winning every time is not taking turns"
    assert screens.rotation([*history[:2], past(3, "ABCD", "D")], LAW) == [], "a meeting won by an outsider"


def test_a_bidder_losing_three_times_to_one_winner_and_never_winning_is_cover_bidding():
    history = [past(1, "WX", "W"), past(2, "WXY", "W"), past(3, "WX", "W"), past(4, "YZ", "Y")]
    found = screens.cover_bidding(history, LAW)
    assert [(s.bidders, s.working["losses_to_winner"]) for s in found] == [(("W", "X"), 3)]
    assert screens.cover_bidding(history[:2], LAW) == []


def test_rotation_goes_on_when_an_outsider_wins_one_meeting_and_names_only_groups_bidding_here():
    from trading.domain.screens import LotRecords, PastLot, screen_records

    ring = frozenset({"A", "B", "C"})
    past = [PastLot(1, ring | {"X"}, "A"), PastLot(2, ring | {"X"}, "X"), PastLot(3, ring, "B"), PastLot(4, ring, "C")]
    found = [s for s in screen_records(LotRecords(prices={}, past=past), LAW) if s.screen == "rotation"]
    assert found == []  # nobody of the ring bids in this lot
    here = {"A": Decimal("100"), "B": Decimal("103"), "C": Decimal("107")}
    found = [s for s in screen_records(LotRecords(prices=here, past=past), LAW) if s.screen == "rotation"]
    assert [s.bidders for s in found] == [("A", "B", "C")] and found[0].working["winners"] == ["A", "B", "C"]


def test_a_cover_bidder_that_does_not_bid_in_the_lot_is_not_a_signal_about_it():
    from trading.domain.screens import LotRecords, PastLot, screen_records

    past = [PastLot(n, frozenset({"W", "L", f"o{n}"}), "W") for n in range(3)]
    with_loser = LotRecords(prices={"W": Decimal("100"), "L": Decimal("110"), "Z": Decimal("120")}, past=past)
    without = LotRecords(prices={"W": Decimal("100"), "Y": Decimal("110"), "Z": Decimal("120")}, past=past)
    assert [s.bidders for s in screen_records(with_loser, LAW) if s.screen == "cover_bidding"] == [("W", "L")]
    assert not [s for s in screen_records(without, LAW) if s.screen == "cover_bidding"]


def test_a_bidder_standing_back_three_times_for_one_winner_and_again_here_is_bid_suppression():
    """条例 第三十九条第二项: signed up and did not bid in three lots W won, never won itself, and stood back here
    while W bids. Two such lots, a win of its own, bidding here, or W not bidding here: no signal."""
    history = [screens.PastLot(n, frozenset({"W", f"o{n}"}), "W", frozenset({"S"})) for n in range(3)]
    history.append(screens.PastLot(9, frozenset({"Y", "Z"}), "Y"))
    found = screens.bid_suppression(history, LAW, stood_back={"S"}, bidders={"W", "A"})
    assert [(s.screen, s.bidders, s.working["stood_back_for_winner"]) for s in found] == [
        ("bid_suppression", ("W", "S"), 3)]
    assert found[0].rule == "screen.suppression_min_lots" and found[0].inputs["lots"] == ["0", "1", "2"]
    assert screens.bid_suppression(history[1:], LAW, stood_back={"S"}, bidders={"W"}) == [], "two lots"
    assert screens.bid_suppression(history, LAW, stood_back=set(), bidders={"W", "S"}) == [], "it bids here"
    assert screens.bid_suppression(history, LAW, stood_back={"S"}, bidders={"A"}) == [], "W is not here"
    won = [*history, screens.PastLot(10, frozenset({"S", "Q"}), "S")]
    assert screens.bid_suppression(won, LAW, stood_back={"S"}, bidders={"W"}) == [], "it won a lot of the kind"
    stricter = RuleSet.from_overrides({"screen.suppression_min_lots": "2"})  # a centre may look harder
    assert screens.bid_suppression(history[1:], stricter, stood_back={"S"}, bidders={"W"})


def test_the_evaluation_feeds_every_bid_but_the_winners_disqualified_into_the_lots_screens():
    from trading.domain.screens import LotRecords, screen_records

    bids = {"W": Decimal("100"), "B": Decimal("180"), "C": Decimal("260")}
    opened = LotRecords(prices=bids)
    assert "all_but_winner_disqualified" not in kinds(screen_records(opened, LAW))  # before the report
    reported = LotRecords(prices=bids, valid={"W": True, "B": False, "C": False}, winner="W")
    assert "all_but_winner_disqualified" in kinds(screen_records(reported, LAW))
    fair = LotRecords(prices=bids, valid={"W": True, "B": True, "C": False}, winner="W")
    assert "all_but_winner_disqualified" not in kinds(screen_records(fair, LAW))


def test_documents_give_their_fingerprint_and_author_with_software():
    from trading.simulate.screens_bed import document

    digest, metadata = screens.document_facts(document("正文", "王工 / WPS Office"))
    assert len(digest) == 64 and metadata == "王工 / WPS Office"
    assert digest == screens.document_facts(document("正文", "王工 / WPS Office"))[0]  # a copy: one fingerprint
    assert digest != screens.document_facts(document("正文。", "王工 / WPS Office"))[0]
    assert screens.document_facts(b"%PDF-1.7 /Author (Li) /Producer (Acrobat)")[1] == "Li / Acrobat"
    assert screens.document_facts(b"plain")[1] == ""  # no metadata is no evidence


def test_a_large_document_is_read_in_chunks_keeping_only_its_ends():
    import io
    import os
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:  # 3 MiB of pictures first, the properties last, as word processors do
        book.writestr("word/media/image1.png", os.urandom(3 * 1024 * 1024))
        book.writestr("docProps/core.xml", "<cp:coreProperties><dc:creator>张伟</dc:creator></cp:coreProperties>")
        book.writestr("docProps/app.xml", "<Properties><Application>WPS Office</Application></Properties>")
    data = out.getvalue()
    sink = screens.DocumentFacts()
    for at in range(0, len(data), 1 << 20):  # the opening hands it the plaintext chunk by chunk
        sink.write(memoryview(data)[at:at + (1 << 20)])
    assert sink.facts() == screens.document_facts(data) and sink.facts()[1] == "张伟 / WPS Office"
    assert len(sink.head) + len(sink.tail) <= 2 * screens.METADATA_BYTES  # bounded, whatever the size
    assert screens.document_facts(data[:-1] + bytes([data[-1] ^ 1]))[0] != sink.fingerprint()


def test_one_device_or_address_at_two_bidders_sign_ups_is_screened_as_at_their_downloads():
    """条例 第四十条: the sign-ups' devices and addresses count with the downloads' (one machine signing two companies
    up is the same evidence as one machine downloading for both)."""
    from trading.domain.screens import LotRecords, screen_records

    bids = {"A": Decimal("100"), "B": Decimal("118"), "C": Decimal("131")}
    sign_ups = [("A", "dev-1", "10.0.0.5"), ("B", "dev-1", "10.0.0.9"), ("C", "dev-3", "10.0.0.5")]
    found = {s.screen: set(s.bidders) for s in screen_records(LotRecords(prices=bids, sign_ups=sign_ups), LAW)}
    assert found["shared_device"] == {"A", "B"} and found["shared_address"] == {"A", "C"}
    mixed = LotRecords(prices=bids, sign_ups=[("A", "dev-1", "1.1.1.1")], downloads=[("B", "dev-1", "2.2.2.2")])
    assert {s.screen for s in screen_records(mixed, LAW)} >= {"shared_device"}

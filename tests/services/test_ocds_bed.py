"""The screens' test bed as the platform publishes it in OCDS (``screens_bed.published_facts`` mapped by
``domain.ocds``, what ``benchmarks/cardinal.py`` hands to the red-flag tool ocdscardinal): every release and compiled
release validates against the standard's own schema, the bids published are the candidates' with the bed's
prices and firms, and no other bidder of the lot is named anywhere. No Rust tool is needed."""

from __future__ import annotations

import json

import pytest

from tests.ocds_schema import BID_STATUSES, assert_valid, validators
from trading.domain import ocds
from trading.domain.rules import RuleSet
from trading.simulate import screens_bed

LAW = RuleSet()
PREFIX = "ocds-tpt000"


@pytest.fixture(scope="module")
def bed():
    """A handful of lots: the first 12, and the first of every planted kind."""
    lots = list(screens_bed.generate(400))
    picked = {made.lot: made for made in lots[:12]}
    for kind in screens_bed.KINDS:
        made = next(m for m in lots if kind in m.kinds)
        picked[made.lot] = made
    return list(picked.values())


def test_every_release_of_the_bed_validates_against_the_ocds_schema(bed):
    schema = validators()
    for made in bed:
        record = ocds.record(PREFIX, screens_bed.published_facts(made, LAW))
        assert [r["tag"][0] for r in record["releases"]] == ["tender", "tenderUpdate", "award", "awardUpdate"]
        for release in [*record["releases"], record["compiledRelease"]]:
            assert_valid(schema["release"], release, release["id"])
            for bid in release.get("bids", {}).get("details", ()):
                # the bids extension's fields, against the core definitions they are made of
                assert bid["status"] in BID_STATUSES
                assert_valid(schema["Value"], bid["value"], bid["id"])
                for tenderer in bid["tenderers"]:
                    assert_valid(schema["OrganizationReference"], tenderer, bid["id"])
        package = {**ocds.package_meta(f"https://example.org/{made.lot}", made.at, "test"),
                   "releases": record["releases"]}
        assert_valid(schema["release-package"], package, f"lot {made.lot}")


def test_the_published_bids_are_the_three_lowest_with_the_beds_firms_and_prices(bed):
    for made in bed:
        prices = made.records.prices
        compiled = ocds.record(PREFIX, screens_bed.published_facts(made, LAW))["compiledRelease"]
        lowest = sorted(prices, key=lambda firm: (prices[firm], firm))[:3]
        expected = [(f"CN-USCC-{screens_bed.organisation(firm, made.market)['credit_code']}", float(prices[firm]))
                    for firm in lowest]
        details = compiled["bids"]["details"]
        assert [(d["tenderers"][0]["id"], d["value"]["amount"]) for d in details] == expected
        assert all(d["status"] == "valid" and d["value"]["currency"] == "CNY" for d in details)
        # the award goes to the bed's winner at its price; the counts are the opening record's
        award = compiled["awards"][0]
        winner = screens_bed.organisation(made.winner, made.market)
        assert award["status"] == "active" and award["suppliers"][0]["id"] == f"CN-USCC-{winner['credit_code']}"
        assert award["value"]["amount"] == float(prices[made.winner]) == details[0]["value"]["amount"]
        assert compiled["tender"]["numberOfTenderers"] == len(prices)
        assert {s["id"]: s["value"] for s in compiled["bids"]["statistics"]}["bids"] == len(prices)
        # what Cardinal's indicators read: the method, the price-only criteria, the tender period
        tender = compiled["tender"]
        assert (tender["procurementMethod"], tender["awardCriteria"]) == ("open", "priceOnly")
        assert tender["tenderPeriod"]["endDate"] == made.at.strftime("%Y-%m-%dT%H:%M:00Z")


def test_no_bidder_but_the_candidates_is_named(bed):
    """As on the platform (visibility.Fact.BIDDERS): the bidders past the third are never published."""
    hidden = 0
    for made in bed:
        prices = made.records.prices
        text = json.dumps(ocds.record(PREFIX, screens_bed.published_facts(made, LAW)), ensure_ascii=False)
        ranked = sorted(prices, key=lambda f: (prices[f], f))
        for firm in ranked[3:]:
            org = screens_bed.organisation(firm, made.market)
            assert org["credit_code"] not in text and org["name"] not in text
            if prices[firm] not in {prices[f] for f in ranked[:3]}:  # (equal prices: a candidate's is published)
                assert str(float(prices[firm])) not in text
            hidden += 1
    assert hidden > 10

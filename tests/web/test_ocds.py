"""OCDS 1.1 (issue 20): every release and record the demo and the half-hour path produce validates against the
standard's own schema (../shared/ocds/1.1) with jsonschema; the export, the API's packages and the configured ocid
prefix agree; and nothing about who bid is published before the opening."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW
from tests.ocds_schema import assert_valid, validators
from tests.web.test_change_feed import half_hour_path
from trading.domain.rules import RuleSet
from trading.extensions import db
from trading.models import Announcement, Bid, Lot, Organisation, Project
from trading.services import open_data
from trading.simulate import screens_bed

DEMO_LOT = "咸宁市永安大道东延线道路工程"

def _shape(value):
    """The keys of nested dicts (a list by its first item), without the values."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return None


@pytest.fixture
def demo_app(restore_demo):
    return restore_demo()


def _published(app) -> dict[int, str]:
    with app.app_context():
        return {lot.id: lot.state for lot in db.session.scalars(
            sa.select(Lot).where(Lot.id.in_(sa.select(Announcement.lot_id))))}


def test_the_export_after_the_half_hour_path_validates_and_follows_each_lot_to_its_stage(demo_app, tmp_path):
    schema = validators()
    lot_id = half_hour_path(demo_app)
    out = tmp_path / "ocds"
    result = demo_app.test_cli_runner().invoke(args=["ocds", "export", str(out)])
    assert result.exit_code == 0, result.output
    releases = json.loads((out / "release-package.json").read_text(encoding="utf-8"))
    records = json.loads((out / "record-package.json").read_text(encoding="utf-8"))
    assert_valid(schema["release-package"], releases, "release package")
    assert_valid(schema["record-package"], records, "record package")
    for release in releases["releases"]:
        assert_valid(schema["release"], release, release["id"])
    for item in records["records"]:
        assert_valid(schema["release"], item["compiledRelease"], item["ocid"])
        one = json.loads((out / "records" / f"{item['ocid']}.json").read_text(encoding="utf-8"))
        assert_valid(schema["record-package"], one, item["ocid"])
    published = _published(demo_app)
    with demo_app.app_context():
        codes = {lot.id: lot.deal_code for lot in db.session.scalars(sa.select(Lot))}
    by_ocid = {item["ocid"]: item for item in records["records"]}
    assert set(by_ocid) == {f"ocds-tpt000-{codes[i]}" for i in published}
    # lot 5 went the whole way: tender, opening (with the bid statistics), publicity, award; no contract published
    lot5 = by_ocid[f"ocds-tpt000-{codes[lot_id]}"]
    assert [r["tag"][0] for r in lot5["releases"]] == ["tender", "tenderUpdate", "award", "awardUpdate"]
    compiled = lot5["compiledRelease"]
    assert compiled["tender"]["status"] == "complete" and compiled["tender"]["numberOfTenderers"] == 3
    assert (compiled["tender"]["procurementMethod"], compiled["tender"]["mainProcurementCategory"]) == ("open", "works")
    assert {s["measure"]: s["value"] for s in compiled["bids"]["statistics"]}["bids"] == 3
    assert [a["status"] for a in compiled["awards"]] == ["active"] and compiled["language"] == "zh"
    assert DEMO_LOT in compiled["tender"]["title"]  # Chinese kept as published
    # the candidates' bids as published (tenderer, price, valid), from the publicity on, and no other bid
    with demo_app.app_context():
        facts = open_data.lot_facts(db.session, db.session.get(Lot, lot_id), FIXED_NOW)
    published = [(f"CN-USCC-{c['credit_code']}", float(c["price"])) for c in facts["publicity"]["candidates"]]
    details = compiled["bids"]["details"]
    assert [(d["tenderers"][0]["id"], d["value"]["amount"]) for d in details] == published
    assert {d["status"] for d in details} == {"valid"} and len(details) <= 3
    assert [bool(r.get("bids", {}).get("details")) for r in lot5["releases"]] == [False, False, True, True]
    # the screens' test bed is mapped from facts of the same shape as a real lot's (benchmarks/cardinal.py)
    bed = screens_bed.published_facts(next(screens_bed.generate(1)), RuleSet())
    assert _shape(bed) == _shape(facts)
    # the procurement lots the demo contracted carry their contract announcement
    contracted = [item for item in records["records"] if item["compiledRelease"].get("contracts")]
    assert contracted and all(c["compiledRelease"]["tender"]["mainProcurementCategory"] in ("goods", "services",
                                                                                             "works")
                              for c in contracted)
    dates = [r["date"] for r in releases["releases"]]
    assert dates == sorted(dates)


def test_before_the_deadline_nothing_about_who_bid_is_in_the_ocds_data(demo_app, tmp_path):
    with demo_app.app_context():
        lot = db.session.scalar(sa.select(Lot).join(Project).where(Project.name == DEMO_LOT))
        assert lot.state == "announced" and FIXED_NOW < lot.bid_deadline
        rivals = db.session.scalars(sa.select(Organisation).join(Bid, Bid.bidder_id == Organisation.id)
                                    .where(Bid.lot_id == lot.id)).all()
        secrets = [o.name for o in rivals] + [o.credit_code for o in rivals]
        code = lot.deal_code
    client = demo_app.test_client()
    records = client.get("/api/v1/ocds/record-package", query_string={"limit": 100})
    assert records.status_code == 200
    lot5 = next(r for r in records.json["records"] if r["ocid"].endswith(code))
    assert [r["tag"] for r in lot5["releases"]] == [["tender"]]
    text = json.dumps(lot5, ensure_ascii=False)
    assert "bids" not in lot5["compiledRelease"] and "numberOfTenderers" not in lot5["compiledRelease"]["tender"]
    # a rival may appear in the published results of other lots, never in this lot's record
    assert not [s for s in secrets if s in text]


def test_the_api_pages_releases_by_date_and_records_by_lot_and_they_validate(demo_app):
    schema = validators()
    client = demo_app.test_client()
    releases, url = [], "/api/v1/ocds/release-package?limit=2"
    while url:
        page = client.get(url)
        assert page.status_code == 200
        assert_valid(schema["release-package"], {k: v for k, v in page.json.items() if k != "links"}, url)
        releases += page.json["releases"]
        url = page.json["links"].get("next")
    assert [r["date"] for r in releases] == sorted(r["date"] for r in releases)
    assert len({r["id"] for r in releases}) == len(releases)
    everything = client.get("/api/v1/ocds/release-package", query_string={"limit": 100}).json["releases"]
    assert releases == everything
    records = client.get("/api/v1/ocds/record-package", query_string={"limit": 100}).json
    assert_valid(schema["record-package"], records, "record package")
    assert len(records["records"]) == len(_published(demo_app))


def test_the_ocid_prefix_is_the_configured_one(restore_demo):
    app = restore_demo(OCDS_OCID_PREFIX="ocds-abc123")
    releases = app.test_client().get("/api/v1/ocds/release-package", query_string={"limit": 100}).json["releases"]
    assert releases and all(r["ocid"].startswith("ocds-abc123-") and r["id"].startswith(r["ocid"]) for r in releases)


"""The rules in force (issue 16): a centre's stricter setting (TRADING_RULE_OVERRIDES, here the test config's
RULE_OVERRIDES) is what the lot page proposes and checks, and what ``flask rules show`` lists."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from tests.web.test_lots import field_values
from trading.extensions import db
from trading.models import Lot
from trading.platform import current_platform
from trading.simulate import demo, lots as walk


def approved_lot(app, trade_type: str) -> int:
    """The demo's sample lot of ``trade_type`` with its method (open tender) approved: ready to announce."""
    with app.app_context():
        ctx = current_platform()
        demo.load(db.session, FIXED_NOW)
        people = walk.cast(db.session)
        lot = walk.create(ctx, db.session, people, FIXED_NOW, trade_type)
        walk.advance(ctx, db.session, people, FIXED_NOW, lot, "method_approved")
        db.session.commit()
        return lot.id


@pytest.mark.parametrize(("trade_type", "rule"), [("construction", "construction.bid_window"),
                                                  ("procurement", "procurement.tender_window")])
def test_a_centres_25_day_window_is_proposed_and_24_days_refused(make_app, trade_type, rule):
    """The law says 20 days; the centre says 25. Announced on Monday 2 March 2026 09:00, the page proposes the
    deadline of Friday 27 March (25 days), cites 25 days in the text, refuses Thursday 26 March (24 days) naming
    the rule, and publishes the 25 days."""
    app = make_app(RULE_OVERRIDES={rule: 25})
    lot_id = approved_lot(app, trade_type)
    tenderee = app.test_client()
    assert login(tenderee, "tenderee1").status_code == 302
    page = tenderee.get(f"/lots/{lot_id}/announce").get_data(as_text=True)
    proposed = field_values(page)
    assert proposed["bid_deadline"] == "2026-03-27T09:30"
    assert "不少于25日" in page and "不少于20日" not in page

    short = tenderee.post(f"/lots/{lot_id}/announce", data={**proposed, "bid_deadline": "2026-03-26T09:30",
                                                            "publish": "1"})
    text = short.get_data(as_text=True)
    assert short.status_code == 200 and rule in text, re.findall(r'invalid-feedback[^>]*>([^<]+)', text)
    with app.app_context():
        assert db.session.get(Lot, lot_id).state == "method_approved"

    published = tenderee.post(f"/lots/{lot_id}/announce", data={**proposed, "publish": "1"})
    assert published.status_code == 302
    with app.app_context():
        lot = db.session.get(Lot, lot_id)
        assert lot.state == "announced" and lot.bid_deadline.isoformat() == "2026-03-27T01:30:00+00:00"


def test_flask_rules_show_lists_every_rule_in_force_and_marks_the_centres(make_app):
    app = make_app(RULE_OVERRIDES={"construction.bid_window": 25, "procurement.committee_experts_share": "3/4"})
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["rules", "show"])
    assert shown.exit_code == 0, shown.output
    lines = {line.split()[0]: line for line in shown.output.splitlines() if line.strip()}
    window = lines["construction.bid_window"]
    assert "25 days" in window and "招标投标法 第二十四条" in window
    assert "overridden by the configuration; law: 20 days" in window
    assert "overridden" not in lines["construction.min_bids"] and "3 " in lines["construction.min_bids"]
    assert "construction.bid_window, procurement.committee_experts_share" in shown.output.splitlines()[-1]

    listed = json.loads(runner.invoke(args=["rules", "show", "--json"]).output)
    by_id = {row["id"]: row for row in listed}
    assert len(listed) == len(lines) - 2  # every rule of the table: the text adds a header and a summary
    assert by_id["construction.bid_window"] | {"title_zh": None, "title_en": None} == {
        "id": "construction.bid_window", "title_zh": None, "title_en": None, "value": 25, "unit": "days",
        "trade_types": ["construction"], "source": "招标投标法 第二十四条", "confidence": "T", "stricter": "higher",
        "overridden": True, "set_by": "configuration", "law_value": 20}
    assert (by_id["procurement.committee_experts_share"]["value"], by_id["procurement.deposit_cap"]["value"]) == (
        "3/4", "2")  # exact: a ratio as a fraction, a Decimal as text
    assert not by_id["procurement.deposit_cap"]["overridden"]


def test_the_rules_in_force_are_the_ones_every_check_reads(make_app):
    """The same stricter setting reaches a check outside the timetable: the deposit cap of 1.5% refuses at the
    lot form what the law's 2% allows."""
    app = make_app(RULE_OVERRIDES={"construction.deposit_cap": "1.5"})
    with app.app_context():
        demo.load(db.session, FIXED_NOW)
        db.session.commit()
    owner = app.test_client()
    assert login(owner, "tenderee1").status_code == 302
    response = owner.post("/projects/new", data={
        "name": "咸宁市淦河治理工程", "trade_type": "construction", "region_code": "421202",
        "approval_number": "咸发改审批〔2026〕21号", "approving_body": "咸宁市发展和改革委员会",
        "approval_date": "2026-02-20", "funding_source": "市级财政资金", "state_funded": "y", "tenderee_id": "0"})
    project_id = int(response.headers["Location"].rsplit("/", 1)[1])
    lot = {"name": "施工标段", "budget": "10000000", "deposit": "200000", "evaluation_method": "lowest_price",
           "specialties-0-code": "A080201", "specialties-0-count": "5", "location": "咸安区淦河沿岸",
           "scope": "河道清淤及护岸工程", "duration": "300日历天", "qualification": "水利水电工程施工总承包三级及以上"}
    refused = owner.post(f"/projects/{project_id}/lots/new", data=lot).get_data(as_text=True)
    assert "construction.deposit_cap" in refused and "150,000.00" in refused
    assert owner.post(f"/projects/{project_id}/lots/new", data={**lot, "deposit": "150000"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Lot.id))) == 1


def test_flask_rules_show_markdown_prints_docs_rules_md(make_app):
    """The committed docs/RULES.md is what the command prints for a centre without settings of its own."""
    from pathlib import Path

    printed = make_app().test_cli_runner().invoke(args=["rules", "show", "--markdown"])
    assert printed.exit_code == 0, printed.output
    assert printed.output == (Path(__file__).resolve().parents[2] / "docs" / "RULES.md").read_text()

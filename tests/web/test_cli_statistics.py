"""The statistics commands: scenario list and load, stats calibrate (table and JSON), history import."""

from __future__ import annotations

import json

import sqlalchemy as sa

from trading.extensions import db
from trading.models import Deal

HEADER = "项目名称,标段名称,交易类型,行政区划代码,预算或招标控制价,中标或成交价,中标或成交日期\n"


def test_scenarios_are_listed_and_loaded_once(app, runner):
    listed = runner.invoke(args=["scenario", "list"])
    assert listed.exit_code == 0 and "xianning-2010   not loaded" in listed.output and "badong-2010" in listed.output
    loaded = runner.invoke(args=["scenario", "load", "badong-2010"])
    assert loaded.exit_code == 0 and "loaded badong-2010: 94 lots" in loaded.output
    assert "517,000,000.00 yuan" in loaded.output
    assert "badong-2010     loaded" in runner.invoke(args=["scenario", "list"]).output
    again = runner.invoke(args=["scenario", "load", "badong-2010"])
    assert again.exit_code == 1 and "already loaded" in again.output
    unknown = runner.invoke(args=["scenario", "load", "wuhan-2011"])
    assert unknown.exit_code == 1 and "badong-2010, xianning-2010" in unknown.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Deal.id))) == 94


def test_calibrate_prints_a_table_and_json(runner):
    for name in ("xianning-2010", "badong-2010"):
        assert runner.invoke(args=["scenario", "load", name]).exit_code == 0
    table = runner.invoke(args=["stats", "calibrate"])
    assert table.exit_code == 0
    assert "7.2405%" in table.output and "2.6% cannot be reproduced" in table.output
    assert "19 published figures: 13 exact, 3 at the published precision, 3 differ" in table.output
    rows = json.loads(runner.invoke(args=["stats", "calibrate", "--json"]).output)
    assert len(rows) == 19
    keys = {"source", "scope", "figure", "published", "platform", "definition", "difference", "reason"}
    assert all(keys <= row.keys() for row in rows)
    premium = next(row for row in rows if row["figure"] == "premium_rate")
    assert premium["published"] == "0.0724" and premium["platform"].startswith("0.07240482")
    assert premium["difference"] == "0.0000" and premium["definition"] == "premium_rate"
    start = next(row for row in rows if row["figure"] == "land_start")
    assert (start["platform"], start["status"]) == ("1077000000.00", "exact")


def test_calibrate_without_deals_says_so(runner):
    result = runner.invoke(args=["stats", "calibrate"])
    assert result.exit_code == 0 and "19 without deals loaded" in result.output


def test_history_import_prints_every_bad_row_and_imports_nothing(app, runner, tmp_path):
    bad = tmp_path / "2011.csv"
    bad.write_text(HEADER + "甲工程,一标段,建设工程,421200,100,90,2011-01-05\n"
                   "乙工程,一标段,建设工程,4212,100,-5,2011-01-05\n", encoding="utf-8-sig")
    refused = runner.invoke(args=["history", "import", str(bad)])
    assert refused.exit_code == 1
    assert "line 3, region_code: A region code (行政区划代码) is 6 digits; 4212 is not." in refused.output
    assert "line 3, award_price: The amount cannot be negative." in refused.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Deal.id))) == 0
    good = tmp_path / "2011-good.csv"
    good.write_text(HEADER + "甲工程,一标段,建设工程,421200,100,90,2011-01-05\n", encoding="utf-8-sig")
    imported = runner.invoke(args=["history", "import", str(good)])
    assert imported.exit_code == 0 and "imported 1 deal(s) (construction 1), 90.00 yuan" in imported.output
    assert "import:2011-good.csv" in imported.output

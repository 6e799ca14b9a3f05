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
    assert "line 3, column D 行政区划代码 (region_code): A region code (行政区划代码) is 6 digits; 4212 is not. " \
           "[rule identity.region]" in refused.output
    assert "line 3, column F 中标或成交价 (award_price): The amount cannot be negative." in refused.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Deal.id))) == 0
    good = tmp_path / "2011-good.csv"
    good.write_text(HEADER + "甲工程,一标段,建设工程,421200,100,90,2011-01-05\n", encoding="utf-8-sig")
    imported = runner.invoke(args=["history", "import", str(good)])
    assert imported.exit_code == 0 and "imported 1 deal(s) (construction 1), 90.00 yuan" in imported.output
    assert "import:2011-good.csv" in imported.output


def test_history_import_reads_a_gbk_file_with_a_title_and_wan_yuan(app, runner, tmp_path):
    """Excel's CSV on Chinese Windows was refused as "not UTF-8"; 万元 was read as yuan."""
    path = tmp_path / "2011.csv"
    header = HEADER.replace("预算或招标控制价", "预算或招标控制价（万元）")
    header = header.replace("中标或成交价", "中标或成交价(万元)")
    path.write_bytes(("2011年成交项目汇总表,,,,,,\n" + header
                      + "甲工程,一标段,建设工程,421200,2050,1980.5,2011-01-05\n").encode("gbk"))
    result = runner.invoke(args=["history", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "read as GB18030 (GBK), header on line 2; 预算或招标控制价（万元）: amounts in 万元" in result.output
    assert "imported 1 deal(s) (construction 1), 19,805,000.00 yuan" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(Deal.budget)) == 20_500_000


def test_history_import_confirms_warnings_only_with_accept_warnings(app, runner, tmp_path):
    path = tmp_path / "2011.csv"
    path.write_text(HEADER + "甲工程,一标段,建设工程,421200,100,120,2011-01-05\n", encoding="utf-8")
    refused = runner.invoke(args=["history", "import", str(path)])
    assert refused.exit_code == 1
    assert "warning: line 2, column F 中标或成交价 (award_price): The award price 120.00 is above the budget or " \
           "control price 100.00. [rule history.award_above_budget]" in refused.output
    assert "--accept-warnings" in refused.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Deal.id))) == 0
    accepted = runner.invoke(args=["history", "import", str(path), "--accept-warnings"])
    assert accepted.exit_code == 0 and "1 warning(s) confirmed" in accepted.output


def test_history_import_refuses_an_oversized_cell_by_line_and_column_without_a_traceback(app, runner, tmp_path):
    """A cell over 131,072 characters raised _csv.Error: a traceback."""
    path = tmp_path / "2011.csv"
    path.write_text(HEADER + "甲工程,一标段,建设工程,421200,100,90,2011-01-05\n"
                    f"乙工程,\"{'长' * 131_073}\",建设工程,421200,100,90,2011-01-05\n", encoding="utf-8")
    result = runner.invoke(args=["history", "import", str(path)])
    assert result.exit_code == 1
    assert "line 3, column B: The cell has more than 32,767 characters." in result.output
    assert "Traceback" not in result.output


def test_history_import_refuses_a_file_above_the_limit(app, runner, tmp_path):
    app.config["HISTORY_IMPORT_MAX_BYTES"] = 2**20
    path = tmp_path / "2011.csv"
    path.write_bytes((HEADER + "甲工程,一标段,建设工程,421200,100,90,2011-01-05\n").encode() + b"#" * 2**20)
    result = runner.invoke(args=["history", "import", str(path)])
    assert result.exit_code == 1 and "The file is 1.0 MB; a file may have at most 1 MB here" in result.output

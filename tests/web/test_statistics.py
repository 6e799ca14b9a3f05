"""The supervisor's statistics pages: Xianning's city centre Jan–Aug 2010 from the scenario, every figure with its
working, the lots behind a figure adding up to it, and the Excel export whose formulas give the page's figures."""

from __future__ import annotations

import io
from decimal import Decimal

import formulas
import openpyxl
import pytest

from tests.conftest import FIXED_NOW, login
from trading.extensions import db
from trading.services import history, statistics as stats

CENTRE = {"period_kind": "dates", "period": "2010-01-01..2010-08-31", "region": "421200", "subs": "0"}


@pytest.fixture
def loaded(app, demo):
    """The demo accounts and the xianning-2010 scenario's historical lots."""
    with app.app_context():
        history.load_scenario(db.session, None, FIXED_NOW, "xianning-2010")
        db.session.commit()
    return app


def test_the_report_states_the_definitions_and_the_centres_figures(client, loaded):
    login(client, "supervisor")
    page = client.get("/statistics", query_string=CENTRE).get_data(as_text=True)
    assert "节资率" in page and "溢价率" in page and "Σ (预算价 − 中标价) / Σ 预算价" in page
    assert "7.24%" in page  # the 49 parcels: 77,980,000 / 1,077,000,000
    assert "1.61 亿元（160,672,600.00 元）" in page  # savings of the 70 construction and procurement lots
    assert "chart.umd.min.js" in page and "chart-data" in page  # charts served locally, no CDN
    assert "cdn" not in page.lower()


def test_the_working_lists_the_lots_behind_a_figure_and_they_add_up(client, loaded):
    login(client, "staff")
    with loaded.app_context():
        from trading.services.statistics import Filters

        filters = Filters.period("dates", "2010-01-01..2010-08-31", region="421200", include_subordinates=False)
        figure = stats.savings(db.session, filters)["savings_rate"]
        pages = [stats.lots(db.session, filters, kind="savings", page=n, per_page=25) for n in (1, 2, 3)]
    total = sum((d.budget for p in pages for d in p.deals), Decimal(0))
    assert pages[0].total == figure.count == 70 and total == figure.denominator
    page = client.get("/statistics/working", query_string={**CENTRE, "figure": "savings_rate", "sort": "savings",
                                                           "desc": "1"}).get_data(as_text=True)
    assert "160,672,600.00" in page and "70" in page


def test_a_bad_filter_names_the_field_and_shows_no_500(client, loaded):
    login(client, "supervisor")
    response = client.get("/statistics", query_string={"period_kind": "quarter", "period": "2010-Q5"})
    assert response.status_code == 200 and "alert-danger" in response.get_data(as_text=True)


def test_the_excel_export_recomputes_the_pages_figures(client, loaded, tmp_path):
    login(client, "supervisor")
    response = client.get("/statistics.xlsx", query_string=CENTRE)
    assert response.status_code == 200
    path = tmp_path / "report.xlsx"
    path.write_bytes(response.data)
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["指标"]
    assert str(sheet["B8"].value).startswith("=IF(") and "SUMIFS" in str(sheet["B5"].value)
    model = formulas.ExcelModel().loads(str(path)).finish()
    solution = model.calculate()

    def value(cell: str) -> float:
        keys = [k for k in solution if k.upper().endswith(f"指标'!{cell}")]
        assert keys, sorted(solution)[:20]
        key = keys[0]
        return float(solution[key].value[0][0])

    shown = {row[0].value: row[3].value for row in sheet.iter_rows(min_row=2) if row[0].value}
    assert value("B7") == pytest.approx(160_672_600.00) == shown["节资额（元）"]
    assert value("B8") == pytest.approx(float(shown["节资率"]), abs=1e-12)
    assert value("B15") == pytest.approx(float(shown["溢价率"]), abs=1e-12) == pytest.approx(77_980_000 / 1_077_000_000)


def test_staff_import_a_file_all_or_nothing_and_see_every_bad_row(client, app, demo):
    login(client, "staff")
    good = "项目名称,标段名称,交易类型,行政区划代码,预算或招标控制价,中标或成交价,公告日期,中标或成交日期\n" \
           "咸安区学校改造工程,一标段,建设工程,421202,1000000,980000,2010-03-01,2010-04-01\n"
    bad = good + "咸安区道路工程,一标段,建设工程,999999,1000000,-5,2010-05-01,2010-04-01\n"
    refused = client.post("/statistics/import", data={"file": (io.BytesIO(bad.encode()), "past.csv")},
                          content_type="multipart/form-data")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "<td>3</td>" in page  # the bad line is listed, with each problem
    with app.app_context():
        assert stats.lots(db.session, stats.Filters(), kind="all").total == 0  # nothing was imported
    done = client.post("/statistics/import", data={"file": (io.BytesIO(good.encode()), "past.csv")},
                       content_type="multipart/form-data")
    assert done.status_code == 302
    with app.app_context():
        assert stats.lots(db.session, stats.Filters(), kind="all").total == 1


def test_an_imported_name_that_looks_like_a_formula_is_text_and_the_platforms_formulas_stay_live(client, app, demo):
    """Issue 14: a deal's names come from whoever typed the imported file; the workbook holds them as text."""
    login(client, "staff")
    names = ('=HYPERLINK("http://evil.example","点击查看")', "@SUM(1+1)")
    data = "项目名称,标段名称,交易类型,行政区划代码,预算或招标控制价,中标或成交价,公告日期,中标或成交日期\n" \
           '"=HYPERLINK(""http://evil.example"",""点击查看"")",@SUM(1+1),建设工程,421202,1000000,980000,' \
           "2010-03-01,2010-04-01\n"
    done = client.post("/statistics/import", data={"file": (io.BytesIO(data.encode()), "past.csv")},
                       content_type="multipart/form-data")
    assert done.status_code == 302
    login(client, "supervisor")
    response = client.get("/statistics.xlsx", query_string={"period_kind": "dates", "period": "2010-01-01..2010-12-31"})
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    lots = book["成交记录"]
    assert (lots["A2"].value, lots["B2"].value) == names
    assert lots["A2"].data_type == lots["B2"].data_type == "s" and lots["A2"].quotePrefix and lots["B2"].quotePrefix
    assert lots["J2"].data_type == "f" and lots["K2"].value == "=IF(J2=1,G2-I2,\"\")"  # the platform's own formulas
    assert book["指标"]["B3"].data_type == "f"

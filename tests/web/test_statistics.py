"""The supervisor's statistics pages: Xianning's city centre Jan–Aug 2010 from the scenario, every figure with its
working, the lots behind a figure adding up to it, and the Excel export whose formulas give the page's figures."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import formulas
import openpyxl
import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from trading.domain import rules
from trading.extensions import db
from trading.models import Deal
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
    assert value("B18") == shown["项目数"] == 108  # 119 lots of 108 distinct projects
    assert value("B20") == pytest.approx(float(shown["进场交易率"]))
    assert value("B19") == shown["进场交易标段数"] <= shown["交易标段（宗地）数"]

    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["成交记录", "指标", "按交易类型", "按月份", "按地区", "筛选条件"]
    for each in book.worksheets:  # every column has a width: amounts never show as ####
        used = {c.column_letter for row in each.iter_rows() for c in row if c.value is not None}
        assert all(each.column_dimensions[c].width and each.column_dimensions[c].width >= 10 for c in used), each.title
    assert book["成交记录"].column_dimensions["I"].width >= len("9,999,999,999,999.99")
    lots = list(book["成交记录"].iter_rows(min_row=2, values_only=True))
    for title, column in (("按交易类型", 2), ("按月份", 16), ("按地区", 4)):  # C, Q, E of the lot sheet
        letter = "CQE"[("按交易类型", "按月份", "按地区").index(title)]
        sheet = book[title]
        assert sheet.max_row >= 2, title
        for row in range(2, sheet.max_row + 1):
            key = sheet[f"J{row}"].value
            assert sheet[f"B{row}"].value == f"=COUNTIFS('成交记录'!{letter}2:{letter}{len(lots) + 1},J{row})"
            assert f"SUMIFS('成交记录'!I2:I{len(lots) + 1},'成交记录'!{letter}2:{letter}{len(lots) + 1},J{row})" \
                in sheet[f"C{row}"].value
            mine = [lot for lot in lots if lot[column] == key]  # the same sums in Python over the lot rows
            assert len(mine) == sheet[f"F{row}"].value == value_of(solution, title, f"B{row}")
            amount = sum(Decimal(str(lot[8])) for lot in mine)
            assert float(amount) == pytest.approx(sheet[f"G{row}"].value) == pytest.approx(
                value_of(solution, title, f"C{row}"))
            budgeted = [lot for lot in mine if lot[6] is not None]
            if budgeted and sheet[f"H{row}"].value is not None:
                rate = sum(Decimal(str(lot[6] - lot[8])) for lot in budgeted) / sum(Decimal(str(lot[6]))
                                                                                    for lot in budgeted)
                assert float(rate) == pytest.approx(sheet[f"H{row}"].value) == pytest.approx(
                    value_of(solution, title, f"D{row}"))
    filters = {row[0]: row[1] for row in book["筛选条件"].iter_rows(min_row=2, values_only=True)}
    assert filters["统计期间（中标/成交日期）"] == "2010-01-01 – 2010-08-31"
    assert filters["行政区划"].startswith("421200") and "仅本级" in filters["行政区划"]
    assert filters["交易类型"] == filters["交易方式"] == "全部"
    assert "supervisor" in filters["导出人"] and filters["导出时间（北京时间）"].startswith("2026-03-02 09:00")


def value_of(solution, sheet: str, cell: str) -> float:
    """A cell's value as the formulas package computed it."""
    keys = [k for k in solution if k.upper().endswith(f"{sheet.upper()}'!{cell}")]
    assert keys, (sheet, cell)
    return float(solution[keys[0]].value[0][0])


def test_the_workbook_speaks_english_in_english_mode(client, loaded):
    login(client, "staff")
    client.post("/language", data={"lang": "en", "next": "/"})
    response = client.get("/statistics.xlsx", query_string=CENTRE)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Lots", "Figures", "By trade type", "By month", "By region", "Filters"]
    assert book["Lots"]["A1"].value == "Project"
    assert book["Lots"]["C2"].value in {t.name_en for t in rules.TRADE_TYPES.values()}
    assert book["Figures"]["A8"].value == "Savings rate" and "SUMIFS('Lots'!" in book["Figures"]["B5"].value
    filters = {row[0]: row[1] for row in book["Filters"].iter_rows(min_row=2, values_only=True)}
    assert filters["Trade type"] == "all" and "(itself only)" in filters["Region"]


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


# -- the import page: files as a centre has them (issue 14) ------------------------------------------------------

TITLED = ("咸宁市2010年成交项目汇总表,,,,,,\n"
          "项目名称,标段名称,交易类型,行政区划代码,预算或招标控制价（万元）,中标或成交价（万元）,中标或成交日期\n"
          "咸安区学校改造工程,一标段,建设工程,421202,2050,2000,2010-04-01\n")
WARNED = ("项目名称,标段名称,交易类型,行政区划代码,预算或招标控制价,起始价,中标或成交价,中标或成交日期\n"
          "咸安区学校改造工程,一标段,建设工程,421202,1000000,,1200000,2010-04-01\n"
          "咸政储(2010)12号地块,商住用地,土地,421200,,30000000,29000000,2010-05-20\n")


def upload(client, data: bytes, name: str = "past.csv", **fields):
    return client.post("/statistics/import", data={"file": (io.BytesIO(data), name), **fields},
                       content_type="multipart/form-data")


def deal_count(app) -> int:
    with app.app_context():
        return stats.lots(db.session, stats.Filters(), kind="all").total


def test_a_gbk_file_with_a_title_row_and_amounts_in_wan_yuan_is_imported_as_it_is_meant(client, app, demo):
    """Excel's CSV on Chinese Windows, a merged title, 万元 columns: the page says how it read them."""
    login(client, "staff")
    assert upload(client, TITLED.encode("gbk")).status_code == 302
    page = client.get("/statistics/import").get_data(as_text=True)
    assert "GB18030 (GBK)" in page and "表头在第 2 行" in page and "预算或招标控制价（万元）" in page
    with app.app_context():
        assert db.session.execute(sa.select(Deal.budget, Deal.price)).all() == [
            (Decimal("20500000.00"), Decimal("20000000.00"))]  # 2,050 万元 was stored as 2,050 yuan


def test_warnings_are_listed_and_imported_only_with_the_box_ticked_for_that_file(client, app, demo):
    login(client, "staff")
    first = upload(client, WARNED.encode())
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and deal_count(app) == 0
    assert "history.award_above_budget" in page and "history.deal_below_start" in page
    assert 'name="accept_warnings"' in page
    digest = re.search(r'name="confirmed" value="([0-9a-f]{64})"', page)[1]
    ticked_blind = upload(client, WARNED.encode(), accept_warnings="y", confirmed="0" * 64)
    assert ticked_blind.status_code == 200 and deal_count(app) == 0  # not the file whose warnings were shown
    other = WARNED.replace("1200000", "1300000").encode()
    assert upload(client, other, accept_warnings="y", confirmed=digest).status_code == 200 and deal_count(app) == 0
    assert upload(client, WARNED.encode(), accept_warnings="y", confirmed=digest).status_code == 302
    assert deal_count(app) == 2
    assert "2 条警告已确认" in client.get("/statistics/import").get_data(as_text=True)


@pytest.mark.parametrize("length", [40_000, 131_073])
def test_an_oversized_cell_is_listed_by_line_and_column_not_a_500(client, app, demo, length):
    login(client, "staff")
    text = TITLED.replace("一标段", "一" * length)
    response = upload(client, text.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<td>3</td>" in page and ">B<" in page and "32,767" in page
    assert deal_count(app) == 0


def test_a_nul_in_a_name_is_listed_by_line_column_and_character(client, app, demo):
    login(client, "staff")
    page = upload(client, TITLED.replace("咸安区学校", "咸安区\x00学校").encode()).get_data(as_text=True)
    assert "<td>3</td>" in page and "U+0000" in page and ">A<" in page and deal_count(app) == 0


def test_a_file_above_the_limit_is_refused_before_it_is_read(client, app, demo):
    app.config["HISTORY_IMPORT_MAX_BYTES"] = 2**20
    login(client, "staff")
    big = TITLED.encode() + b"x" * 2**20
    response = upload(client, big)
    assert response.status_code == 200 and "1 MB" in response.get_data(as_text=True) and deal_count(app) == 0

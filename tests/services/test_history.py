"""Importing a centre's files of past deals as they really are (issue 14): the encodings Excel saves, units in the
header, a title row above it, oversized cells and files, control characters, duplicates of stored deals with the
file's own normalisation, and warnings imported only once confirmed. Nothing is ever half-saved."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from trading.domain.errors import DomainError
from trading.models import AuditEntry, Deal
from trading.platform import current_platform
from trading.services import history

HEADER = ["项目名称", "标段名称", "交易类型", "行政区划代码", "预算或招标控制价", "中标或成交价", "中标或成交日期"]
ROWS = [["咸宁市温泉路道路改造工程", "标段2", "建设工程", "421200", "12500000", "12180000", "2010-03-29"],
        ["咸宁市实验小学教学设备采购", "第一包", "政府采购", "421221", "1200000", "1150000", "2010-06-30"]]


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig", title=None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    if title:
        writer.writerow([title] + [""] * (len(header) - 1))
    writer.writerows([header, *rows])
    return out.getvalue().encode(encoding)


def imported(session, now, name: str, data: bytes, **options) -> history.Imported:
    return history.import_history(current_platform(), session, "cli", now, history.read_rows(name, io.BytesIO(data)),
                                  name, **options)


def refusal(session, now, name: str, data: bytes, **options) -> DomainError:
    with pytest.raises(DomainError) as caught:
        imported(session, now, name, data, **options)
    return caught.value


def deals(session) -> list[Deal]:
    return list(session.scalars(sa.select(Deal).order_by(Deal.id)))


@pytest.mark.parametrize(("encoding", "label"), [("utf-8-sig", "UTF-8 (BOM)"), ("utf-8", "UTF-8"),
                                                  ("gbk", "GB18030 (GBK)"), ("utf-16", "UTF-16 (BOM)")])
def test_a_file_in_any_encoding_excel_saves_is_imported_and_the_report_names_it(session, now, encoding, label):
    """A CSV saved by Excel on Chinese Windows (GBK) was refused as "not UTF-8"; it is the most common file."""
    done = imported(session, now, "2010.csv", csv_bytes(ROWS, encoding=encoding))
    assert (done.lots, done.encoding, done.header_line) == (2, label, 1)
    assert [d.project_name for d in deals(session)] == ["咸宁市温泉路道路改造工程", "咸宁市实验小学教学设备采购"]
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "deal.import"))
    assert entry.payload["encoding"] == label


def test_amounts_in_a_wan_yuan_column_are_stored_in_yuan(session, now):
    """The issue's file: 预算或招标控制价（万元） 2,050 is 20,500,000 yuan, not 2,050."""
    header = [*HEADER[:4], "预算或招标控制价（万元）", "中标或成交价（万元）", HEADER[6]]
    rows = [[*ROWS[0][:4], "2050", "2018.5678", ROWS[0][6]]]
    done = imported(session, now, "2010.csv", csv_bytes(rows, header))
    assert done.units == {"预算或招标控制价（万元）": "万元", "中标或成交价（万元）": "万元"}
    (deal,) = deals(session)
    assert (deal.budget, deal.price) == (Decimal("20500000.00"), Decimal("20185678.00"))
    assert done.amount == Decimal("20185678.00")


def test_a_money_column_whose_unit_cannot_be_read_is_refused_by_name(session, now):
    header = [*HEADER[:4], "预算（美元）", *HEADER[5:]]
    error = refusal(session, now, "2010.csv", csv_bytes(ROWS, header))
    assert [(e["line"], e["column"], e["header"], e["field"]) for e in error.params["errors"]] == [
        (1, "E", "预算（美元）", "budget")]
    assert deals(session) == []


def titled(kind: str, rows) -> bytes:
    """A file with a merged title row above its header: GBK CSV, or a workbook."""
    title = "咸宁市公共资源交易中心2010年成交项目汇总表"
    if kind == "csv":
        return csv_bytes(rows, encoding="gbk", title=title)
    book = openpyxl.Workbook()
    book.active.append([title])
    book.active.merge_cells("A1:G1")
    for row in [HEADER, *rows]:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_header_below_a_title_row_is_used_and_its_line_reported(session, now, kind):
    """It was reported as six missing columns on line 1."""
    done = imported(session, now, f"2010.{kind}", titled(kind, ROWS))
    assert (done.lots, done.header_line) == (2, 2)
    bad = refusal(session, now, f"2011.{kind}", titled(kind, [[*ROWS[1][:3], "421299", *ROWS[1][4:]]]))
    assert [(e["line"], e["column"], e["field"]) for e in bad.params["errors"]] == [(3, "D", "region_code")]
    assert bad.params["header_line"] == 2


@pytest.mark.parametrize("length", [40_000, 131_073])
def test_an_oversized_cell_is_refused_by_line_and_column_not_a_crash(session, now, length):
    """A cell over 131,072 characters raised an uncaught _csv.Error (a 500 on the web)."""
    rows = [ROWS[0], [ROWS[1][0] + "工" * length, *ROWS[1][1:]]]
    with pytest.raises(DomainError) as caught:
        history.read_rows("2010.csv", io.BytesIO(csv_bytes(rows)))
    assert caught.value.field == "file"
    assert [(e["line"], e["column"]) for e in caught.value.params["errors"]] == [(3, "A")]


def test_a_file_above_the_limit_is_refused_before_it_is_read(session, now):
    data = csv_bytes(ROWS * 200)
    with pytest.raises(DomainError) as caught:
        history.read_rows("2010.csv", io.BytesIO(data), max_bytes=len(data) - 1)
    assert caught.value.field == "file" and "MB" in str(caught.value)
    assert history.read_rows("2010.csv", io.BytesIO(data), max_bytes=len(data)).rows


def test_a_nul_in_a_name_is_refused_naming_line_column_and_character(session, now):
    rows = [ROWS[0], [ROWS[1][0], "第一\x00包", *ROWS[1][2:]]]
    error = refusal(session, now, "2010.csv", csv_bytes(rows))
    assert [(e["line"], e["column"], e["field"], e["params"]["char"]) for e in error.params["errors"]] == [
        (3, "B", "lot_name", "U+0000")]
    assert deals(session) == []


def test_duplicates_of_stored_deals_are_found_with_the_files_normalisation(session, now):
    """标段 2 and 标段２ were imported beside the stored 标段2 (the check against stored deals was exact)."""
    imported(session, now, "2010.csv", csv_bytes(ROWS[:1]))
    for name in ("标段 2", "标段２"):
        error = refusal(session, now, "2010-again.csv", csv_bytes([[ROWS[0][0], name, *ROWS[0][2:]]]))
        assert [(e["line"], e["field"], e["params"]) for e in error.params["errors"]] == [
            (2, None, {"source": "import:2010.csv"})]
    spaced = [[" 咸宁市温泉路道路改造工程 ", "标段3", *ROWS[0][2:]]]
    assert imported(session, now, "2010-third.csv", csv_bytes(spaced)).lots == 1
    assert len(deals(session)) == 2


def test_warnings_import_nothing_until_confirmed_then_everything(session, now):
    """An award above its budget and land below its starting price were imported silently."""
    header = [*HEADER[:4], "预算或招标控制价", "起始价", "中标或成交价", HEADER[6]]
    rows = [[*ROWS[0][:4], "12500000", "", "12180000", ROWS[0][6]],
            [*ROWS[1][:4], "1000000", "", "1150000", ROWS[1][6]],  # above its budget
            ["咸政储(2010)12号地块", "温泉路以东商住用地", "土地", "421200", "", "30000000", "29000000", "2010-05-20"]]
    data = csv_bytes(rows, header)
    error = refusal(session, now, "2010.csv", data)
    assert error.field == "accept_warnings" and error.params["errors"] == []
    assert [(w["line"], w["column"], w["field"], w["rule"]) for w in error.params["warnings"]] == [
        (3, "G", "award_price", "history.award_above_budget"), (4, "G", "award_price", "history.deal_below_start")]
    assert deals(session) == [] and session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "deal.import")) == 0
    done = imported(session, now, "2010.csv", data, accept_warnings=True)
    assert (done.lots, done.warnings) == (3, 2) and len(deals(session)) == 3
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "deal.import"))
    assert entry.payload["warnings_confirmed"] == [{"line": 3, "rule": "history.award_above_budget"},
                                                   {"line": 4, "rule": "history.deal_below_start"}]


def test_errors_and_warnings_together_import_nothing_even_when_warnings_are_accepted(session, now):
    rows = [[*ROWS[0][:4], "1000000", "1150000", ROWS[0][6]], [*ROWS[1][:5], "-5", ROWS[1][6]]]
    error = refusal(session, now, "2010.csv", csv_bytes(rows), accept_warnings=True)
    assert error.field == "file"
    assert [e["line"] for e in error.params["errors"]] == [3] and [w["line"] for w in error.params["warnings"]] == [2]
    assert deals(session) == []

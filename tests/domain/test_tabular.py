"""Reading a centre's files as they are: the encodings Excel saves, a title above the header, oversized cells and
files refused by line and column, workbooks that claim to be larger than they are."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

import openpyxl
import pytest

from trading.domain import tabular
from trading.domain.errors import DomainError

HEADER = "项目名称,标段名称,交易类型,行政区划代码,中标或成交价,中标或成交日期"
ROW = "咸宁市温泉路道路改造工程,第一标段,建设工程,421200,12180000,2010-03-29"
TEXT = f"{HEADER}\r\n{ROW}\r\n"
MB = 2**20


def is_header(cells) -> bool:
    """The header names two or more of the columns (a title row names none)."""
    return sum(cell in HEADER.split(",") for cell in cells) >= 2


def read(name: str, data: bytes | str, max_bytes: int = MB) -> tabular.Sheet:
    stream = io.StringIO(data) if isinstance(data, str) else io.BytesIO(data)
    return tabular.read(name, stream, max_bytes=max_bytes, is_header=is_header)


def refused(name: str, data: bytes | str, max_bytes: int = MB) -> DomainError:
    with pytest.raises(DomainError) as caught:
        read(name, data, max_bytes)
    return caught.value


@pytest.mark.parametrize(
    ("data", "label"),
    [
        (TEXT.encode("utf-8"), "UTF-8"),
        (TEXT.encode("utf-8-sig"), "UTF-8 (BOM)"),
        (TEXT.encode("gbk"), "GB18030 (GBK)"),  # Excel's "CSV (逗号分隔)" on Chinese Windows
        (TEXT.encode("gb18030"), "GB18030 (GBK)"),
        (TEXT.encode("utf-16"), "UTF-16 (BOM)"),  # with its byte-order mark, little-endian here
        ("\ufeff".encode("utf-16-be") + TEXT.encode("utf-16-be"), "UTF-16 (BOM)"),
        (TEXT.replace(",", "\t").encode("utf-16"), "UTF-16 (BOM)"),  # Excel's "Unicode text": tab-separated
        (TEXT.encode("utf-16-le"), "UTF-16LE"),  # no mark: NUL bytes on every other position
    ],
)
def test_every_encoding_a_centre_has_is_read_and_named(data, label):
    sheet = read("2010.csv", data)
    assert sheet.encoding_label == label
    assert sheet.header[0] == "项目名称" and sheet.rows == [(2, tuple(ROW.split(",")))]


def test_bytes_that_are_neither_utf8_nor_gb18030_are_refused_naming_the_line():
    data = TEXT.encode("utf-8") + b"\xff\xfe\xff,x\n"
    error = refused("2010.csv", data)
    assert error.field == "file" and error.params["line"] == 3 and "GB18030" in str(error)


def test_a_short_gbk_file_is_not_taken_for_utf8():
    """The ladder tries strict UTF-8 first: GBK text is not valid UTF-8, so it falls to GB18030."""
    for text in ("项目名称", "标段", "中标价", "是"):
        assert tabular.decode(text.encode("gbk")) == (text, "gb18030")


def test_a_title_row_above_the_header_is_skipped_and_the_header_line_reported():
    """A merged title as Excel saves it in CSV (the title then empty cells), blank rows keep their numbers."""
    data = f"2010年成交项目汇总表,,,,,\r\n\r\n{HEADER}\r\n{ROW}\r\n,,,,,\r\n{ROW}\r\n"
    sheet = read("2010.csv", data.encode("gbk"))
    assert sheet.header_line == 3 and [line for line, _ in sheet.rows] == [4, 6]


def test_a_title_row_above_the_header_of_a_workbook_is_skipped():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["咸宁市公共资源交易中心 2010年成交项目汇总表"])
    sheet.merge_cells("A1:F1")
    sheet.append(HEADER.split(","))
    sheet.append(ROW.split(","))
    data = io.BytesIO()
    book.save(data)
    found = read("2010.xlsx", data.getvalue())
    assert (found.header_line, found.encoding, [line for line, _ in found.rows]) == (2, None, [3])


def test_without_a_recognised_header_the_first_row_is_the_header():
    """So that the caller reports the columns it misses on that line."""
    sheet = read("2010.csv", "名称,金额\n甲,1\n")
    assert (sheet.header, sheet.header_line) == (("名称", "金额"), 1)


@pytest.mark.parametrize("length", [tabular.MAX_CELL + 1, 131_073, 400_000])
def test_an_oversized_cell_is_refused_by_line_and_column(length):
    """Beyond Excel's 32,767 characters, and beyond the csv module's own limit (which raised _csv.Error)."""
    quoted = '"' + "长" * (length - 1) + '\n"'  # a quoted cell spanning two physical lines
    data = f"{HEADER}\n{ROW}\n咸宁市工程,第二标段,{quoted},421200,1,2010-03-29\n{ROW}\n"
    error = refused("2010.csv", data.encode("utf-8"), max_bytes=4 * MB)
    assert error.field == "file"
    assert [(p["line"], p["column"]) for p in error.params["problems"]] == [(3, "C")]
    assert error.params["problems"][0]["params"] == {"limit": "32,767"}


def workbook(rows: list[list], change=lambda name, content: content) -> bytes:
    """A workbook of ``rows``, its parts passed through ``change(name, content)`` (as a tool other than Excel
    could write them)."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    saved = io.BytesIO()
    book.save(saved)
    patched = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved.getvalue())) as source, zipfile.ZipFile(patched, "w") as target:
        for info in source.infolist():
            target.writestr(info, change(info.filename, source.read(info)))
    return patched.getvalue()


def test_an_oversized_cell_of_a_workbook_is_refused_by_line_and_column():
    """Excel cannot write one, but another tool can."""
    long = ("工" * (tabular.MAX_CELL + 1)).encode()
    data = workbook([HEADER.split(","), ["PLACEHOLDER", *ROW.split(",")[1:]]],
                    lambda name, content: content.replace(b"PLACEHOLDER", long))
    error = refused("2010.xlsx", data)
    assert [(p["line"], p["column"], p["header"]) for p in error.params["problems"]] == [(2, "A", "项目名称")]


def test_a_file_above_the_limit_is_refused_before_it_is_parsed():
    """The refusal says the size and the limit; the stream is not read beyond the limit."""
    data = (TEXT + ROW * 20000).encode("utf-8")
    stream = io.BytesIO(data)
    with pytest.raises(DomainError) as caught:
        tabular.read("big.csv", stream, max_bytes=MB // 4, is_header=is_header)
    assert caught.value.field == "file" and caught.value.params["limit"] == "0.25"
    assert float(caught.value.params["size"]) == pytest.approx(len(data) / MB, abs=0.1)


def test_a_workbook_that_unpacks_far_beyond_the_limit_is_refused():
    """A zip bomb: small on disk, hundreds of times larger unpacked."""
    book = openpyxl.Workbook()
    book.active.append(HEADER.split(","))
    data = io.BytesIO()
    book.save(data)
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data.getvalue())) as source, \
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("xl/media/padding.bin", b"\0" * (tabular.XLSX_UNPACKED_FACTOR * MB // 4 + 1))
    assert len(bomb.getvalue()) < MB // 4
    assert "MB" in str(refused("bomb.xlsx", bomb.getvalue(), MB // 4))


def test_a_workbook_claiming_a_huge_sheet_is_read_as_it_is():
    """A dimension of A1:XFD1048576 is ignored; only the header's columns are read."""
    def huge(name: str, content: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return content
        return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', content, count=1)

    sheet = read("2010.xlsx", workbook([HEADER.split(","), ROW.split(",")], huge))
    assert len(sheet.header) == 6 and [len(cells) for _, cells in sheet.rows] == [6]


def test_other_files_are_refused():
    assert refused("deals.txt", b"x").field == "file"
    assert refused("deals.xlsx", b"not a zip").field == "file"
    assert refused("deals.xlsx", "text").field == "file"


def test_control_characters_are_the_unicode_controls_and_format_characters():
    """Cc, Cf and Cs, except tab, line feed and carriage return, exactly as the Unicode database says."""
    for code in range(0x110000):
        char = chr(code)
        expected = char not in "\t\n\r" and unicodedata.category(char) in ("Cc", "Cf", "Cs")
        assert (tabular.control_character(char) is not None) == expected, hex(code)
    assert tabular.control_character("标段\x002") == "U+0000" and tabular.control_character("标段2") is None


def test_column_letters():
    assert [tabular.column_letter(i) for i in (0, 5, 25, 26, 255)] == ["A", "F", "Z", "AA", "IV"]


@pytest.mark.parametrize("broken", [b"<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v>",
                                    b"<row><c t=\"s\"><v>999</v></c></row>"])
def test_a_workbook_with_a_broken_sheet_is_refused_not_a_crash(broken):
    """Malformed XML (ParseError, a SyntaxError) or a string index out of range: not a readable workbook."""
    def breaks(name: str, content: bytes) -> bytes:
        return content.replace(b"</sheetData>", broken + b"</sheetData>") if name.endswith("sheet1.xml") else content

    error = refused("2010.xlsx", workbook([HEADER.split(","), ROW.split(",")], breaks))
    assert error.field == "file" and "Excel" in str(error)

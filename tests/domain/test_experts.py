"""Expert data: ID and mobile checks, titles and eligibility, all-or-nothing imports, the refusal policy."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
from stdnum.cn import ric

from trading.domain import specialties
from trading.domain.errors import DomainError
from trading.domain.experts import (
    DEFAULT_REFUSAL_POLICY,
    RefusalPolicy,
    check_eligibility,
    check_id_number,
    check_mobile,
    check_title,
    mask_id,
    parse_rows,
    read_csv,
    read_xlsx,
    refusal_suspension,
)
from trading.domain.rules import DEFAULT_RULES as LAW, RuleSet, rule

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CATALOGUE = specialties.load()


def make_id(first17: str) -> str:
    """An ID number with its correct check digit."""
    return first17 + ric.calc_check_digit(first17 + "0")


GOOD_ID = make_id("11010119700307001")  # 北京市东城区, born 1970-03-07
OTHER_ID = make_id("11010219751231002")  # 北京市西城区, born 1975-12-31
CHINESE_HEADER = "姓名,身份证号,手机号,专业代码,职称,从业年限,地区代码,工作单位统一社会信用代码\n"
ENGLISH_HEADER = "name,id_number,mobile,specialties,title,years,region_code,employer_credit_code\n"


def row(line=2, **changes) -> dict:
    """One good import row, with changes."""
    base = {"line": line, "name": "张三", "id_number": GOOD_ID, "mobile": "13800138000",
            "specialties": "A010101;B010101", "title": "高级工程师", "years": "12", "region_code": "421202",
            "employer_credit_code": ""}
    return {**base, **changes}


def refusal(call) -> DomainError:
    """The DomainError raised by ``call()``."""
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


# -- ID numbers, mobiles ---------------------------------------------------------------------------

def test_id_number_accepted_and_normalised():
    """A valid number passes; spaces, hyphens and a lower-case x are tolerated."""
    assert check_id_number(GOOD_ID) == GOOD_ID
    assert check_id_number(f" {GOOD_ID[:6]} {GOOD_ID[6:14]}-{GOOD_ID[14:]} ") == GOOD_ID
    with_x = next(make_id(f"110101197003070{n:02d}") for n in range(100)
                  if make_id(f"110101197003070{n:02d}").endswith("X"))
    assert check_id_number(with_x.lower()) == with_x


@pytest.mark.parametrize(
    ("text", "expected_in_message", "params"),
    [
        ("", "Enter the ID number", {}),
        ("1101011970030700", "has 18 characters; this one has 16", {"count": 16}),
        ("11010119700307A011", "17 digits followed by a digit or X", {}),
        (GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1"), "check digit", {"expected": GOOD_ID[-1]}),
        (make_id("11010119700230001"), "birth date 1970-02-30, which does not exist", {"date": "1970-02-30"}),
        (make_id("99999919700307001"), "starts with 999999", {"code": "999999", "year": 1970}),
        (make_id("42120219751231002"), "421202, which was not a region code", {"year": 1975}),  # 咸安区 since 1998
    ],
)
def test_id_number_refusals_say_why(text, expected_in_message, params):
    """Length, characters, check digit (with the expected one), birth date and region each get their reason."""
    error = refusal(lambda: check_id_number(text, field="idno"))
    assert expected_in_message in str(error)
    assert error.field == "idno"
    for key, value in params.items():
        assert error.params[key] == value


def test_id_number_birth_date_in_the_future():
    """Given today, a birth date after it is refused."""
    future = make_id("11010120300101001")
    assert check_id_number(future) == future
    assert "in the future" in str(refusal(lambda: check_id_number(future, today=date(2026, 3, 2))))


def test_mask_id():
    """First 6, eight stars, last 4."""
    assert mask_id(GOOD_ID) == GOOD_ID[:6] + "********" + GOOD_ID[-4:]
    assert len(mask_id(GOOD_ID)) == 18
    assert mask_id("123") == "***"


@pytest.mark.parametrize("text", ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000",
                                  "+8613800138000", "008613800138000", "8613800138000", "19912345678"])
def test_mobile_accepted(text):
    """11 digits starting 1[3-9]; spaces, hyphens and the country code tolerated."""
    assert check_mobile(text) in {"13800138000", "19912345678"}


@pytest.mark.parametrize("text", ["", "12800138000", "1380013800", "138001380001", "+1 13800138000", "1380013800a"])
def test_mobile_refused(text):
    """Anything else is refused on the mobile field."""
    assert refusal(lambda: check_mobile(text)).field == "mobile"


# -- titles and eligibility -----------------------------------------------------------------------

@pytest.mark.parametrize(("name", "level"), [("教授级高级工程师", 4), ("正高级", 4), ("高级工程师", 3),
                                             ("高级经济师", 3), ("高级会计师", 3), ("工程师", 2), ("助理工程师", 1)])
def test_titles_have_levels(name, level):
    """The title table gives each title its level."""
    assert check_title(name).level == level


def test_unknown_title_refused():
    """A title not in the table is refused naming it."""
    error = refusal(lambda: check_title("大师"))
    assert error.field == "title" and error.params["title"] == "大师"


def test_eligibility_rule_row():
    """Rule experts.eligibility: 8 years, may be raised, recalled from 第七条 of the 暂行办法."""
    found = rule("experts.eligibility")
    assert (found.value, found.unit, found.stricter, found.confidence) == (8, "years", "higher", "R")
    assert "评标专家和评标专家库管理暂行办法 第七条" in found.source and "高级职称" in found.title_zh
    assert (rule("experts.refusals").value, rule("experts.refusals").confidence) == (3, "P")
    assert (rule("experts.cooldown").unit, rule("experts.cooldown").stricter) == ("days", "higher")


def test_eligibility():
    """A senior title and 8 years pass; a middle title or 7 years do not, naming the rule."""
    check_eligibility("高级工程师", 8, rules=LAW)
    check_eligibility("教授级高级工程师", 30, rules=LAW)
    title = refusal(lambda: check_eligibility("工程师", 20, rules=LAW))
    assert (title.field, title.rule, title.params["level"]) == ("title", "experts.eligibility", "中级")
    years = refusal(lambda: check_eligibility("高级工程师", 7, rules=LAW))
    assert (years.field, years.rule, years.params["minimum"]) == ("years", "experts.eligibility", 8)


def test_eligibility_stricter_centre():
    """A centre that asks for 10 years refuses 9."""
    rules = RuleSet.from_overrides({"experts.eligibility": 10})
    check_eligibility("高级工程师", 9, rules=LAW)
    assert refusal(lambda: check_eligibility("高级工程师", 9, rules=rules)).params["minimum"] == 10
    assert refusal(lambda: RuleSet.from_overrides({"experts.eligibility": 5})).rule == "experts.eligibility"


# -- import ---------------------------------------------------------------------------------------

def test_parse_rows_good():
    """Good rows become ExpertInputs with normalised values."""
    rows = [row(), row(3, id_number=OTHER_ID, mobile="+86 139-0000-0000", specialties=" c010101、A010102 ",
                       title="教授级高级工程师", years="20年", employer_credit_code="91350100M000100Y43")]
    first, second = parse_rows(rows, CATALOGUE, NOW, rules=LAW)
    assert first.specialties == ("A010101", "B010101") and first.title.level == 3 and first.years == 12
    assert first.employer_credit_code is None and first.line == 2
    assert second.mobile == "13900000000" and second.specialties == ("A010102", "C010101")
    assert second.employer_credit_code == "91350100M000100Y43"


def test_parse_rows_reports_every_bad_row_and_imports_nothing():
    """All or nothing: one refusal lists each bad row's line, column and reason; good rows are not returned."""
    rows = [
        row(2),
        row(3, id_number=GOOD_ID[:-1] + "0" if GOOD_ID[-1] != "0" else GOOD_ID[:-1] + "1", mobile="123"),
        row(4, id_number=OTHER_ID, specialties="A010101;Z99"),
        row(5, id_number=make_id("11010119800101001"), title="工程师"),
        row(6, id_number=make_id("11010119800101002"), years="abc", region_code="999999"),
        row(7),  # the same ID number as line 2
        row(8, id_number=make_id("11010120000101001"), years="15"),  # aged 26: at most 10 years
    ]
    error = refusal(lambda: parse_rows(rows, CATALOGUE, NOW, rules=LAW))
    assert error.field == "file"
    found = {(p["line"], p["column"]) for p in error.params["problems"]}
    assert found == {(3, "id_number"), (3, "mobile"), (4, "specialties"), (5, "title"), (6, "years"),
                     (6, "region_code"), (7, "id_number"), (8, "years")}
    by_line = {p["line"]: p["reason"] for p in error.params["problems"] if p["column"] == "id_number"}
    assert "check digit" in by_line[3] and "already on line 2" in by_line[7]
    assert GOOD_ID not in by_line[7]  # masked
    assert error.params["count"] == 8 and "line 3" in str(error)
    assert any("Z99" in p["reason"] for p in error.params["problems"])


def test_parse_rows_known_id_and_empty_file():
    """An ID number already in the pool is a problem; a file with no rows is refused."""
    error = refusal(lambda: parse_rows([row()], CATALOGUE, NOW, existing={GOOD_ID}, rules=LAW))
    assert "already in the pool" in error.params["problems"][0]["reason"]
    assert refusal(lambda: parse_rows([], CATALOGUE, NOW, rules=LAW)).params["count"] == 1


def test_read_csv_chinese_header_with_bom():
    """UTF-8 with BOM, Chinese header, line numbers, blank lines skipped, extra columns ignored."""
    text = ("\ufeff" + CHINESE_HEADER.rstrip("\n") + ",备注\n" +
            f"张三,{GOOD_ID},13800138000,A010101;B010101,高级工程师,12,421202,,无\n\n" +
            f"李四,{OTHER_ID},13900000000,A010102,高级经济师,9,421202,,\n")
    rows = list(read_csv(io.BytesIO(text.encode("utf-8"))))
    assert [r["line"] for r in rows] == [2, 4]
    assert rows[0]["name"] == "张三" and rows[0]["specialties"] == "A010101;B010101" and "备注" not in rows[0]
    assert [e.name for e in parse_rows(rows, CATALOGUE, NOW, rules=LAW)] == ["张三", "李四"]


def test_read_csv_english_header_text_stream():
    """English keys, a text stream without BOM."""
    text = ENGLISH_HEADER + f"Zhang San,{GOOD_ID},13800138000,A010101,高级工程师,12,421202,\n"
    (only,) = parse_rows(read_csv(io.StringIO(text)), CATALOGUE, NOW, rules=LAW)
    assert only.name == "Zhang San"


def test_read_csv_refusals():
    """A missing column, an empty file or bytes in no encoding a centre uses are refused on the file."""
    missing = refusal(lambda: list(read_csv(io.StringIO("姓名,身份证号\n张三,1\n"))))
    assert "手机号 (mobile)" in missing.params["problems"][0]["reason"]
    assert refusal(lambda: list(read_csv(io.StringIO("")))).field == "file"
    assert "GB18030" in str(refusal(lambda: read_csv(io.BytesIO(b"\xff\xff\xfe\x00\xff"))))


def test_read_csv_as_excel_saves_it_on_chinese_windows():
    """GBK, with a merged title row above the header (the file a centre has); lines as Excel numbers them."""
    text = (",,,专家库导入表,,,,\n" + CHINESE_HEADER + f"张三,{GOOD_ID},13800138000,A010101,高级工程师,12,421202,\n")
    rows = read_csv(io.BytesIO(text.encode("gbk")))
    assert [(r["line"], r["name"]) for r in rows] == [(3, "张三")]
    assert len(parse_rows(rows, CATALOGUE, NOW, rules=LAW)) == 1


def test_control_characters_and_oversized_cells_are_refused_by_line_and_column():
    """A NUL in a name was stored as it was; a cell over 131,072 characters raised _csv.Error."""
    error = refusal(lambda: parse_rows([row(), row(3, id_number=OTHER_ID, name="李\x00四")], CATALOGUE, NOW, rules=LAW))
    assert [(p["line"], p["column"], p["params"]) for p in error.params["problems"]] == [
        (3, "name", {"char": "U+0000"})]
    long = CHINESE_HEADER + f"张三,{GOOD_ID},13800138000,A010101,高级工程师,12,421202,{'X' * 131_073}\n"
    error = refusal(lambda: read_csv(io.StringIO(long)))
    assert [(p["line"], p["column"]) for p in error.params["problems"]] == [(2, "H")]


def test_read_csv_refuses_a_file_above_the_limit():
    text = CHINESE_HEADER + f"张三,{GOOD_ID},13800138000,A010101,高级工程师,12,421202,\n" * 100
    assert "MB" in str(refusal(lambda: read_csv(io.StringIO(text), max_bytes=1000)))


def test_read_xlsx():
    """The first sheet of a workbook, numbers as text, same header as the CSV."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(CHINESE_HEADER.strip().split(","))
    sheet.append(["张三", GOOD_ID, 13800138000, "A010101、B010101", "高级工程师", 12, 421202, None])
    sheet.append([None] * 8)
    sheet.append(["李四", OTHER_ID, "13900000000", "A010102", "高级会计师", 9.0, "421202", None])
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    rows = list(read_xlsx(stream))
    assert [r["line"] for r in rows] == [2, 4]
    assert rows[0]["mobile"] == "13800138000" and rows[1]["years"] == "9"
    assert [e.region_code for e in parse_rows(rows, CATALOGUE, NOW, rules=LAW)] == ["421202", "421202"]


def test_read_xlsx_refuses_other_files():
    """Bytes that are not a workbook are refused on the file."""
    assert "xlsx" in str(refusal(lambda: list(read_xlsx(io.BytesIO(b"not a workbook")))))


# -- refusals -------------------------------------------------------------------------------------

def days_ago(n: int) -> datetime:
    """``n`` days before NOW."""
    return NOW - timedelta(days=n)


def test_refusals_below_the_count_do_not_suspend():
    """Two refusals, or conflicts and acceptances, do not suspend."""
    assert refusal_suspension([(days_ago(10), "declined"), (days_ago(5), "no_answer")], NOW) is None
    history = [(days_ago(3), "conflict"), (days_ago(2), "conflict"), (days_ago(1), "accepted"),
               (days_ago(4), "declined")]
    assert refusal_suspension(history, NOW) is None


def test_third_refusal_within_the_window_suspends():
    """3 declines or no-answers within 365 days: suspended 180 days from the third."""
    history = [(days_ago(300), "declined"), (days_ago(20), "no_answer"), (days_ago(10), "declined")]
    assert refusal_suspension(history, NOW) == days_ago(10) + timedelta(days=180)
    assert DEFAULT_REFUSAL_POLICY == RefusalPolicy(3, 365, 180)


def test_refusals_spread_out_or_spent_do_not_suspend():
    """Refusals over more than the window, a suspension already served, and future entries do not count."""
    spread = [(days_ago(400), "declined"), (days_ago(200), "declined"), (days_ago(10), "declined")]
    assert refusal_suspension(spread, NOW) is None
    served = [(days_ago(300), "declined"), (days_ago(250), "declined"), (days_ago(200), "declined"),
              (days_ago(5), "declined")]
    assert refusal_suspension(served, NOW) is None
    assert refusal_suspension([(days_ago(1), "declined")] * 2 + [(NOW + timedelta(days=1), "declined")], NOW) is None


def test_refusal_policy_from_a_stricter_centre():
    """A centre counting 2 refusals suspends on the second."""
    policy = RefusalPolicy.from_rules(RuleSet.from_overrides({"experts.refusals": 2}), suspend_days=90)
    history = [(days_ago(10), "declined"), (days_ago(2), "no_answer")]
    assert refusal_suspension(history, NOW, policy) == days_ago(2) + timedelta(days=90)

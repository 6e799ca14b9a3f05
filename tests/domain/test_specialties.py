"""评标专家专业分类: the shipped catalogues, lookups for pickers and draws, and loading another version."""

from __future__ import annotations

from collections import Counter

import pytest

from trading.domain import specialties
from trading.domain.errors import DomainError
from trading.domain.specialties import Catalogue, Specialty

HEADER = "code,name,parent_code,level,source_url\n"
GOOD = HEADER + "A,工程,,0,x\nA01,规划,A,1,x\nA0101,国民经济和社会发展规划,A01,2,x\nA010101,总体规划,A0101,3,x\n"


def letters(catalogue: Catalogue) -> Counter:
    """Rows per top-level letter, the letter's own row included (as the data README counts them)."""
    return Counter(s.code[0] for s in catalogue.entries)


def test_2010_counts_match_the_readme():
    """2010: 1,743 rows, A 957, B 617, C 169; 3 top rows, 30 level-1, 256 level-2 and 1,454 level-3 rows."""
    catalogue = specialties.load("2010")
    assert len(catalogue) == 1743
    assert letters(catalogue) == {"A": 957, "B": 617, "C": 169}
    assert Counter(s.level for s in catalogue.entries) == {0: 3, 1: 30, 2: 256, 3: 1454}
    assert "1538号" in catalogue.source and catalogue.version == "2010"


def test_2018_is_the_default_and_adds_c13_c14():
    """2018 (发改法规〔2018〕316号): 2,224 rows, with 应对气候变化服务 and 网络、电磁空间安全服务."""
    catalogue = specialties.load()
    assert catalogue is specialties.load("2018")
    assert len(catalogue) == 2224
    assert letters(catalogue) == {"A": 1085, "B": 796, "C": 343}
    assert "316号" in catalogue.source
    assert catalogue.get("C13").name == "应对气候变化服务"
    assert catalogue.get("C14").name == "网络、电磁空间安全服务"
    assert specialties.load("2010").get("C13") is None


@pytest.mark.parametrize("version", ["2010", "2018"])
def test_known_entries(version):
    """The top level and the first branch are the same in both versions."""
    catalogue = specialties.load(version)
    assert [(s.code, s.name) for s in catalogue.children()] == [("A", "工程"), ("B", "货物"), ("C", "服务")]
    assert catalogue.get("A010101") == Specialty("A010101", "总体规划", "A0101", 3)
    assert catalogue.get("A01").name == "规划"
    assert catalogue.get("A0101").name == "国民经济和社会发展规划"
    assert catalogue.get("A") == Specialty("A", "工程", None, 0)


def test_the_2010_discrepancies_were_applied():
    """Where the two 2010 copies disagree the reconciled choice is in the data (discrepancies_2010.csv)."""
    catalogue = specialties.load("2010")
    assert catalogue.get("A0102").name == "城乡规划"
    assert catalogue.get("A040505").name == "机车车辆"
    assert catalogue.get("C01").name == "勘查与调查"
    assert (specialties.DATA_DIR / "discrepancies_2010.csv").is_file()
    assert (specialties.DATA_DIR / "README.md").is_file()


def test_get_tolerates_spaces_and_lower_case():
    catalogue = specialties.load()
    assert catalogue.get(" a010101 ").code == "A010101"
    assert catalogue.get("A99") is None and catalogue.get("") is None
    assert "A01" in catalogue and "Z" not in catalogue


def test_check_refuses_an_unknown_code_naming_the_version():
    """An unknown code is refused on its field with the catalogue version; an empty one asks for a choice."""
    with pytest.raises(DomainError) as refused:
        specialties.load("2010").check("C13", field="specialties")
    error = refused.value
    assert error.rule == "experts.specialty" and error.field == "specialties"
    assert error.params == {"code": "C13", "version": "2010"}
    assert "C13" in str(error) and "2010" in str(error)
    with pytest.raises(DomainError, match="Choose a specialty"):
        specialties.load().check("  ")
    assert specialties.load().check("a0101").name == "国民经济和社会发展规划"


def test_path_and_label():
    """The path runs from the top; the label joins its names."""
    catalogue = specialties.load()
    assert [s.code for s in catalogue.path("A010101")] == ["A", "A01", "A0101", "A010101"]
    assert [s.name for s in catalogue.path("A0101")] == ["工程", "规划", "国民经济和社会发展规划"]
    assert catalogue.path("B") == [catalogue.get("B")]
    assert catalogue.label("A010101") == "工程 / 规划 / 国民经济和社会发展规划 / 总体规划"
    with pytest.raises(DomainError):
        catalogue.path("A0199")


def test_children_and_leaves():
    """Children are one level down; leaves are what has nothing under it, the code itself if it is one."""
    catalogue = specialties.load()
    assert {s.code for s in catalogue.children("A01")} >= {"A0101", "A0102", "A0103"}
    assert all(s.parent_code == "A01" and s.level == 2 for s in catalogue.children("A01"))
    assert catalogue.children("A010101") == []
    leaves = catalogue.leaves_under("A0101")
    assert leaves[0].code == "A010101" and all(s.level == 3 and s.code.startswith("A0101") for s in leaves)
    assert len(leaves) == len(catalogue.children("A0101"))
    assert catalogue.leaves_under("A010101") == [catalogue.get("A010101")]
    assert len(catalogue.leaves_under("A")) + len(catalogue.leaves_under("B")) + len(
        catalogue.leaves_under("C")) == sum(1 for s in catalogue.entries if not catalogue.children(s.code))


def test_search_by_code_prefix_or_name():
    """A picker finds by code prefix (any case) first, then by name."""
    catalogue = specialties.load()
    by_code = catalogue.search("a0101")
    assert by_code[0].code == "A0101" and all(s.code.startswith("A0101") for s in by_code)
    by_name = catalogue.search("总体规划")
    assert by_name[0].code == "A010101" and all("总体规划" in s.name for s in by_name)
    assert len(catalogue.search("A", limit=5)) == 5
    assert catalogue.search("  ") == [] and catalogue.search("不存在的专业") == []


def test_is_within():
    catalogue = specialties.load()
    assert catalogue.is_within("A010101", "A01")
    assert catalogue.is_within("A010101", "A010101")
    assert not catalogue.is_within("A01", "A010101")
    assert not catalogue.is_within("A010101", "B")
    assert not catalogue.is_within("A0199", "A")


def test_an_unknown_version_is_refused():
    with pytest.raises(DomainError) as refused:
        specialties.load("2030")
    assert refused.value.field == "version" and "2010, 2018" in str(refused.value)


def test_load_file_reads_another_version(tmp_path):
    """An admin's CSV with the same columns loads as its own version (a BOM is tolerated)."""
    path = tmp_path / "mini.csv"
    path.write_text("\ufeff" + GOOD, encoding="utf-8")
    catalogue = specialties.load_file(path, "mini", "test copy")
    assert (catalogue.version, catalogue.source, len(catalogue)) == ("mini", "test copy", 4)
    assert catalogue.label("A010101") == "工程 / 规划 / 国民经济和社会发展规划 / 总体规划"


def test_the_shipped_files_pass_the_admin_validation():
    """Both shipped files load through load_file exactly as an admin's file would."""
    for version, (filename, source) in specialties.VERSIONS.items():
        assert specialties.load_file(specialties.DATA_DIR / filename, version, source) == specialties.load(version)


def test_load_file_refuses_the_whole_file_listing_every_bad_row(tmp_path):
    """Every bad row is listed with its line number and reason in one refusal on the file field."""
    path = tmp_path / "bad.csv"
    path.write_text(
        GOOD
        + "A0102,,A01,2,x\n"  # line 6: no name
        + "a0103,土地,A01,2,x\n"  # line 7: lower case
        + "A013,太短,A01,2,x\n"  # line 8: odd digits
        + "A0101,重复,A01,2,x\n"  # line 9: duplicate of line 3
        + "A0201,无父,A02,2,x\n"  # line 10: parent not in the file
        + "A010102,跳级,A01,3,x\n"  # line 11: parent not one level up
        + "A0104,层级错,A01,3,x\n"  # line 12: level does not match
        + "B,货物,,0,x\n",  # line 13: fine
        encoding="utf-8",
    )
    with pytest.raises(DomainError) as refused:
        specialties.load_file(path, "bad", "test")
    error = refused.value
    assert error.field == "file" and error.rule == "experts.specialty"
    lines = {(p["line"], p["code"]): p["reason"] for p in error.params["problems"]}
    assert lines == {
        (6, "A0102"): "the name is empty",
        (7, "a0103"): "the code a0103 is not A, B or C followed by pairs of digits",
        (8, "A013"): "the code A013 is not A, B or C followed by pairs of digits",
        (9, "A0101"): "the code A0101 is already on line 4",
        (10, "A0201"): "the parent A02 is not in the file",
        (11, "A010102"): "the parent A01 is not one level up (it should be A0101)",
        (12, "A0104"): "the level 3 does not match the code (it should be 2)",
    }
    assert error.params["count"] == 7
    assert "line 6: the name is empty" in str(error) and "line 12" in str(error)
    assert all(p["message"] and isinstance(p["params"], dict) for p in error.params["problems"])


def test_a_long_list_of_problems_is_summarised_in_the_message(tmp_path):
    """The message spells out the first rows; the params carry all of them."""
    path = tmp_path / "many.csv"
    path.write_text(HEADER + "".join(f"X{i:02d},坏,,1,x\n" for i in range(25)), encoding="utf-8")
    with pytest.raises(DomainError) as refused:
        specialties.load_file(path, "many", "test")
    assert len(refused.value.params["problems"]) == 25
    assert "15 more" in str(refused.value)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("", "the file is empty"),
        ("code,name\nA,工程\n", "missing columns: parent_code, level"),
        (HEADER, "the file has no rows"),
        (HEADER + "\n\n", "the file has no rows"),
    ],
)
def test_empty_or_headless_files_are_refused(tmp_path, content, words):
    path = tmp_path / "f.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DomainError) as refused:
        specialties.load_file(path, "v", "s")
    assert words in str(refused.value) and refused.value.field == "file"


def test_unreadable_files_are_refused(tmp_path):
    """A missing file or one that is not UTF-8 is refused on the file field."""
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(GOOD.encode("gbk"))
    for path in (tmp_path / "missing.csv", gbk):
        with pytest.raises(DomainError) as refused:
            specialties.load_file(path, "v", "s")
        assert refused.value.field == "file"


def test_parse_accepts_text_lines_from_an_upload():
    """The web layer can hand over the decoded lines of an uploaded file."""
    catalogue = specialties.parse(GOOD.splitlines(keepends=True), "upload", "uploaded by admin")
    assert catalogue.get("A010101").name == "总体规划"


def test_the_rule_is_registered():
    from trading.domain.rules import rule

    assert "316号" in rule("experts.specialty").source
    assert rule("experts.specialty").trade_types == {"construction", "procurement", "land", "property"}

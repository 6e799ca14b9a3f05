"""行政区划代码 (GB/T 2260): current codes with their parents; grouping rows and unknown codes refused."""

from __future__ import annotations

import pytest

from trading.domain import regions
from trading.domain.errors import DomainError
from trading.domain.regions import Region, check_region


def test_xianning_and_its_counties():
    """咸宁市 is a prefecture of 湖北省 with six districts, counties and cities (no 市辖区)."""
    assert regions.get("421200") == Region("421200", "咸宁市", "prefecture", "420000")
    assert {r.code: r.name for r in regions.children("421200")} == {
        "421202": "咸安区",
        "421221": "嘉鱼县",
        "421222": "通城县",
        "421223": "崇阳县",
        "421224": "通山县",
        "421281": "赤壁市",
    }
    assert all(r.level == "county" and r.parent == "421200" for r in regions.children("421200"))


def test_badong_is_in_enshi():
    """巴东县 lies in 恩施土家族苗族自治州, whose name is the current one of three."""
    assert regions.get("422823") == Region("422823", "巴东县", "county", "422800")
    assert regions.get("422800").name == "恩施土家族苗族自治州"
    assert regions.name("422823") == "湖北省恩施土家族苗族自治州巴东县"


def test_provinces():
    """The province row carries the province's name and has no parent."""
    assert regions.get("420000") == Region("420000", "湖北省", "province", None)
    names = [r.name for r in regions.provinces()]
    assert len(names) == 34 and names[0] == "北京市" and "湖北省" in names
    assert "421200" in {r.code for r in regions.children("420000")}


def test_full_names():
    """The full name runs from the province down."""
    assert regions.name("421221") == "湖北省咸宁市嘉鱼县"
    assert regions.name("421200") == "湖北省咸宁市"
    assert regions.name("420000") == "湖北省"


def test_a_code_the_table_does_not_know_is_shown_as_itself():
    """Pages showing a stored region fall back to the code rather than fail."""
    assert regions.name_or_code("421221") == "湖北省咸宁市嘉鱼县"
    assert regions.name_or_code("999999") == "999999"


def test_province_direct_counties_hang_under_the_province():
    """省直辖县级行政单位 is not a place: 仙桃市 and 神农架林区 belong to 湖北省 directly."""
    assert regions.get("429004") == Region("429004", "仙桃市", "county", "420000")
    assert regions.get("429021").parent == "420000"
    assert regions.name("429004") == "湖北省仙桃市"
    assert regions.get("429000") is None
    assert "429004" in {r.code for r in regions.children("420000")}


def test_municipality_districts_hang_under_the_municipality():
    """In 北京市 the 市辖区 row (110100) is skipped: 东城区 is directly under 北京市."""
    assert regions.get("110101") == Region("110101", "东城区", "county", "110000")
    assert regions.name("110101") == "北京市东城区"
    assert regions.get("110100") is None


def test_renamed_codes_take_the_current_name():
    """A code listed under several names over the years has the open-ended one."""
    assert regions.get("420600").name == "襄阳市"
    assert regions.get("420607").name == "襄州区"


def test_retired_and_grouping_codes_are_left_out():
    """Codes that ended (咸宁地区, 崇文区) and 市辖区 rows are not regions."""
    for code in ("422300", "110103", "421201", "420101", "422900", "422921", "429001"):
        assert regions.get(code) is None, code
    assert all(r.name != "市辖区" for code in ("420000", "110000") for r in regions.children(code))


def test_descendants_include_the_region_itself():
    """Everything under 咸宁市, and under 湖北省 both prefectures and province-direct counties."""
    assert regions.descendants("421200") == ["421200", "421202", "421221", "421222", "421223", "421224", "421281"]
    hubei = regions.descendants("420000")
    assert hubei[0] == "420000" and {"421221", "422823", "429004", "429021"} <= set(hubei)
    assert hubei == sorted(hubei) and all(code.startswith("42") for code in hubei)
    assert regions.descendants("421221") == ["421221"]


def test_is_within():
    """A region is within itself and its ancestors, not within a sibling or an unknown code."""
    assert regions.is_within("421221", "421200")
    assert regions.is_within("421221", "420000")
    assert regions.is_within("421221", "421221")
    assert regions.is_within("429004", "420000")
    assert not regions.is_within("421221", "422800")
    assert not regions.is_within("420000", "421200")
    assert not regions.is_within("421299", "420000")
    assert not regions.is_within("421221", "999999")


def test_check_region_returns_the_region():
    """A current code (with surrounding spaces) is accepted."""
    assert check_region(" 421221 ").name == "嘉鱼县"


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("421299", "no region with the code 421299"),
        ("999999", "no region with the code 999999"),
        ("42120", "6 digits"),
        ("abcdef", "6 digits"),
        ("4212000", "6 digits"),
        ("", "Enter the region code"),
        (None, "Enter the region code"),
        ("421201", "only groups"),
        ("429000", "only groups"),
        ("422300", "not been in use since 1998"),
    ],
)
def test_bad_codes_are_refused_with_the_reason(code, words):
    """A malformed, unknown, grouping or retired code is refused saying which it is."""
    with pytest.raises(DomainError) as refused:
        check_region(code, field="region")
    assert words in str(refused.value)
    assert refused.value.rule == "identity.region" and refused.value.field == "region"


def test_lookups_of_unknown_codes_refuse():
    """children, descendants and name refuse a code that is not a region; get returns None."""
    assert regions.get("999999") is None
    for lookup in (regions.children, regions.descendants, regions.name):
        with pytest.raises(DomainError):
            lookup("421299")


def test_the_rule_is_registered():
    """identity.region names GB/T 2260 and the data source."""
    from trading.domain.rules import rule

    assert "GB/T 2260" in rule("identity.region").source
    assert "cn/loc.dat" in rule("identity.region").source

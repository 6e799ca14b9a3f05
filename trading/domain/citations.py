"""A rule's legal source as people cite it: the law's short name and the article (招标投标法 第二十二条, or in
English "Bidding Law, Art. 22"), for badges and refusals; the full source and the rule id go in a tooltip.

The long names of orders and measures are cut to the names centres use (财政部令第87号); a screen's source
is cited by the law it relies on (依据 ...); a platform policy is cited as such.
"""

from __future__ import annotations

import re

from .rules import RULES

# Full name -> (short Chinese name, English name). Longest names first, so a law is not matched inside its
# implementing regulations.
_LAWS: tuple[tuple[str, str, str], ...] = tuple(sorted((
    ("招标投标法", "招标投标法", "Bidding Law"),
    ("招标投标法实施条例", "招标投标法实施条例", "Bidding Law Regulations"),
    ("电子招标投标办法", "电子招标投标办法", "E-Bidding Measures"),
    ("评标委员会和评标方法暂行规定", "评标委员会和评标方法暂行规定", "Evaluation Committee Provisions"),
    ("政府采购法", "政府采购法", "Government Procurement Law"),
    ("政府采购法实施条例", "政府采购法实施条例", "Government Procurement Regulations"),
    ("政府采购货物和服务招标投标管理办法（财政部令第87号）", "财政部令第87号", "MOF Order No. 87"),
    ("政府采购非招标采购方式管理办法（财政部令第74号）", "财政部令第74号", "MOF Order No. 74"),
    ("政府采购质疑和投诉办法（财政部令第94号）", "财政部令第94号", "MOF Order No. 94"),
    ("政府采购竞争性磋商采购方式管理暂行办法（财库〔2014〕214号）", "财库〔2014〕214号",
     "Competitive Consultation Measures (Caiku [2014] 214)"),
    ("招标拍卖挂牌出让国有建设用地使用权规定（国土资源部令第39号）", "国土资源部令第39号", "MLR Order No. 39"),
    ("企业国有资产交易监督管理办法（国务院国资委、财政部令第32号）", "国资委、财政部令第32号",
     "SASAC-MOF Order No. 32"),
    ("必须招标的工程项目规定（国家发展改革委令第16号）", "发展改革委令第16号", "NDRC Order No. 16"),
    ("评标专家和评标专家库管理暂行办法", "评标专家和评标专家库管理暂行办法", "Expert Pool Measures"),
    ("巴东县公共资源交易“五统一”管理制度（19项）", "巴东县“五统一”管理制度", "Badong \"Five Unifications\" rules"),
    ("宜昌市公共资源交易管理：招标办核发进场交易证明书", "宜昌市进场交易证明书制度", "Yichang entry certificate rules"),
    ("发改法规〔2018〕316号", "发改法规〔2018〕316号", "NDRC [2018] 316"),
), key=lambda law: -len(law[0])))
_NUMERALS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ARTICLE = re.compile(r"第([零一二三四五六七八九十百]+)条")
_STANDARD = re.compile(r"^(GB(?:/T)? [\d.]+(?:-\d{4})?)")


def chinese_number(text: str) -> int:
    """The value of a Chinese numeral up to 999 (二十二 -> 22, 一百零五 -> 105)."""
    total, digit = 0, 0
    for char in text:
        if char == "百":
            total, digit = total + (digit or 1) * 100, 0
        elif char == "十":
            total, digit = total + (digit or 1) * 10, 0
        else:
            digit = _NUMERALS[char]
    return total + digit


def _first_citation(source: str) -> str:
    """The part of a source that names the law: the first of several, or the one a screen relies on."""
    parts = [part.strip() for part in source.split("；")]
    relied = [part[len("依据"):].strip() for part in parts if part.startswith("依据")]
    return relied[0] if relied else parts[0]


def _english_articles(text: str) -> str:
    numbers = [chinese_number(found) for found in _ARTICLE.findall(text)]
    if not numbers:
        return ""
    if "至" in text and len(numbers) == 2:
        return f", Arts. {numbers[0]}–{numbers[1]}"
    if len(numbers) > 1:
        return ", Arts. " + ", ".join(str(n) for n in numbers)
    return f", Art. {numbers[0]}"


def cite(rule_id: str, *, chinese: bool = True) -> str:
    """The rule's source as a short citation (``招标投标法 第二十八条`` / ``Bidding Law, Art. 28``); a platform
    policy reads 平台规则 / platform policy; an unknown id is returned as it is."""
    found = RULES.get(rule_id)
    if found is None:
        return rule_id
    if found.confidence == "P" and not any(law in found.source for law, _, _ in _LAWS):
        return "平台规则" if chinese else "platform policy"
    part = _first_citation(found.source)
    standard = _STANDARD.match(part)
    if standard:
        return standard.group(1)
    for law, short, english in _LAWS:
        if part.startswith(law):
            rest = part[len(law):].strip()
            rest = rest if rest.startswith("第") else ""  # only the articles: no subtitle
            if chinese:
                return f"{short} {rest}".strip()
            return english + _english_articles(rest)
    return part if chinese else found.title_en

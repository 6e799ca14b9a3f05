"""The archive's readable records (电子档案的可读文本): printable, self-contained HTML pages of the lot's opening
record (开标记录), evaluation report with its working (评标报告), notices (公示与通知) and expert draw record
(专家抽取记录), with an index page, rendered from exactly the data the archive's JSON files hold (one source).

The pages are in Chinese, the archive's official language, with the centre's terms. Each page is one file with its
CSS inline: no script, no external link, no font or image fetched, so it prints and reads the same on a computer
without network in fifteen years. Links only point to other files of the same archive, relatively
(``records/index.html`` to ``records/opening.html`` or ``../documents/...``). The service adds them as items of
category ``records``, so the manifest lists and the signature covers them like every other file.

Rendered with Jinja2 (autoescape on, strict undefined) from ``archive_templates/``; a message id stored in the
data (a rejection's reason) is given to ``translate``, the Chinese catalogue's gettext, by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from . import drawing, rules, specialties
from .calendar import to_local
from .citations import cite
from .money import format_yuan

TEMPLATE_DIR = Path(__file__).with_name("archive_templates")
CATEGORY = "records"
INDEX = "index.html"

OPENING_STATUS_ZH = {"opened": "解密成功", "revoked": "撤销（投标人原因，电子招标投标办法第三十一条）",
                     "withdrawn": "视为撤回（平台原因，电子招标投标办法第三十一条）", "held": "疑似篡改，暂不开启"}
MEMBER_STATUS_ZH = {"seated": "在席", "reserve": "备选", "removed": "已更换", "pending": "待签到"}
OUTCOME_ZH = {"accepted": "同意参加", "declined": "不参加", "no_answer": "无人接听", "conflict": "声明回避"}
AGGREGATION_ZH = {"mean": "各评委评分的算术平均值", "trimmed_mean": "去掉一个最高分和一个最低分后的算术平均值",
                  "median": "各评委评分的中位数"}
EVALUATION_METHOD_ZH = {"lowest_price": "经评审的最低投标价法", "comprehensive": "综合评分法",
                        "highest_price": "价高者得"}
LOW_PRICE_DECISION_ZH = {"accepted": "说明合理，接受", "rejected": "不能合理说明，否决", None: "尚未决定"}
TRADE_TYPE_ZH = {code: t.name_zh for code, t in rules.TRADE_TYPES.items()}
COMPLIANCE = "compliance"


@dataclass(frozen=True)
class Record:
    """One readable page: its file name under ``records/``, its title, and its HTML bytes."""

    path: str
    title: str
    html: bytes


def _local(value: str | datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time (ISO text as the JSON files write it, or a datetime) in Beijing time."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    if moment.tzinfo is None:  # a date-only text
        return moment.date().isoformat() if len(str(value)) <= 10 else moment.strftime(pattern)
    return to_local(moment).strftime(pattern)


def _yuan(value) -> str:
    """Money as ``1,234,567.00 元``; an empty value as empty; a text that is not a number as it is."""
    if value is None or value == "":
        return ""
    try:
        return format_yuan(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _specialty(code: str) -> str:
    """A specialty's name and code (评标专业), the code alone if the catalogue does not know it."""
    found = specialties.load().get(code)
    return f"{found.name}（{code}）" if found else code


def _method(code: str | None) -> str:
    found = rules.METHODS.get(code) if code else None
    return found.name_zh if found else (code or "")


def _environment(translate: Callable[[str], str]) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(local=_local, yuan=_yuan, specialty=_specialty, method=_method, cite=cite,
                       trade_type=lambda code: TRADE_TYPE_ZH.get(code, code or ""),
                       status=lambda code: OPENING_STATUS_ZH.get(code, code),
                       member_status=lambda code: MEMBER_STATUS_ZH.get(code, code),
                       outcome=lambda code: OUTCOME_ZH.get(code, code or "未接通"),
                       reason=lambda code: drawing.REASON_NAMES_ZH.get(code, code),
                       aggregation=lambda code: AGGREGATION_ZH.get(code, code or ""),
                       evaluation_method=lambda code: EVALUATION_METHOD_ZH.get(code, code or ""),
                       decision=lambda code: LOW_PRICE_DECISION_ZH.get(code, code),
                       message=lambda message, params=None: _message(translate, message, params or {}))
    env.globals["unit"] = lambda trade_type: (rules.TRADE_TYPES[trade_type].lot_unit_zh
                                              if trade_type in rules.TRADE_TYPES else "标段")
    return env


def _message(translate: Callable[[str], str], message: str, params: dict) -> str:
    """A stored message id with its parameters, in the catalogue's Chinese (the id itself if untranslated)."""
    text = translate(message)
    try:
        return text % params if params else text
    except (KeyError, TypeError, ValueError):
        return text


def _marks_by_member(evaluation: dict) -> tuple[list[str], list[dict]]:
    """The bids' labels and, per member, each bid's compliance vote and criterion scores (the signed report's
    table of who marked what)."""
    labels = sorted({m["bid"] for m in evaluation.get("marks", []) if m.get("bid")})
    by_member: dict[int, dict] = {}
    for mark in evaluation.get("marks", []):
        cell = by_member.setdefault(mark["member_id"], {}).setdefault(mark["bid"], {"scores": {}})
        if mark["criterion"] == COMPLIANCE:
            cell["compliant"], cell["note"] = mark["compliant"], mark.get("note") or ""
        else:
            cell["scores"][mark["criterion"]] = mark["score"]
    names = {m.get("member_id"): m for m in (evaluation.get("report") or {}).get("members", [])}
    rows = [{"member_id": member_id, "name": names.get(member_id, {}).get("name", ""),
             "seat": names.get(member_id, {}).get("seat", ""), "bids": bids}
            for member_id, bids in sorted(by_member.items())]
    return labels, rows


def render(*, lot: dict, opening: dict, evaluation: dict, notices: dict, draws: Iterable[tuple[str, dict]],
           files: Iterable[str], created_at: datetime, translate: Callable[[str], str] = str) -> list[Record]:
    """The readable pages of one archive: the opening record, the evaluation report, the notices, each draw record
    (``draws``: its JSON file's name and content) and last the index linking them and listing ``files`` (the
    archive's other files, as ``<category>/<path>``)."""
    env = _environment(translate)
    common = {"lot": lot, "created_at": created_at}
    pages: list[Record] = []

    def page(path: str, title: str, template: str, **data) -> None:
        html = env.get_template(template).render(title=title, **common, **data)
        pages.append(Record(path, title, html.encode("utf-8")))

    page("opening.html", "开标记录", "opening.html", opening=opening)
    criteria_names = [c["name"] for c in evaluation.get("criteria", []) if not c.get("price")]
    labels, member_marks = _marks_by_member(evaluation)
    page("evaluation.html", "协商情况记录" if "negotiation" in evaluation else "评标报告", "evaluation.html",
         evaluation=evaluation, report=evaluation.get("report") or {}, criteria_names=criteria_names,
         labels=labels, member_marks=member_marks)
    page("notices.html", "中标候选人公示、结果公告与合同", "notices.html", notices=notices)
    for name, record in draws:
        number = name.removesuffix(".json").rpartition("-")[2]
        page(f"draw-{number}.html", f"专家抽取记录（第{number}次）", "draw.html", record=record, number=number,
             source=name)
    listed = [{"path": p.path, "title": p.title} for p in pages]
    page(INDEX, "电子档案目录", "index.html", pages=listed, files=list(files))
    return pages[-1:] + pages[:-1]

"""Jinja filters for money, rules and specialties, shared by every template."""

from __future__ import annotations

from decimal import Decimal

from ..domain import money, specialties


def yuan(value: Decimal | str | None, zh: bool | None = None) -> str:
    """Money in 元/万元/亿元 as the size suggests (in English: yuan, millions from a million), with the exact amount
    behind large figures (text amounts, as stored reports and publicities keep them in JSON, are read as
    Decimal). ``zh``: whether the page is in Chinese, when the caller formats many amounts and asked once."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = Decimal(value)
    if zh is None:
        from .labels import chinese

        zh = chinese()
    if not zh:
        exact = f"{value:,.2f} yuan"
        return f"{value / 1_000_000:,.2f} million yuan ({exact})" if abs(value) >= 1_000_000 else exact
    shown = money.format_auto(value)
    exact = money.format_yuan(value)
    return shown if shown == exact else f"{shown}（{exact}）"


def rule_source(rule_id: str | None) -> str:
    """A rule id cited as its law and article, in the page's language (or the id itself when unknown)."""
    from .labels import cite

    return cite(rule_id)


def percent(value: Decimal | str | None) -> str:
    """An annual rate (0.0435) as a percentage without trailing zeros (4.35%)."""
    if value is None or value == "":
        return ""
    return f"{format((Decimal(str(value)) * 100).normalize(), 'f')}%"


def rule_value(value, unit: str | None) -> str:
    """A rule's number with its unit in the page's language (— for a condition without a number)."""
    from flask_babel import gettext as _

    if value is None:
        return "—"
    if unit == "yuan":
        return yuan(Decimal(str(value)))
    number = format(Decimal(str(value)).normalize(), "f") if isinstance(value, Decimal) else str(value)
    words = {"minutes": _("%(n)s minutes"), "hours": _("%(n)s hours"),
             "days": _("%(n)s days"), "working_days": _("%(n)s working days"), "years": _("%(n)s years"),
             "percent": "%(n)s%%"}
    return words[unit] % {"n": number} if unit in words else number


def specialty(code: str) -> str:
    """The full name of a specialty code in the shipped catalogue."""
    catalogue = specialties.load()
    return catalogue.label(code) if catalogue.get(code) else code


def messages(errors) -> list[str]:
    """Every message in a field's errors, however nested (a FieldList of sub-forms holds a dict per row)."""
    if isinstance(errors, dict):
        return [text for value in errors.values() for text in messages(value)]
    if isinstance(errors, (list, tuple)):
        return [text for value in errors for text in messages(value)]
    return [str(errors)] if errors else []


def official_yuan(value: Decimal | str | None) -> str:
    """Money inside an official document (a notice): in Chinese, the document's language, in either page
    language."""
    from flask_babel import force_locale

    with force_locale("zh_CN"):
        return yuan(value)


def register(app) -> None:
    """Install the filters."""
    from .labels import _per_request

    app.add_template_filter(_per_request(yuan), "yuan")
    app.add_template_filter(_per_request(official_yuan), "official_yuan")
    app.add_template_filter(_per_request(rule_source), "rule_source")
    app.add_template_filter(specialty, "specialty")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(_per_request(rule_value), "rule_value")
    app.add_template_filter(messages, "messages")

"""The navigation bar: each blueprint adds its entries with the roles that see them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import get_locale, lazy_gettext as _l
from flask_login import current_user

from ..clock import current_clock
from .common import now


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[str, ...]
    group: str


TRADING, EXPERTS, SUPERVISION, SYSTEM = "trading", "experts", "supervision", "system"
GROUPS = {TRADING: _l("Trading"), EXPERTS: _l("Experts and panels"), SUPERVISION: _l("Supervision"),
          SYSTEM: _l("System")}
FLAT_UP_TO = 5  # a user with this many entries or fewer sees them side by side; more are grouped in menus

NAV: list[NavItem] = [
    NavItem("lots.project_list", _l("Projects"), ("tenderee", "staff", "supervisor", "admin"), TRADING),
    NavItem("lots.queue", _l("Work of the centre"), ("staff", "supervisor", "admin"), TRADING),
    NavItem("public.announcements", _l("Announcements"),
            ("tenderee", "bidder", "staff", "supervisor", "admin", "expert"), TRADING),
    NavItem("bank.account", _l("Online bank"), ("bidder",), TRADING),
    NavItem("bids.certificates", _l("Signing certificates"), ("bidder",), TRADING),
    NavItem("bids.certificate_list", _l("Bidder certificates"), ("staff", "supervisor"), TRADING),
    NavItem("experts.expert_list", _l("Expert pool"), ("admin", "staff", "supervisor"), EXPERTS),
    NavItem("experts.phone", _l("Phone"), ("expert", "admin"), EXPERTS),
    NavItem("evaluation.mine", _l("Evaluation room"), ("expert",), EXPERTS),
    NavItem("supervision.dashboard", _l("Real-time monitoring"), ("supervisor",), SUPERVISION),  # its landing page
    NavItem("result.warnings", _l("Early warnings"), ("supervisor", "staff"), SUPERVISION),
    NavItem("supervision.correction_list", _l("Correction orders"), ("supervisor", "staff", "tenderee"),
            SUPERVISION),
    NavItem("stats.report", _l("Statistics"), ("supervisor", "staff"), SUPERVISION),
    NavItem("supervision.performance_page", _l("Performance"), ("supervisor",), SUPERVISION),
    NavItem("supervision.audit_log", _l("Audit log"), ("supervisor", "admin"), SUPERVISION),
    NavItem("supervision.credit_page", _l("Credit and blacklist"), ("supervisor",), SUPERVISION),
    NavItem("supervision.report_list", _l("Public reports"), ("supervisor",), SUPERVISION),
    NavItem("holders.pending", _l("Key holders"), ("supervisor",), SUPERVISION),
    NavItem("holders.my_key", _l("My key-holder key"), ("staff", "supervisor", "tenderee"), SUPERVISION),
    NavItem("admin.organisations", _l("Organisations"), ("admin",), SYSTEM),
    NavItem("admin.users", _l("Users"), ("admin",), SYSTEM),
    NavItem("admin.clock", _l("Clock"), ("admin",), SYSTEM),
    NavItem("admin.rules_page", _l("Rules"), ("admin",), SYSTEM),
    NavItem("admin.outbox_page", _l("Outbox"), ("admin",), SYSTEM),
]


def menus(items: list[dict]) -> list[dict]:
    """The entries as the bar shows them: side by side for a few, else one menu per group (交易 / 专家 / 监管 /
    系统), a group of one entry staying a plain link, so the bar keeps to one row at 1366 px."""
    if len(items) <= FLAT_UP_TO:
        return items
    shown: list[dict] = []
    for code, label in GROUPS.items():
        members = [item for item in items if item["group"] == code]
        if len(members) == 1:
            shown.append(members[0])
        elif members:
            shown.append({"label": str(label), "entries": members, "group": code})
    return shown


def context() -> dict:
    """Template globals: the nav entries for this user, the platform time and the locale."""
    items = []
    if current_user.is_authenticated:
        items = [{"url": url_for(item.endpoint), "label": str(item.label), "group": item.group}
                 for item in NAV if current_user.has_role(*item.roles)]
    return {
        "nav_items": items,
        "nav_menus": menus(items),
        "platform_now": now(),
        "clock_simulated": current_clock().simulated,
        "current_locale": str(get_locale()),
    }

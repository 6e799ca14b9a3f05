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


NAV: list[NavItem] = [
    NavItem("lots.project_list", _l("Projects"), ("tenderee", "staff", "supervisor", "admin")),
    NavItem("lots.queue", _l("Work of the centre"), ("staff", "supervisor", "admin")),
    NavItem("public.announcements", _l("Announcements"),
            ("tenderee", "bidder", "staff", "supervisor", "admin", "expert")),
    NavItem("bank.account", _l("Online bank"), ("bidder",)),
    NavItem("bids.certificates", _l("Signing certificates"), ("bidder",)),
    NavItem("bids.certificate_list", _l("Bidder certificates"), ("staff", "supervisor")),
    NavItem("experts.expert_list", _l("Expert pool"), ("admin", "staff", "supervisor")),
    NavItem("experts.phone", _l("Phone"), ("expert", "admin")),
    NavItem("evaluation.mine", _l("Evaluation room"), ("expert",)),
    NavItem("result.warnings", _l("Early warnings"), ("supervisor", "staff")),
    NavItem("stats.report", _l("Statistics"), ("supervisor", "staff")),
    NavItem("admin.organisations", _l("Organisations"), ("admin",)),
    NavItem("admin.users", _l("Users"), ("admin",)),
    NavItem("admin.clock", _l("Clock"), ("admin",)),
    NavItem("supervision.audit_log", _l("Audit log"), ("supervisor", "admin")),
    NavItem("holders.pending", _l("Key holders"), ("supervisor",)),
    NavItem("holders.my_key", _l("My key-holder key"), ("staff", "supervisor", "tenderee")),
]


def context() -> dict:
    """Template globals: the nav entries for this user, the platform time and the locale."""
    items = []
    if current_user.is_authenticated:
        items = [{"url": url_for(item.endpoint), "label": str(item.label)}
                 for item in NAV if current_user.has_role(*item.roles)]
    return {
        "nav_items": items,
        "platform_now": now(),
        "clock_simulated": current_clock().simulated,
        "current_locale": str(get_locale()),
    }

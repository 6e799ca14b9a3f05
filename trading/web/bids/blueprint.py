"""The bids blueprint and what its views share."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, current_app

from ...services import keys
from ..common import now

bp = Blueprint("bids", __name__)


def platform() -> keys.PlatformKeys:
    """The platform's keys (created in the instance folder on first use)."""
    return keys.platform_keys(current_app.instance_path, now())


def interest_rate() -> Decimal:
    """The configured annual interest rate on refunded deposits."""
    return Decimal(str(current_app.config["DEPOSIT_INTEREST_RATE"]))

"""The bids blueprint and what its views share."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, current_app

from ...keyring import current_keyring
from ...services import keys

bp = Blueprint("bids", __name__)


def platform() -> keys.PlatformKeys:
    """The platform's CA and receipt keys, from the app's keyring."""
    return current_keyring().platform


def interest_rate() -> Decimal:
    """The configured annual interest rate on refunded deposits."""
    return Decimal(str(current_app.config["DEPOSIT_INTEREST_RATE"]))

"""The bids blueprint."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("bids", __name__)

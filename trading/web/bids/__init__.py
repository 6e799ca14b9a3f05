"""Sealed bids: certificates, the bid page (upload, server-side sealing, withdrawal), receipts, public keys,
and the JSON endpoint of the bidder tool."""

from . import api, views  # noqa: F401  (register the routes)
from .blueprint import bp

__all__ = ["bp"]

"""Projects and lots through stages 1–3: registration, filing, certificate, method, announcement, sign-up."""

from . import auction_views, property_views, trading_views, views  # noqa: F401  (register the routes)
from .blueprint import bp

__all__ = ["bp"]

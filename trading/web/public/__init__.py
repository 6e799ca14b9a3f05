"""Public pages (no login): published announcements, as a trading centre publishes them."""

from .views import bp

__all__ = ["bp"]

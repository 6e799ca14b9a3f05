"""Public pages (no login): published announcements, as a trading centre publishes them; the blacklist; the public
report form (举报) and its follow-up page."""

from . import reports  # noqa: F401 - registers the report routes on bp
from .views import bp

__all__ = ["bp"]

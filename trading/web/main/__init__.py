"""The home page for each role, and the language switch."""

from .views import bp

__all__ = ["bp"]

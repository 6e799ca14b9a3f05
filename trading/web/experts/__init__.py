"""The expert pool (admin), the draws (staff, supervisor) and the keypad page that plays an expert's phone."""

from . import draw_views, views  # noqa: F401  (register the routes)
from .blueprint import bp

__all__ = ["bp"]

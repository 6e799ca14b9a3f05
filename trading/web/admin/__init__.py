"""Administration: organisations, users and the simulated clock."""

from .views import bp

__all__ = ["bp"]

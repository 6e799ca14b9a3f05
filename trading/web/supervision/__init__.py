"""Supervision: the audit log (and, in later issues, lots under watch and warnings)."""

from . import corrections as _corrections  # noqa: F401 - its routes are on the same blueprint
from .views import bp

__all__ = ["bp"]

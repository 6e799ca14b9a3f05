"""Supervision: the audit log (and, in later issues, lots under watch and warnings)."""

from . import corrections as _corrections, reports as _reports  # noqa: F401 - their routes are on the same blueprint
from .views import bp

__all__ = ["bp"]

"""Supervision: the audit log (and, in later issues, lots under watch and warnings)."""

from .views import bp

__all__ = ["bp"]

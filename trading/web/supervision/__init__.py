"""Supervision: the dashboard, warnings and corrections, the audit log, screens, credit, complaints, the
performance of the centre's steps and the review of experts' marks."""

from . import (
    corrections as _corrections,  # noqa: F401 - its routes are on the same blueprint
    performance as _performance,  # noqa: F401 - its routes are on the same blueprint
)
from .views import bp

__all__ = ["bp"]

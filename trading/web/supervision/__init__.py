"""Supervision: the dashboard, warnings and corrections, the audit log, screens, credit, complaints, the
performance of the centre's steps, the review of experts' marks and public reports (举报)."""

from . import (
    corrections as _corrections,  # noqa: F401 - its routes are on the same blueprint
    performance as _performance,  # noqa: F401 - its routes are on the same blueprint
    reports as _reports,  # noqa: F401 - its routes are on the same blueprint
)
from .views import bp

__all__ = ["bp"]

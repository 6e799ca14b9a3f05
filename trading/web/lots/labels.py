"""Names shown for audited actions and deadlines on the lot page and the public pages (kept in web/labels.py)."""

from ..labels import (
    AUDIT_ACTIONS as ACTIONS,
    COMPLAINT_MATTERS,
    COMPLAINT_OUTCOMES,
    COMPLAINT_STATUSES,
    CORRECTION_STATUSES,
    DEADLINES,
    PLATFORM,
    QUESTION_MATTERS,
    SHARE_ROLES,
)

__all__ = ["ACTIONS", "COMPLAINT_MATTERS", "COMPLAINT_OUTCOMES", "COMPLAINT_STATUSES", "CORRECTION_STATUSES",
           "DEADLINES", "PLATFORM", "QUESTION_MATTERS", "SHARE_ROLES"]

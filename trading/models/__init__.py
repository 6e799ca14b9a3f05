"""SQLAlchemy models, one module per aggregate. Importing this registers every table."""

from .accounts import Organisation, User, UserRole, can_administer, can_read_audit
from .audit import AuditEntry, AuditHead
from .clock import ClockSetting
from .projects import (
                       Announcement,
                       Attachment,
                       Cancellation,
                       Clarification,
                       DealCodeCounter,
                       DocumentDownload,
                       EntryCertificate,
                       Filing,
                       Lot,
                       LotSpecialty,
                       MethodApproval,
                       Objection,
                       Project,
                       Registration,
)

__all__ = [
    "Announcement", "Attachment", "AuditEntry", "AuditHead", "Cancellation", "Clarification", "ClockSetting",
    "DealCodeCounter", "DocumentDownload", "EntryCertificate", "Filing", "Lot", "LotSpecialty", "MethodApproval",
    "Objection", "Organisation", "Project", "Registration", "User", "UserRole",
    "can_administer", "can_read_audit",
]

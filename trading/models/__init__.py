"""SQLAlchemy models, one module per aggregate. Importing this registers every table."""

from .accounts import Organisation, User, UserRole, can_administer, can_read_audit
from .audit import AuditEntry, AuditHead
from .clock import ClockSetting

__all__ = [
    "AuditEntry", "AuditHead", "ClockSetting", "Organisation", "User", "UserRole",
    "can_administer", "can_read_audit",
]

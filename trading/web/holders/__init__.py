"""The holders blueprint: a key holder's key page, the supervisors' approvals, and changes of a lot's holder."""

from .views import bp

__all__ = ["bp"]

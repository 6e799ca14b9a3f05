"""The simulated online bank (模拟网上银行): an organisation's account, its statement, and payments."""

from .views import bp

__all__ = ["bp"]

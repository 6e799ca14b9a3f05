"""Login (with the second factor's code step), logout, the account page and password change."""

from . import api_tokens, second_factor, views  # noqa: F401  (they add their routes to bp)
from .blueprint import bp

__all__ = ["bp"]

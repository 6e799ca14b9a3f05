"""The platform's published public keys (no login): ``/keys`` and one plain file per key."""

from .views import bp

__all__ = ["bp"]

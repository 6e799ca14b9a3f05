"""The online opening (开标): share release, the live opening record, objections, Excel export."""

from .views import bp

__all__ = ["bp"]

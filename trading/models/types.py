"""Column types shared by the models: UTC times and Decimal yuan."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Numeric
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC; refuses naive datetimes on the way in."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        """Convert an aware datetime to naive UTC for storage."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        """Mark the stored naive value as UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def Money():  # noqa: N802 - reads like a type in column definitions
    """Numeric(18, 2) yuan, returned as Decimal."""
    return Numeric(18, 2, asdecimal=True)

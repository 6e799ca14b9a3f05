"""The closed evaluation room (封闭评标室): start and sign-in sheet, statements, chair, marks, report."""

from .views import bp

__all__ = ["bp"]

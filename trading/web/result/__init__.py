"""Stages 4–5 (交易结果确认、后续管理): candidate publicity, objections, award and notices, contract, archive,
and the supervisor's warnings."""

from .views import bp

__all__ = ["bp"]

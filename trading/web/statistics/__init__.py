"""Statistics (统计分析): savings-rate and land-premium reports with their definitions and working, charts,
the Excel export with live formulas, and the calibration against the published figures."""

from .views import bp

__all__ = ["bp"]

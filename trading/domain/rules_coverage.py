"""Where each rule is checked and the test at its edge (docs/RULES.md; filled in below)."""

from __future__ import annotations


def markdown(in_force) -> str:
    """docs/RULES.md."""
    return ""

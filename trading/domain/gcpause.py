"""Pausing Python's cyclic garbage collector around loops that allocate many objects and make no cycles.

Loading tens of thousands of rows adds enough long-lived objects to trigger full collections of the whole
heap (the application's modules, mappers and caches), each costing tens of milliseconds; reference counting
still frees everything at once, and the collector runs again as usual afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Disable the cyclic collector for the block (nested blocks leave it to the outermost one)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

"""The cyclic garbage collector, paused while a phase builds many nodes.

Parsing and resolving make a few objects per line (named tuples, dicts, lists) and no cycles,
which reference counting frees. Left running, the collector walks all of them again and again as
they accumulate: on a config of 100,000 sections that was over half the parse time, and made it
grow faster than the config.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    if not gc.isenabled():  # already paused (a nested phase), or by the caller
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()

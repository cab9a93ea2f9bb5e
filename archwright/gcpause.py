"""The cyclic garbage collector, paused while a phase builds many nodes.

Parsing and resolving make a few objects per line (named tuples, dicts, lists) and no cycles,
which reference counting frees. Left running, the collector walks all of them again and again as
they accumulate: on a config of 100,000 sections that was over half the parse time, and made it
grow faster than the config.
"""

from __future__ import annotations

import gc


class paused_gc:  # noqa: N801 - used as a function: `with paused_gc():`
    """Pauses the collector for a `with` block, unless it is paused already (a nested phase, or
    by the caller). A class, not a @contextmanager generator: a parse enters it for every config."""

    __slots__ = ("_paused",)

    def __enter__(self) -> None:
        self._paused = gc.isenabled()
        if self._paused:
            gc.disable()

    def __exit__(self, *exc_info: object) -> None:
        if self._paused:
            gc.enable()

"""The bounds every phase shares, so that no input makes archwright recurse, allocate or wait
without end. A walk that follows the config's nesting recurses at most MAX_NESTING levels
(deeper configs are refused with AW214 when they are resolved), and `recursion_room` gives
each entry point the stack those levels need."""

from __future__ import annotations

import functools
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

# levels of sections, counting those a section reference puts inside another: confection
# recurses once per level and fails near Python's default limit of 1,000
MAX_NESTING = 900
# Python frames one level of a walk may take (a walk, a comparison, a writer), plus the callers'
_FRAMES_PER_LEVEL = 5
_RECURSION_LIMIT = _FRAMES_PER_LEVEL * MAX_NESTING + 1_000

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def recursion_room() -> Iterator[None]:
    """Python's recursion limit raised (never lowered) to what MAX_NESTING levels need."""
    before = sys.getrecursionlimit()
    if before < _RECURSION_LIMIT:
        sys.setrecursionlimit(_RECURSION_LIMIT)
    try:
        yield
    finally:
        if sys.getrecursionlimit() == max(before, _RECURSION_LIMIT):
            sys.setrecursionlimit(before)


def with_recursion_room(function: F) -> F:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with recursion_room():
            return function(*args, **kwargs)
    return wrapper  # type: ignore[return-value]

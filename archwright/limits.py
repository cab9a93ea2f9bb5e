"""The bounds every phase shares, so that no input makes archwright recurse, allocate or wait
without end. A walk that follows the config's nesting recurses at most MAX_NESTING levels
(deeper configs are refused with AW214 when they are resolved), and `recursion_room` gives
each entry point the stack those levels need."""

from __future__ import annotations

import functools
import json
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


# JSON nesting confection's reader gets through: Python's JSON decoder recurses once per level and
# fails at the default recursion limit (1,000, less the reader's own frames); archwright raises
# that limit for its own walks (limits.py), so the reader's depth is bounded here, the same always
MAX_JSON_NESTING = 992  # confection 1.3.4 on Python 3.11 reads 991 levels, not 992


def json_loads(text: str, **options: Any) -> Any:
    """json.loads, failing (RecursionError) on nesting confection's reader fails on."""
    if text.count("[") + text.count("{") >= MAX_JSON_NESTING and _json_depth(text) >= MAX_JSON_NESTING:
        raise RecursionError("JSON nested too deeply")
    return json.loads(text, **options)


def _json_depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


# arguments that repeat a layer, and how many repeats the layer graph holds: a depth of millions
# would make millions of nodes (spaCy itself would take hours to build such a model)
STACKING = ("depth", "conv_depth")
MAX_STACKED = 10_000

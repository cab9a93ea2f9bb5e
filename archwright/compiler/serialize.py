"""A resolved config as text, written the way confection 1.3.4's `Config.to_str()` writes it (spec §10).

Overrides depend on it: confection applies them to an uninterpolated tree, writes that tree out
and parses the text again, so every quirk of the writer is part of what overrides mean.
"""

from __future__ import annotations

import re
from typing import Any

from ..limits import MAX_NESTING
from . import values

_REFERENCE = re.compile(r"\$\{([^}]+)\}")
MAX_SECTIONS = 100_000  # a self-containing config would be written forever
MAX_DEPTH = MAX_NESTING  # the nesting every phase accepts (limits.py)


class NotWritable(Exception):
    """The tree cannot be written as config text; `path` is where, `reason` why."""

    def __init__(self, path: tuple[str, ...], reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


def to_str(data: dict) -> str:
    """Breadth-first sections, `key = value` lines with JSON values, no trailing newline."""
    defaults: dict[str, str] = {}
    sections: dict[str, dict[str, str]] = {}
    queue: list[tuple[tuple[str, ...], dict]] = [((), data)]
    index = 0
    while index < len(queue):
        if len(queue) > MAX_SECTIONS:
            raise NotWritable(queue[-1][0], f"written out, the config has more than {MAX_SECTIONS:,} sections "
                                            "(shared section references repeat whole sections, or a section "
                                            "references one that encloses it)")
        path, node = queue[index]
        index += 1
        if len(path) > MAX_DEPTH:
            raise NotWritable(path[:3], f"sections nest more than {MAX_DEPTH} levels deep (the config may "
                                        "contain itself)")
        name = _section_name(path)
        is_kwarg = bool(path) and path[-1] != "*"
        has_leaves = any(not hasattr(v, "items") for v in node.values())
        if path and (has_leaves or is_kwarg) and name not in sections:
            if name == "DEFAULT":
                raise NotWritable(path, "a section cannot be called DEFAULT")
            sections[name] = {}
        for key, value in node.items():
            if not isinstance(key, str):
                raise NotWritable(path, f"key {key!r} is not a string")
            if hasattr(value, "items"):
                queue.append((path + (key,), value))
                continue
            # a node with a leaf always has its section by now; the root's leaves go to [DEFAULT]
            target = sections[name] if name else defaults
            target[key] = _written(path + (key,), value)
    out = []
    for name, items in ([("DEFAULT", defaults)] if defaults else []) + list(sections.items()):
        out.append(f"[{name}]\n")
        out.extend(f"{key} = {text.replace(chr(10), chr(10) + chr(9))}\n" for key, text in items.items())
        out.append("\n")
    return "".join(out).strip()


def _section_name(path: tuple) -> str:
    if not all(isinstance(part, str) for part in path):
        raise NotWritable(path, "section names must be strings")
    return ".".join(path)


def _written(path: tuple[str, ...], value: Any) -> str:
    try:
        text = values.dump(value)
    except (TypeError, ValueError, RecursionError) as e:
        raise NotWritable(path, f"a value of type {type(value).__name__} cannot be written as JSON ({e})") from None
    # configparser's own check when a value is set: every '$' must be '$$' or start '${...}'
    rest = _REFERENCE.sub("", text.replace("$$", ""))
    if "$" in rest:
        raise NotWritable(path, f"invalid interpolation syntax in {text!r} at position {rest.find('$')}")
    return text

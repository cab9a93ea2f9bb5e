"""`archwright diff`: what changed between two configs, by meaning, not by text.

Both configs become nested dicts of values as the config reader reads them (so `[1,2]` and
`[1, 2]`, an inline `{"@layers": ...}` and a section, `:` and `=` are all the same); sections
and keys are then aligned by path. Without `resolved`, references stay as written (`${a.b}`);
with it, the configs are interpolated first, so a changed variable shows at every key it reaches.
Every change carries the line of its key or section header on each side.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable
from typing import Any, NamedTuple

from ..diagnostics import Diagnostic, Span, has_errors
from .fmt import same
from ..grammar.parser import parse
from ..grammar.syntax import ConfigFile, Entry, Reference
from ..compiler import values
from ..compiler.compilation import read_config_file

MAX_CHANGES = 100_000  # shared section references can repeat a section many times over
Lines = Callable[[tuple], "int | None"]


class Change(NamedTuple):
    change: str  # "added", "removed" or "changed"
    path: tuple[str, ...]
    section: bool  # a whole section (dict) rather than a key
    old: Any = None  # the value on each side (None for a section or where absent)
    new: Any = None
    old_line: int | None = None
    new_line: int | None = None

    def to_dict(self) -> dict:
        return {"change": self.change, "path": ".".join(self.path), "parts": list(self.path),
                "kind": "section" if self.section else "key",
                "old": None if self.section else self.old, "new": None if self.section else self.new,
                "old_line": self.old_line, "new_line": self.new_line}


class Side(NamedTuple):
    """One config read for diffing: nested data and the line of each path."""

    data: dict
    line: Lines


# -- reading ----------------------------------------------------------------------------------


def _raw(entry: Entry) -> str:
    """The value text as archwright reads it (`$<a.b>` is `${a.b}`)."""
    return "".join("${" + p.path + "}" if type(p) is Reference and p.alternative_spelling else p.text
                   for p in entry.value.pieces)


def _written(tree: ConfigFile) -> Side:
    """Sections nested by their dotted names, values read but not interpolated. Tolerant: a
    fragment whose parent sections are missing still nests."""
    data: dict = {}
    lines: dict[tuple, int] = {}
    for section in tree.sections:
        if section.name == "DEFAULT":
            continue
        path = tuple(section.parts)
        node = data
        for part in path:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        lines.setdefault(path, section.header_span.line)
        for entry in section.entries:
            if entry.key in node and isinstance(node[entry.key], dict) and (path + (entry.key,)) in lines:
                continue  # a key that clashes with a subsection: the subsection wins, as in spaCy
            node.setdefault(entry.key, values.interpret(_raw(entry)))
            lines.setdefault(path + (entry.key,), entry.key_span.line)
    return Side(data, _finder(lines))


def _finder(lines: dict[tuple, int]) -> Lines:
    def line(path: tuple) -> int | None:
        for end in range(len(path), 0, -1):  # an inline dict's keys: the line of the dict
            found = lines.get(path[:end])
            if found is not None:
                return found
        return None
    return line


def _resolved(tree: ConfigFile) -> tuple[Side | None, list[Diagnostic]]:
    from ..compiler.resolve import resolve

    resolved, diagnostics = resolve(tree)
    if resolved is None or has_errors(diagnostics):
        return None, diagnostics
    spans = resolved.spans

    def line(path: tuple) -> int | None:
        span: Span | None = spans.keys.get(path) or spans.sections.get(path) or spans.find(path)
        return span.line if span else None
    return Side(resolved.data, line), diagnostics


def read(source: str | os.PathLike, resolved: bool = False) -> tuple[Side | None, str | None, list[Diagnostic]]:
    """A config (text, or a path to read) as a Side, its text, and its diagnostics (errors only
    stop it: syntax errors always, reference errors with `resolved`)."""
    if isinstance(source, os.PathLike):
        text, diagnostics = read_config_file(source)
        if text is None:
            return None, None, diagnostics
    else:
        text, diagnostics = source, []
    tree, found = parse(text)
    diagnostics = diagnostics + found
    if tree is None or has_errors(diagnostics):
        return None, text, diagnostics
    if not resolved:
        return _written(tree), text, diagnostics
    side, found = _resolved(tree)
    return side, text, diagnostics + found


# -- comparing --------------------------------------------------------------------------------


def compare(old: Side, new: Side) -> list[Change]:
    """Changes from `old` to `new`, in the order a reader meets them (sections and keys aligned
    like lines in a text diff)."""
    out: list[Change] = []
    _walk(old, new, (), old.data, new.data, out, set(), set())
    return out


def _walk(old: Side, new: Side, path: tuple, a: dict, b: dict, out: list[Change], seen: set,
          unchanged: set | None = None) -> None:
    pair = (id(a), id(b))
    if len(out) > MAX_CHANGES or pair in seen or (unchanged is not None and pair in unchanged):
        return  # a self-containing config (a section that references an enclosing one), or a pair
        # of shared sections already found equal: comparing them again at each place they appear
        # is exponential in the depth of the sharing
    seen = seen | {pair}
    before = len(out)
    # a section's own keys first, then its subsections, as a config lays them out
    for subsections in (False, True):
        _align(old, new, path, {k: v for k, v in a.items() if isinstance(v, dict) is subsections},
               {k: v for k, v in b.items() if isinstance(v, dict) is subsections}, out, seen, unchanged)
    if unchanged is not None and len(out) == before:
        unchanged.add(pair)


def _align(old: Side, new: Side, path: tuple, a: dict, b: dict, out: list[Change], seen: set,
           unchanged: set | None = None) -> None:
    old_keys, new_keys = [str(k) for k in a], [str(k) for k in b]
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            for key in old_keys[i1:i2]:
                if key not in b:
                    _one_side(old, "removed", path + (key,), a[key], out)
        if tag in ("insert", "replace"):
            for key in new_keys[j1:j2]:
                if key in a:
                    _pair(old, new, path + (key,), a[key], b[key], out, seen, unchanged)
                else:
                    _one_side(new, "added", path + (key,), b[key], out)
        if tag == "equal":
            for key in old_keys[i1:i2]:
                _pair(old, new, path + (key,), a[key], b[key], out, seen, unchanged)


def _pair(old: Side, new: Side, path: tuple, a: Any, b: Any, out: list[Change], seen: set,
          unchanged: set | None = None) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        _walk(old, new, path, a, b, out, seen, unchanged)
    elif isinstance(a, dict) or isinstance(b, dict):  # a section became a value, or back
        _one_side(old, "removed", path, a, out)
        _one_side(new, "added", path, b, out)
    elif not same(a, b):
        out.append(Change("changed", path, False, a, b, old.line(path), new.line(path)))


def _one_side(side: Side, change: str, path: tuple, value: Any, out: list[Change]) -> None:
    """An added or removed key, or a whole section with everything in it (so a reviewer sees
    what came or went), sections before their subsections."""
    stack = [(path, value, frozenset())]
    while stack and len(out) <= MAX_CHANGES:
        where, node, on_path = stack.pop()
        line = side.line(where)
        is_dict = isinstance(node, dict)
        shown_value = None if is_dict else node
        if change == "removed":
            out.append(Change(change, where, is_dict, shown_value, None, line, None))
        else:
            out.append(Change(change, where, is_dict, None, shown_value, None, line))
        if is_dict and id(node) not in on_path:  # (a section that contains itself is listed once)
            inner = on_path | {id(node)}
            leaves = [(where + (str(k),), v, inner) for k, v in node.items() if not isinstance(v, dict)]
            sections = [(where + (str(k),), v, inner) for k, v in node.items() if isinstance(v, dict)]
            stack.extend(reversed(leaves + sections))


def diff(old: str | os.PathLike, new: str | os.PathLike,
         resolved: bool = False) -> tuple[list[Change] | None, list[tuple[str, str | None, list[Diagnostic]]]]:
    """The changes from `old` to `new` (texts or paths), or None when a side has errors; and
    each side's (name, text, diagnostics) for reporting."""
    reports = []
    sides = []
    for source in (old, new):
        side, text, diagnostics = read(source, resolved)
        name = os.fspath(source) if isinstance(source, os.PathLike) else "<string>"
        reports.append((name, text, diagnostics))
        sides.append(side)
    if sides[0] is None or sides[1] is None:
        return None, reports
    return compare(sides[0], sides[1]), reports


# -- output -----------------------------------------------------------------------------------


def shown(value: Any) -> str:
    """A value on one line, as a config writes it."""
    try:
        return values.dump(value)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def _section_name(path: tuple) -> str:
    return ".".join(path)


def render_text(changes: list[Change], old_name: str, new_name: str, colour: bool = False) -> str:
    """A plain `+`/`-` listing under `[section]` context lines, each line ending with where it
    is written (`old.cfg:12`); coloured only when asked (a terminal)."""
    def paint(sign: str, text: str) -> str:
        if not colour:
            return text
        code = {"+": "\x1b[32m", "-": "\x1b[31m", "@": "\x1b[36m"}[sign]
        return f"{code}{text}\x1b[0m"

    out = [f"--- {old_name}", f"+++ {new_name}"]
    context = None
    for c in changes:
        parent = c.path if c.section else c.path[:-1]
        if not c.section and parent != context:
            out.append(paint("@", f"@@ [{_section_name(parent)}] @@"))
            context = parent
        rows = []
        if c.change in ("removed", "changed"):
            rows.append(("-", c.old, f"{old_name}:{c.old_line}" if c.old_line else old_name))
        if c.change in ("added", "changed"):
            rows.append(("+", c.new, f"{new_name}:{c.new_line}" if c.new_line else new_name))
        for sign, value, where in rows:
            text = f"[{_section_name(c.path)}]" if c.section else f"{c.path[-1]} = {shown(value)}"
            out.append(paint(sign, f"{sign} {text}") + f"  ({where})")
        if c.section:
            context = c.path
    counts = {kind: sum(c.change == kind for c in changes) for kind in ("added", "removed", "changed")}
    if not changes:
        out.append("no differences")
    else:
        out.append(f"{counts['added']} added, {counts['removed']} removed, {counts['changed']} changed"
                   + (f" (stopped after {MAX_CHANGES:,}: shared sections repeat whole sections; compare "
                      "without --resolved)" if truncated(changes) else ""))
    return "\n".join(out) + "\n"


def truncated(changes: list[Change]) -> bool:
    """Whether the comparison stopped at MAX_CHANGES before it was complete."""
    return len(changes) > MAX_CHANGES


def render_json(changes: list[Change], old_name: str, new_name: str, resolved: bool) -> str:
    data = {"old": old_name, "new": new_name, "resolved": resolved,
            "changes": [c.to_dict() for c in changes],
            "summary": {kind: sum(c.change == kind for c in changes) for kind in ("added", "removed", "changed")},
            "truncated": truncated(changes)}
    return json.dumps(data, indent=2, ensure_ascii=False, default=repr)

"""One open config: its Compilation, and what sits at a position (a header, a key, a value, a
`${...}` reference), read from the syntax tree, which exists even when resolving fails."""

from __future__ import annotations

import bisect
import os
from functools import cached_property
from typing import Any, Iterator, NamedTuple

from ..compiler.compilation import Compilation
from ..compiler.registry import Card, default_registry, registry_keys
from ..diagnostics import Span
from ..grammar.syntax import Entry, Reference, Section
from .text import Lines, normalised


class Spot(NamedTuple):
    """What is at a position. `kind`: "header", "key", "value", "reference" or "" (nothing)."""

    kind: str
    section: Section | None = None
    entry: Entry | None = None
    reference: Reference | None = None


class Target(NamedTuple):
    """What a reference names: a key of a section (`key` set) or a whole section."""

    section: str
    key: str | None = None


def contains(span: Span, line: int, column: int) -> bool:
    """Whether (line, column) is inside `span` or at its end (where the cursor sits after typing)."""
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)


class Document:
    def __init__(self, uri: str, text: str, version: int | None = None, encoding: str = "utf-16",
                 overrides: dict[str, Any] | None = None) -> None:
        self.uri = uri
        self.version = version
        self.source = text  # as the client sent it
        self.text = normalised(text)
        self.lines = Lines(self.text, encoding)
        self.compilation = Compilation(self.text, path=_path(uri), overrides=overrides)

    @property
    def diagnostics(self):
        return self.compilation.diagnostics

    @cached_property
    def sections(self) -> dict[str, Section]:
        """Sections as configparser keeps them: the first of each name, no [DEFAULT]."""
        tree = self.compilation.syntax
        found: dict[str, Section] = {}
        for section in tree.sections if tree else ():
            if section.name != "DEFAULT":
                found.setdefault(section.name, section)
        return found

    @cached_property
    def entries(self) -> dict[str, dict[str, Entry]]:
        """Each section's entries, the first of each key."""
        table: dict[str, dict[str, Entry]] = {}
        for name, section in self.sections.items():
            keys = table[name] = {}
            for entry in section.entries:
                keys.setdefault(entry.key, entry)
        return table

    @cached_property
    def _ordered(self) -> list[Section]:
        tree = self.compilation.syntax
        return sorted(tree.sections, key=lambda s: s.header_span.line) if tree else []

    # -- where things are --------------------------------------------------------------------

    @cached_property
    def _header_lines(self) -> list[int]:
        return [s.header_span.line for s in self._ordered]

    def section_at(self, line: int) -> Section | None:
        """The section whose header is on `line` or above it, before the next header."""
        k = bisect.bisect_right(self._header_lines, line)
        return self._ordered[k - 1] if k else None

    def section_end(self, section: Section) -> int:
        """The last line of a section's text: the line before the next header (or the file's last).
        A binary search: the outline asks it of every section (a scan each made it quadratic)."""
        k = bisect.bisect_right(self._header_lines, section.header_span.line)
        return self._header_lines[k] - 1 if k < len(self._header_lines) else len(self.lines.lines)

    def spot(self, line: int, column: int) -> Spot:
        section = self.section_at(line)
        if section is None:
            return Spot("")
        if section.header_span.line == line:
            return Spot("header", section)
        for entry in section.entries:
            if contains(entry.key_span, line, column):
                return Spot("key", section, entry)
            value = entry.value
            if contains(value.span, line, column) or (entry.key_span.line == line and value.span.line == line
                                                      and column >= entry.key_span.end_column):
                for ref in value.references:
                    if contains(ref.span, line, column):
                        return Spot("reference", section, entry, ref)
                return Spot("value", section, entry)
        return Spot("", section)

    # -- references --------------------------------------------------------------------------

    def target(self, ref: Reference | str, section: str) -> Target | None:
        """What `${...}` names, found as configparser and confection find it, or None."""
        path = (ref.path if isinstance(ref, Reference) else ref).replace(":", ".").rsplit(".", 1)
        if len(path) == 1:
            if path[0] in self.entries.get(section, {}):
                return Target(section, path[0])
            return Target(path[0]) if path[0] in self.sections else None
        name, key = path
        if key in self.entries.get(name, {}):
            return Target(name, key)
        whole = f"{name}.{key}"
        return Target(whole) if whole in self.sections else None

    def references(self) -> Iterator[tuple[Section, Entry, Reference]]:
        for section in self.sections.values():
            for entry in section.entries:
                for ref in entry.value.references:
                    yield section, entry, ref

    def definition(self, target: Target) -> Span | None:
        if target.key is None:
            section = self.sections.get(target.section)
            return section.name_span if section else None
        entry = self.entries.get(target.section, {}).get(target.key)
        return entry.key_span if entry else None

    # -- blocks and cards --------------------------------------------------------------------

    def registry_entry(self, name: str) -> Entry | None:
        """The `@registry = "..."` entry of section `name`, if it names a function."""
        entries = self.entries.get(name, {})
        keys = registry_keys(entries)
        return entries[keys[0]] if keys else None

    def card(self, name: str) -> Card | None:
        """The card a section's block names (by its `@registry` line), or None."""
        entry = self.registry_entry(name)
        if entry is None:
            return None
        return default_registry().get(entry.key[1:], self.string(entry))

    def string(self, entry: Entry) -> str:
        """A value as the string it holds (JSON quotes removed), without interpolation."""
        raw = entry.value.raw.strip()
        return raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw

    def components(self) -> list[str]:
        """The names of the [components.NAME] sections, in file order."""
        return [name.split(".")[1] for name in self.sections if name.count(".") == 1
                and name.startswith("components.")]

    def upstream(self, wanted: str, listener: str) -> str | None:
        """The component a listener's `upstream` names; "*" is the first tok2vec (or transformer,
        for a transformer listener) of the pipeline."""
        if wanted != "*":
            return wanted if f"components.{wanted}" in self.sections else None
        kinds = ("transformer", "curated_transformer") if "ransformer" in listener else ("tok2vec",)
        for name in self.components():
            entry = self.entries[f"components.{name}"].get("factory")
            if entry is not None and self.string(entry) in kinds:
                return name
        return None

    def value_at(self, path: tuple[str, ...]) -> tuple[bool, Any]:
        """(found, value) in the resolved config (interpolated), or (False, None) when it did not resolve."""
        resolved = self.compilation.resolved
        node: Any = resolved.data if resolved is not None else None
        if node is None:
            return False, None
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return False, None
            node = node[part]
        return True, node


def _path(uri: str) -> str:
    """A file name for messages: the path of a file: URI, else the URI itself."""
    if uri.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return os.path.basename(unquote(urlparse(uri).path)) or uri
    return uri

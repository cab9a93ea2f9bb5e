"""IR-2: nesting, overrides and `${...}` interpolation, with the result confection 1.3.4 gives.

`resolve(tree)` returns the config as `Config().from_str(text, overrides=...)` would, plus a
SpanIndex from config paths to source spans. Where confection raises or crashes, it returns
diagnostics instead; where confection silently does something surprising, it returns the same
result with a warning.

Interpolation follows configparser's algorithm (a value is cut into literal text, `$$` and
references; a referenced value that holds a '$' is expanded in turn, at most 10 levels deep), but
each referenced value is expanded once and remembered, so the work stays linear in the size of
the result, and that size is bounded.
"""

from __future__ import annotations

import dataclasses
from functools import cached_property
import re
from collections.abc import Mapping
from typing import Any, Iterator, NamedTuple

from ..diagnostics import Diagnostic, Related, Span, has_errors, nearest
from ..gcpause import paused_gc
from ..grammar import lexer
from ..grammar.syntax import PIECE_KINDS, BadDollar, ConfigFile, Entry, EscapedDollar, LineEntry, Reference, Section, Text
from ..limits import MAX_NESTING
from . import serialize, values

MAX_DEPTH = 10  # configparser's MAX_INTERPOLATION_DEPTH
MAX_EXPANSION = 10_000_000  # characters plus pieces one value may expand to


class _Spans(Mapping):
    """Config path (tuple of parts) -> span, looked up in the sections and entries themselves:
    nothing is built for the paths no one asks for (a check asks for a few; a config has
    tens of thousands)."""

    def __init__(self, sections: dict[str, Section], entries: dict[str, dict[str, Entry]], kind: str) -> None:
        self._sections = sections
        self._entries = entries
        self._kind = kind  # "sections", "keys" or "values"

    def get(self, path: Any, default: Any = None) -> Any:
        # a part that is no string, or holds a '.', is in no path of the index
        if type(path) is not tuple or not path:
            return default
        if self._kind == "sections":
            try:
                name = ".".join(path)
            except TypeError:
                return default
            section = self._sections.get(name) if name.count(".") == len(path) - 1 else None
            return section.name_span if section is not None else default
        key = path[-1]
        if len(path) < 2 or type(key) is not str:
            return default
        try:
            name = ".".join(path[:-1])
        except TypeError:
            return default
        entries = self._entries.get(name) if name.count(".") == len(path) - 2 else None
        entry = entries.get(key) if entries is not None else None
        if entry is None:
            return default
        return entry.key_span if self._kind == "keys" else entry.value_span

    def __getitem__(self, path: Any) -> Span:
        span = self.get(path)
        if span is None:
            raise KeyError(path)
        return span

    def __contains__(self, path: object) -> bool:
        return self.get(path) is not None

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        for name, section in self._sections.items():
            parts = tuple(name.split("."))
            if self._kind == "sections":
                yield parts
            else:
                for key in self._entries.get(name, {}):
                    yield parts + (key,)

    def __len__(self) -> int:
        if self._kind == "sections":
            return len(self._sections)
        return sum(len(self._entries.get(name, {})) for name in self._sections)


class SpanIndex:
    """Config path (tuple of parts) -> where it is written: `sections` (a section's name),
    `keys` and `values` (an entry's), each a mapping computed on lookup."""

    def __init__(self, sections: dict[str, Section], entries: dict[str, dict[str, Entry]]) -> None:
        self._sections = sections
        self._entries = entries
        self.sections = _Spans(sections, entries, "sections")
        self.keys = _Spans(sections, entries, "keys")
        self.values = _Spans(sections, entries, "values")

    def raw(self, path: tuple[str, ...]) -> str | None:
        """The text of the value at `path` as written (references unresolved), or None."""
        entry = self._entries.get(".".join(path[:-1]), {}).get(path[-1]) if path else None
        return entry.raw if entry is not None else None

    def find(self, path: tuple[str, ...]) -> Span | None:
        """The span of `path`'s value, or of the nearest enclosing value or section: what
        `values.get(prefix) or sections.get(prefix)` gives for the longest prefix that has one,
        with each prefix's section name made once (paths into shared sections are long). No
        prefix deeper than the deepest section name, plus a key, can be written anywhere: a
        resolved path through 400 references (`c399.prev.prev...`) looks at two parts, not 400."""
        sections = self._sections
        path = path[:self._most_parts + 1]
        names: list[str | None] = []  # the section name of each prefix (None: a part no name has)
        name: str | None = None
        for i, part in enumerate(path):
            if type(part) is str and "." not in part and (i == 0 or name is not None):
                name = part if i == 0 else f"{name}.{part}"
            else:
                name = None
            names.append(name)
        for end in range(len(path), 0, -1):
            key = path[end - 1]
            parent = names[end - 2] if end > 1 else None
            if parent is not None and type(key) is str and parent in sections:
                entry = self._entries.get(parent, {}).get(key)
                if entry is not None:
                    return entry.value_span
            section = sections.get(names[end - 1]) if names[end - 1] is not None else None
            if section is not None:
                return section.name_span
        return None

    @cached_property
    def _most_parts(self) -> int:
        return max((name.count(".") + 1 for name in self._sections), default=0)


# a value that is one reference and nothing else (the lexer's REF piece, whole)
_ONE_REFERENCE = re.compile(r"\$\{[^}]+\}|\$<[^>]+>")
_IMMUTABLE = (str, int, float, bool, type(None))


class ResolvedConfig(NamedTuple):
    data: dict[str, Any]
    spans: SpanIndex
    partial: bool = False  # what resolved after an error: some values are UNKNOWN


class _BySection:
    """Section name -> {key: an entry's entry or raw text} (the first entry of each key), made
    for a section when first asked for: resolving reads most values straight from the sections,
    and only the sections that references or spans look into get their dicts."""

    def __init__(self, sections: dict[str, Section], raw: bool) -> None:
        self._sections = sections
        self._raw = raw
        self._made: dict[str, dict[str, Any]] = {}
        self._defaults: dict[str, dict[str, str]] = {}  # raw texts the config may lack (`defaults`)

    def add_defaults(self, defaults: dict[str, dict[str, str]]) -> None:
        for name, entries in defaults.items():
            self._defaults.setdefault(name, {}).update(entries)
            self._made.pop(name, None)

    def get(self, name: str, default: Any = None) -> Any:
        made = self._made.get(name)
        if made is not None:
            return made
        section = self._sections.get(name)
        if section is None and name not in self._defaults:
            return default
        made = {}
        for entry in section.entries if section is not None else ():
            if entry.key not in made:
                made[entry.key] = entry.raw if self._raw else entry
        for key, text in self._defaults.get(name, {}).items():
            made.setdefault(key, text)
        self._made[name] = made
        return made

    def __getitem__(self, name: str) -> dict[str, Any]:
        made = self.get(name)
        if made is None:
            raise KeyError(name)
        return made

    def __contains__(self, name: object) -> bool:
        return name in self._sections or name in self._defaults

    def __iter__(self) -> Iterator[str]:
        yield from self._sections
        yield from (name for name in self._defaults if name not in self._sections)

    def items(self) -> Iterator[tuple[str, dict[str, Any]]]:
        return ((name, self[name]) for name in self)


class _Table:
    """Sections and their entries as configparser stores them (first of each name, no DEFAULT):
    `entries` and `raw` map a section's name to {key: entry} and {key: raw text}."""

    def __init__(self, tree: ConfigFile, defaults: dict[str, dict[str, str]] | None = None) -> None:
        sections = dict(zip([section.name for section in tree.sections], tree.sections))
        if len(sections) < len(tree.sections) or "DEFAULT" in sections:  # (rare) the first of each name
            sections = {}
            for section in tree.sections:
                name = section.name
                if name not in sections and name != "DEFAULT":
                    sections[name] = section
        self.sections = sections
        self.entries = _BySection(sections, raw=False)
        self.raw = _BySection(sections, raw=True)  # with `defaults` (which are not in `entries`)
        if defaults:
            self.raw.add_defaults(defaults)
        self.spans = SpanIndex(self.sections, self.entries)

    def is_section(self, name: str) -> bool:
        """configparser's `name in parser`: a declared section, or DEFAULT."""
        return name in self.sections or name == "DEFAULT"


def _join(path: tuple[str, ...] | list[str]) -> str:
    return ".".join(path)


# ---------------------------------------------------------------------------------------------
# Structure: nesting by dotted names


def _check_structure(table: _Table) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    names = table.sections
    undefined_parent: set[str] = set()
    valid: set[str] = set()  # sections whose every prefix is declared
    for name, section in names.items():
        if name.count(".") >= MAX_NESTING:
            out.append(Diagnostic(
                "AW214", f"[{name[:60]}...] is nested {name.count('.') + 1} levels deep; spaCy's config reader "
                f"fails on deep nesting, and archwright reads at most {MAX_NESTING} levels",
                section.name_span, config_path=name[:200], hint="flatten the structure"))
            undefined_parent.add(name)
            continue
        parent_name = name.rpartition(".")[0]
        if "." not in name or parent_name in valid:  # the common case, without walking every prefix
            valid.add(name)
            continue
        parts = name.split(".")
        for i in range(1, len(parts)):
            if parts[i - 1] == "*":
                continue
            parent = _join(parts[:i])
            if parent not in names and "*" not in parts[:i]:
                near = nearest(parent, [n for n in names if n.count(".") == i - 1])
                out.append(Diagnostic(
                    "AW209", f"[{name}] is inside [{parent}], but no section [{parent}] is declared "
                    f"(spaCy: Section '{parts[i - 1]}' is not defined)", section.name_span, config_path=name,
                    hint=f"did you mean [{near}{name[len(parent):]}]?" if near else
                    f"declare [{parent}] above [{name}]"))
                undefined_parent.add(name)
                break
        else:
            valid.add(name)
    # a key of [a] may not have the name of a child section [a.b ...]
    first_below: dict[str, str] = {}  # every proper prefix of a section name -> the first such section
    for name in names:
        prefix = name.rpartition(".")[0]
        while prefix and prefix not in first_below:
            first_below[prefix] = name
            prefix = prefix.rpartition(".")[0]
    for parent, entries in table.entries.items():
        if parent not in first_below:
            continue  # no section below this one (most): none of its keys can clash
        for key, entry in entries.items():
            child = f"{parent}.{key}"
            name = child if child in names else first_below.get(child)
            if name is None:
                continue
            out.append(Diagnostic(
                "AW210", f"`{key}` in [{parent}] is both a key and the section [{child}]",
                entry.key_span, config_path=child,
                related=(Related(f"section [{name}] declared here", names[name].name_span, name),),
                hint=f"remove the key `{key}` or rename the section"))
    return out + _check_order(table, undefined_parent)


def _check_order(table: _Table, skip: set[str]) -> list[Diagnostic]:
    """confection builds nested dicts in file order: a child before its parent crashes it."""
    out = []
    created: set[str] = set()  # holds every prefix of each of its names
    for name, section in table.sections.items():
        if name in skip:
            continue
        if name.rpartition(".")[0] in created or "." not in name:  # the common case
            created.add(name)
            continue
        parts = name.split(".")
        for i in range(len(parts) - 1):
            prefix = _join(parts[:i + 1])
            if parts[i] == "*":
                created.add(prefix)  # a '*' level is made on the way down
            elif prefix not in created:
                parent = prefix
                later = table.sections.get(parent)
                related = (Related(f"[{parent}] is declared here", later.name_span, parent),) if later else ()
                out.append(Diagnostic(
                    "AW208", f"[{name}] comes before [{parent}]; spaCy 3.8 crashes (KeyError: "
                    f"'{parts[i]}') unless a parent section is declared above its children",
                    section.name_span, config_path=name, related=related,
                    hint=f"move [{parent}] above [{name}]" if later else f"declare [{parent}] above [{name}]"))
                break
        else:
            created.add(name)
    return out


def _plain_skeleton(table: _Table) -> tuple[dict[str, Any], dict[str, dict], list[tuple[str, dict, Section]]] | None:
    """`_skeleton`'s result (its dicts by name only for the sections below the top level), and
    each section's name, dict and Section by depth (then file order), in one pass for the common
    config: every section's parent declared above it, no deep nesting. None otherwise
    (`_check_structure` then finds what is wrong). A key named as a section below it is the one
    structure error this leaves to the caller (which meets it when it puts values in); for any
    other config `_check_structure` reports nothing, so it need not run. (The resolver walks the
    list, not the dicts by name: a config of 100,000 sections would look each name up in tables
    too large for the processor's caches.)"""
    result: dict[str, Any] = {}
    nodes: dict[str, dict] = {}  # of the sections below the top level (the others are in result)
    top: list[tuple[str, dict, Section]] = []
    deeper: list[list[tuple[str, dict, Section]]] = []
    for name, section in table.sections.items():
        parent, dot, last = name.rpartition(".")
        if not dot:
            result[name] = node = {}
            top.append((name, node, section))
            continue
        parent_node = nodes.get(parent) if "." in parent else result.get(parent)
        depth = name.count(".")
        if parent_node is None or depth >= MAX_NESTING:
            return None
        nodes[name] = parent_node[last] = node = {}
        while len(deeper) < depth:
            deeper.append([])
        deeper[depth - 1].append((name, node, section))
    for level in deeper:
        top.extend(level)
    return result, nodes, top


def _skeleton(table: _Table, tolerant: bool = False) -> tuple[dict[str, Any], dict[str, dict]]:
    """Nested dicts for every header, in file order (so child sections come before values),
    and the dict of each section by name.

    `tolerant` (after a structure error, to find the other problems too) makes missing parents
    on the way instead of failing."""
    result: dict[str, Any] = {}
    nodes: dict[str, dict] = {}
    names = sorted(table.sections, key=lambda n: n.count(".")) if tolerant else table.sections
    for name in names:
        parent, dot, last = name.rpartition(".")
        node = nodes.get(parent) if dot and not tolerant else None
        if node is None:  # a top-level section, a '*' level, or tolerant
            node = result
            for part in name.split(".")[:-1]:
                node = node.setdefault(part, {}) if part == "*" or tolerant else node[part]
        nodes[name] = node.setdefault(last, {})
    return result, nodes


# ---------------------------------------------------------------------------------------------
# Interpolation


class _Failed(Exception):
    def __init__(self, diagnostic: Diagnostic, key: Any = None) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
        # what makes two failures the same problem (a cycle is one, whichever value starts it)
        self.key = key if key is not None else (diagnostic.code, diagnostic.span)


class _Expansion(NamedTuple):
    pieces: tuple[str, ...]
    height: int  # levels of expansion, this one included
    chain: tuple[tuple[str, str], ...]  # the deepest chain of (section, key) below


class _Expander:
    def __init__(self, table: _Table) -> None:
        self.table = table
        self.memo: dict[tuple[str, str, str], _Expansion] = {}
        self.stack: list[tuple[str, str, Span | None]] = []
        self.size = 0
        self.placeholders = False  # whether any whole-section reference was substituted
        self.targets: dict[str, tuple[str, str, str]] = {}  # `${section.key}` -> what _target gives

    def value(self, section: str, key: str, entry: Entry) -> str:
        """The text configparser's `get` returns for an entry (`section.key`), ready for JSON decoding."""
        raw = entry.raw
        self.size = 0
        if _ONE_REFERENCE.fullmatch(raw):
            # the commonest value with a '$': one `${section.key}` whose value has no '$'. Its
            # target does not depend on where it is written, so it is looked up once per config.
            target = self.targets.get(raw)
            if target is None and ("." in raw or ":" in raw):
                target = self._lookup(raw[2:-1], section, {}, raw)
                if target is None:  # the reference is the whole value (on one line, its span is the value's)
                    ref = Reference(raw, entry.value_span) if type(entry) is LineEntry else entry.value.pieces[0]
                    raise _Failed(_undefined(self.table, ref, section, key))
                self.targets[raw] = target
            if target is not None and "$" not in target[2] and len(target[2]) < MAX_EXPANSION:
                return target[2]
        pieces = self.expand(section, key, raw, 1, None).pieces
        if len(pieces) == 1:
            return pieces[0]
        try:
            return "".join(values.coerce_piece(p) for p in pieces)
        except values.NotEmbeddable as e:
            entry = self.table.entries[section][key]
            raise _Failed(Diagnostic(
                "AW207", f"a piece of this value cannot be embedded in text by spaCy's reader ({e})",
                entry.value.span, config_path=f"{section}.{key}",
                hint="reference a smaller value")) from None

    def _pieces(self, section: str, key: str, rest: str) -> Iterator:
        entry = self.table.entries.get(section, {}).get(key)
        if entry is not None and entry.raw == rest:
            return iter(entry.value.pieces)
        span = entry.value_span if entry is not None else None
        return (_tokenized(m, span) for m in lexer.PIECE.finditer(rest))

    def expand(self, section: str, key: str, rest: str, depth: int, via: Span | None) -> _Expansion:
        memo_key = (section, key, rest)
        done = self.memo.get(memo_key)
        if done is not None:
            if depth + done.height - 1 > MAX_DEPTH:
                self._too_deep([(s, k) for s, k, _ in self.stack] + list(done.chain), via)
            self._grow(done.pieces)
            return done
        for i, (s, k, _) in enumerate(self.stack):
            if (s, k) == (section, key):
                self._cycle(self.stack[i:], via)
        if depth > MAX_DEPTH:
            self._too_deep([(s, k) for s, k, _ in self.stack] + [(section, key)], via)
        raw_map = self.table.raw.get(section, {})
        rawval = raw_map.get(key, rest)
        self.stack.append((section, key, via))
        accum: list[str] = []
        height, chain = 1, ()
        try:
            for piece in self._pieces(section, key, rest):
                kind = type(piece)
                if kind is Text:
                    accum.append(piece.text)
                    self._grow((piece.text,))
                elif kind is EscapedDollar:
                    accum.append("$")
                elif kind is BadDollar:
                    raise _Failed(_bad_dollar(piece, section, key))
                else:
                    target_section, target_key, text = self._target(piece, section, key, raw_map, rawval)
                    if "$" in text:
                        sub = self.expand(target_section, target_key, text, depth + 1, piece.span)
                        accum.extend(sub.pieces)
                        if sub.height + 1 > height:
                            height, chain = sub.height + 1, sub.chain
                    else:
                        accum.append(text)
                        self._grow((text,))
        finally:
            self.stack.pop()
        result = _Expansion(tuple(accum), height, ((section, key),) + chain)
        self.memo[memo_key] = result
        return result

    def _grow(self, pieces) -> None:
        # pieces count too: references to an empty value multiply pieces, not characters
        self.size += len(pieces) + sum(map(len, pieces))
        if self.size > MAX_EXPANSION:
            section, key, _ = self.stack[0] if self.stack else ("", "", None)
            entry = self.table.entries.get(section, {}).get(key)
            raise _Failed(Diagnostic(
                "AW207", f"interpolation expands this value to more than {MAX_EXPANSION:,} characters",
                entry.value.span if entry else None, config_path=f"{section}.{key}",
                hint="references that repeat other references multiply; reference a value once"))

    def _target(self, ref: Reference, section: str, key: str, raw_map: dict[str, str],
                rawval: str) -> tuple[str, str, str]:
        """(section, key, raw text) that a reference stands for; a section becomes a placeholder."""
        target = self._lookup(ref.path, section, raw_map, rawval)
        if target is None:
            raise _Failed(_undefined(self.table, ref, section, key))
        return target

    def _lookup(self, ref_path: str, section: str, raw_map: dict[str, str],
                rawval: str) -> tuple[str, str, str] | None:
        """`_target`'s answer for a reference's path (between its braces), or None."""
        table = self.table
        path = ref_path.replace(":", ".").rsplit(".", 1)
        if len(path) == 1:
            name = path[0]
            if name in raw_map and raw_map[name].strip() != rawval.strip():
                return section, name, raw_map[name]
            if table.is_section(name):
                self.placeholders = True
                return section, name, values.section_placeholder(name)
        else:
            target_section, name = path
            target = table.raw.get(target_section)
            if target is not None and name in target:
                return target_section, name, target[name]
            if table.is_section(f"{target_section}.{name}"):
                self.placeholders = True
                return target_section, name, values.section_placeholder(f"{target_section}.{name}")
        return None

    def _cycle(self, hops: list[tuple[str, str, Span | None]], via: Span | None) -> None:
        names = [f"{s}.{k}" for s, k, _ in hops] + [f"{hops[0][0]}.{hops[0][1]}"]
        spans = [self.table.entries.get(s, {}).get(k) for s, k, _ in hops]
        related = tuple(Related(f"{names[i]} refers to {names[i + 1]}", entry.value.span, names[i])
                        for i, entry in enumerate(spans) if entry is not None and i > 0)
        first = spans[0]
        raise _Failed(Diagnostic(
            "AW202", "reference cycle: " + " -> ".join(names),
            first.value.span if first else via, config_path=names[0], related=related,
            hint="break the cycle: one of these values must be written out instead of referenced"),
            key=("AW202", frozenset((s, k) for s, k, _ in hops)))

    def _too_deep(self, chain: list[tuple[str, str]], via: Span | None) -> None:
        names = [f"{s}.{k}" for s, k in chain]
        start = self.table.entries.get(chain[0][0], {}).get(chain[0][1])
        raise _Failed(Diagnostic(
            "AW203", f"references nested more than {MAX_DEPTH} deep ({' -> '.join(names)} -> ...); "
            f"spaCy follows at most {MAX_DEPTH}", start.value.span if start else via, config_path=names[0],
            hint="reference the final value directly instead of through a chain"))


def _escaped_quotes(entry: Entry, path: str, text: str) -> Diagnostic:
    return Diagnostic(
        "AW253", f"a referenced value is pasted into text here, and spaCy escapes its quotes: the "
        f"result is the string {text[:120]!r}", entry.value.span, config_path=path,
        hint="reference lists, dicts and quoted strings as whole values (`x = ${a.b}`), not inside text")


def _tokenized(match: re.Match, span: Span | None):
    return PIECE_KINDS[match.lastgroup](match.group(), span or Span.point(1, 1))


def _bad_dollar(piece: BadDollar, section: str, key: str) -> Diagnostic:
    path = f"{section}.{key}"
    if piece.text.startswith("${"):
        problem = "an empty reference `${}`" if piece.text == "${}" else f"an unclosed reference `{piece.text}`"
        return Diagnostic("AW205", f"{problem}: a reference is `${{section.key}}`", piece.span,
                          config_path=path, hint="close the reference with '}', or write '$$' for a literal '$'")
    return Diagnostic("AW204", "a '$' must start a reference `${section.key}` or be doubled as '$$'",
                      piece.span, config_path=path, hint="write '$$' for a literal dollar sign")


def _undefined(table: _Table, ref: Reference, section: str, key: str) -> Diagnostic:
    dotted = ref.path.replace(":", ".")
    path = f"{section}.{key}"
    parts = dotted.rsplit(".", 1)

    def suggest(candidates: list[tuple[str, str]], fallback: str, by_key: bool = False) -> str:
        """The nearest candidate reference that would resolve without a new error (compared by
        key alone when all candidates are in the section the reference names)."""
        usable = {(k if by_key else f"{s}.{k}" if s else k): f"{s}.{k}" if s else k for s, k in candidates
                  if _usable_target(table, s or section, k, section, key)}
        near = nearest(parts[-1] if by_key else dotted, list(usable))
        return f"did you mean ${{{usable[near]}}}?" if near else fallback

    if len(parts) == 1:
        name = parts[0]
        elsewhere = [f"{s}.{name}" for s, entries in table.raw.items()
                     if name in entries and s != section and _usable_target(table, s, name, section, key)]
        message = f"`{ref.text}`: [{section}] has no key `{name}` and there is no section [{name}]"
        if elsewhere:
            hint = f"a reference without a section only looks in its own section: write ${{{elsewhere[0]}}}"
        else:
            hint = suggest([("", k) for k in table.raw.get(section, {})], "check the spelling", by_key=True)
        return Diagnostic("AW201", message, ref.span, config_path=path, hint=hint)
    target_section, name = parts
    if target_section not in table.sections:
        # find the deepest declared prefix to say which part is missing
        pieces = target_section.split(".")
        known = ""
        for i in range(len(pieces), 0, -1):
            if _join(pieces[:i]) in table.sections:
                known = _join(pieces[:i])
                break
        same_depth = [s for s in table.sections if s.count(".") == target_section.count(".")]
        candidates = [(s, k) for s in same_depth for k in _members(table, s)]
        if known:
            message = f"`{ref.text}`: [{known}] exists, but there is no section [{target_section}]"
            dotted_key = table.raw[known].get(dotted[len(known) + 1:]) is not None
            hint = ("keys with a '.' in their name cannot be referenced" if dotted_key
                    else suggest(candidates, f"declare [{target_section}]"))
        else:
            message = f"`{ref.text}`: there is no section [{target_section}]"
            hint = suggest(candidates, f"declare [{target_section}]")
        return Diagnostic("AW201", message, ref.span, config_path=path, hint=hint)
    keys = [k for k in _members(table, target_section) if _usable_target(table, target_section, k, section, key)]
    return Diagnostic(
        "AW201", f"`{ref.text}`: [{target_section}] has no key or subsection `{name}`", ref.span,
        config_path=path, hint=suggest([(target_section, k) for k in keys],
                                       f"[{target_section}] has: {', '.join(keys[:12]) or 'nothing'}", by_key=True))


def _members(table: _Table, section: str) -> list[str]:
    """The keys and direct subsections of a section: what `${section.name}` can name."""
    depth = section.count(".") + 1
    return list(table.raw.get(section, {})) + [s.rsplit(".", 1)[1] for s in table.sections
                                               if s.startswith(section + ".") and s.count(".") == depth]


def _usable_target(table: _Table, section: str, name: str, from_section: str, from_key: str) -> bool:
    """Whether `${section.name}`, written in from_section.from_key, would resolve: it exists, is
    not the key itself, does not enclose it, and does not lead back to it (a cycle)."""
    child = f"{section}.{name}"
    if name in table.raw.get(section, {}):
        if (section, name) == (from_section, from_key):
            return False
    elif child in table.sections:
        if from_section == child or from_section.startswith(child + "."):
            return False
    else:
        return False
    goal = (from_section, from_key)
    todo, seen = [(section, name)], set()
    while todo and len(seen) < 10_000:  # the references reachable from the candidate
        at = todo.pop()
        if at in seen:
            continue
        seen.add(at)
        s, k = at
        raws = ([table.raw[s][k]] if k in table.raw.get(s, {}) else
                [v for n, entries in table.raw.items() if n == f"{s}.{k}" or n.startswith(f"{s}.{k}.")
                 for v in entries.values()])
        for raw in raws:
            for match in lexer.PIECE.finditer(raw):
                text = match.group(0)
                if not text.startswith("${"):
                    continue
                ref = text[2:-1].replace(":", ".")
                target = tuple(ref.rsplit(".", 1)) if "." in ref else (s, ref)
                if target == goal:
                    return False
                todo.append(target)
    return True


# ---------------------------------------------------------------------------------------------
# Section references and overrides


def _replace_section_refs(root: dict, table: _Table, out: list[Diagnostic]) -> None:
    """Put each section dict where a placeholder names it (the same object, as confection does)."""

    def swap(value: Any, where: list[str]) -> Any:
        if isinstance(value, str) and value.startswith('"' + values.SECTION_PREFIX):
            value = values.load(value)
        if isinstance(value, str) and value.startswith(values.SECTION_PREFIX) and value != values.SECTION_PREFIX:
            node: Any = root
            try:
                for part in value[len(values.SECTION_PREFIX):].split("."):
                    node = node[part]
            except (KeyError, TypeError, IndexError):
                name = value[len(values.SECTION_PREFIX):]
                out.append(Diagnostic(
                    "AW201", f"the value refers to the section [{name}], which is not in the config",
                    table.spans.find(tuple(where)), config_path=_join([w for w in where if w]),
                    hint="[DEFAULT] and overridden sections cannot be referenced"))
                return value
            return node
        if isinstance(value, str) and values.SECTION_PREFIX in value and value != values.SECTION_PREFIX:
            out.append(Diagnostic(
                "AW206", "a whole section is referenced inside a string or glued to text; spaCy only "
                "allows a section reference as a whole value or as an item of a JSON list or object",
                table.spans.find(tuple(where)), config_path=_join([w for w in where if w]),
                hint="write it as the whole value (`x = ${section}`), or reference a key instead "
                     "(`${section.key}`)"))
        return value

    def walk(node: dict, parent: str) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, f"{parent}.{key}".strip("."))
            elif isinstance(value, list):
                node[key] = [swap(item, parent.split(".") + [key]) for item in value]
            else:
                node[key] = swap(value, parent.split(".") + [key])

    walk(root, "")


def _check_overrides(table: _Table, overrides: dict[str, Any]) -> list[Diagnostic]:
    out = []
    for key in overrides:
        if not isinstance(key, str):
            out.append(Diagnostic("AW211", f"the override key {key!r} is not a string", None,
                                  config_path=str(key), hint="write override keys as 'section.key'"))
            continue
        if "." in key:
            section, name = key.rsplit(".", 1)
            if section in table.sections:
                if name not in table.entries[section] and f"{key}" not in table.sections:
                    near = nearest(name, table.entries[section])
                    out.append(Diagnostic(
                        "AW254", f"the override `{key}` adds a key that [{section}] does not have",
                        table.spans.find(tuple(section.split("."))), config_path=key,
                        hint=f"did you mean {section}.{near}?" if near else "check the key's spelling"))
                continue
            near = nearest(section, table.sections)
            reason = f"there is no section [{section}]"
            hint = f"did you mean {near}.{key.rsplit('.', 1)[1]}?" if near else "override a key of an existing section"
        else:
            reason = "an override must name a section and a key"
            hint = "write section.key, e.g. training.max_epochs"
        out.append(Diagnostic("AW211", f"the override `{key}` cannot be applied: {reason}",
                              None, config_path=key, hint=hint))
    return out


def _apply_overrides(result: dict, overrides: dict[str, Any], table: _Table) -> list[Diagnostic]:
    out = []
    for key, value in overrides.items():
        path = key.split(".")
        node = result
        for i, part in enumerate(path[:-1]):
            node = node.get(part) if isinstance(node, dict) else None
            if not isinstance(node, dict):
                through = _join(path[:i + 1])
                out.append(Diagnostic(
                    "AW211", f"the override `{key}` cannot be applied: `{through}` is no longer a section "
                    "(another override replaced it)", table.spans.find(tuple(path[:i + 1])), config_path=key,
                    hint=f"override either `{through}` or keys inside it, not both"))
                break
        else:
            node[path[-1]] = value
    return out


# ---------------------------------------------------------------------------------------------


def resolve(tree: ConfigFile, overrides: dict[str, Any] | None = None, interpolate: bool = True,
            defaults: dict[str, dict[str, str]] | None = None,
            partial: bool = False) -> tuple[ResolvedConfig | None, list[Diagnostic]]:
    """IR-1 -> the resolved config. Never raises on user input; None when confection would fail.
    `defaults` ({section: {key: raw text}}) are values references may reach when the config
    lacks them, as spaCy fills its default config before interpolating (they are not added to
    the result: only what references them sees them). `partial` gives, where interpolation
    failed, what could be resolved instead of None: each value that failed is UNKNOWN, so that
    the later phases check everything else."""
    with paused_gc():
        return _resolve(tree, overrides, interpolate, defaults, partial)


def _resolve(tree: ConfigFile, overrides: dict[str, Any] | None, interpolate: bool,
             defaults: dict[str, dict[str, str]] | None,
             partial: bool, plain_structure: bool = True) -> tuple[ResolvedConfig | None, list[Diagnostic]]:
    """`plain_structure`: try `_plain_skeleton` first (False: the config has a key named as a
    subsection, which `_check_structure` reports)."""
    table = _Table(tree, defaults)
    plain = _plain_skeleton(table) if plain_structure else None
    diagnostics = _check_structure(table) if plain is None else []
    if overrides:
        diagnostics += _check_overrides(table, overrides)
    # after a structure error, still look for reference problems, so that one run reports all
    tolerant = has_errors(diagnostics)
    if tolerant and any(d.code == "AW214" for d in diagnostics):
        return None, diagnostics
    if plain is None or tolerant:
        result, nodes = _skeleton(table, tolerant)
        order = [(name, nodes[name], table.sections[name])
                 for name in sorted(table.sections, key=lambda n: n.count("."))]
    else:
        result, nodes, order = plain
    substitute = interpolate and not overrides
    expander = _Expander(table)
    seen: set = set()
    interpret = values.interpret
    load = values.load
    decoded: dict[str, Any] = {}  # raw text -> its value, for values no one can change in place
    spells_section = False  # whether a value's text holds a section placeholder
    prefix = values.SECTION_PREFIX
    for name, node, section in order:
        # without a structure error no key has a subsection's name, so a key already in its
        # node is a repeated key (the first one counts)
        for entry in table.entries[name].values() if tolerant else section.entries:
            key = entry.key
            if key in node:
                if plain is not None and node[key] is nodes.get(f"{name}.{key}"):
                    # a key named as a subsection: the structure checks report it
                    return _resolve(tree, overrides, interpolate, defaults, partial, plain_structure=False)
                continue  # a repeated key, or (tolerant) a key that clashes with a subsection (reported)
            raw = entry.raw
            if "$" in raw and substitute:
                if prefix in raw:
                    spells_section = True
                try:
                    text = expander.value(name, key, entry)
                except _Failed as failure:
                    if failure.key not in seen:
                        seen.add(failure.key)
                        diagnostics.append(failure.diagnostic)
                    node[key] = values.UNKNOWN
                    continue
                value = interpret(text)
                if isinstance(value, str) and '\\"' in value and '\\"' not in raw:
                    diagnostics.append(_escaped_quotes(entry, f"{name}.{key}", value))
                node[key] = value
            else:
                value = decoded.get(raw, decoded)
                if value is decoded:  # (a text met before was looked at then)
                    if prefix in raw:
                        spells_section = True
                    value = interpret(raw) if "$" in raw else load(raw)  # the same without '$'
                    if type(value) in _IMMUTABLE:
                        decoded[raw] = value
                node[key] = value
    if has_errors(diagnostics):
        return (_partial(result, table, overrides) if partial else None), diagnostics
    if overrides:
        diagnostics += _apply_overrides(result, overrides, table)
        if has_errors(diagnostics):
            return None, diagnostics
    # placeholders come from whole-section references, or from text that spells one out
    if expander.placeholders or overrides or spells_section:
        try:
            _replace_section_refs(result, table, diagnostics)
        except RecursionError:
            diagnostics.append(Diagnostic(
                "AW213", "the config contains itself (an override value or a section refers to itself), so "
                "spaCy cannot read it", None, hint="give values that do not contain themselves"))
        if has_errors(diagnostics):
            return None, diagnostics
        diagnostics += _self_containing(table, result)
        diagnostics += _too_deep_through_references(result)
    if overrides:
        diagnostics += _dollar_warnings(tree, overrides)
        if interpolate:
            if any(d.code == "AW251" for d in diagnostics):
                diagnostics.append(Diagnostic(
                    "AW212", "with overrides, spaCy writes the config out and reads it back, and a config "
                    "that contains itself never finishes writing", None,
                    hint="remove the reference to an enclosing section"))
                return None, diagnostics
            result = _reparse(result, table, diagnostics, defaults)
            if result is None:
                return None, diagnostics
    return ResolvedConfig(result, table.spans), diagnostics


def _partial(result: dict, table: _Table, overrides: dict[str, Any] | None) -> ResolvedConfig | None:
    """What could be resolved after an error, for the checks that do not depend on it: the
    overrides applied and whole-section references put in where they can be (their problems are
    already reported or are consequences), every other placeholder UNKNOWN."""
    ignored: list[Diagnostic] = []
    try:
        if overrides:  # a key that is not a string is reported already
            _apply_overrides(result, {k: v for k, v in overrides.items() if isinstance(k, str)}, table)
        _replace_section_refs(result, table, ignored)
    except (RecursionError, _Failed, KeyError, TypeError, ValueError):
        return None
    stack = [result]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for key, value in node.items():
            if isinstance(value, str) and value.startswith(values.SECTION_PREFIX):
                node[key] = values.UNKNOWN
            elif isinstance(value, dict):
                stack.append(value)
            elif isinstance(value, list):
                if any(isinstance(v, str) and v.startswith(values.SECTION_PREFIX) for v in value):
                    node[key] = values.UNKNOWN
    return ResolvedConfig(result, table.spans, partial=True)


def _reparse(result: dict, table: _Table, diagnostics: list[Diagnostic],
             defaults: dict[str, dict[str, str]] | None = None) -> dict | None:
    """confection's override detour: write the uninterpolated tree out and parse it again."""
    from ..grammar.parser import parse

    try:
        text = serialize.to_str(result)
    except serialize.NotWritable as e:
        diagnostics.append(Diagnostic(
            "AW212", f"with the overrides applied, the config cannot be written out and read back "
            f"as spaCy does: {e.reason}", table.spans.find(e.path), config_path=_join(e.path),
            hint="override values must be JSON values whose '$' signs are doubled or start a reference"))
        return None
    tree, parse_diagnostics = parse(text)
    resolved, resolve_diagnostics = resolve(tree, defaults=defaults) if not has_errors(parse_diagnostics) else (None, [])
    lines = text.split("\n")
    for d in parse_diagnostics + resolve_diagnostics:
        if not d.is_error:
            continue  # warnings about the rewritten text say nothing about the user's text
        path = tuple(d.config_path.split(".")) if d.config_path else ()
        where = ""
        if not path and d.span is not None:  # a line of the rewritten text: the section it is in
            header = next((line for line in reversed(lines[:d.span.line]) if line.startswith("[")), "")
            path = tuple(header[1:-1].split(".")) if header.endswith("]") else ()
            where = f" in [{_join(path)}]" if path else ""
        diagnostics.append(dataclasses.replace(
            d, span=table.spans.find(path), related=(), config_path=d.config_path or _join(path),
            # its line numbers count lines of the rewritten text, which the user never sees
            message=re.sub(r"^line \d+ ", "a line ", d.message)
            + f" (in the config as rewritten with the overrides applied{where})"))
    return resolved.data if resolved is not None else None


def _self_containing(table: _Table, result: dict) -> list[Diagnostic]:
    """A section that references an enclosing section makes the config contain itself."""
    out = []
    on_path, done = 1, 2
    state = {id(result): on_path}
    stack: list[tuple[tuple[str, ...], dict, Iterator]] = [((), result, iter(result.items()))]
    while stack:
        path, node, items = stack[-1]
        for key, value in items:
            if not isinstance(value, dict):
                continue
            seen = state.get(id(value))
            if seen == on_path:
                where = path + (str(key),)
                out.append(Diagnostic(
                    "AW251", f"{_join(where)} refers to a section that encloses it, so the config "
                    "contains itself; spaCy cannot write it out or resolve it", table.spans.find(where),
                    config_path=_join(where), hint="reference a key, or a section outside this one"))
            elif seen is None:
                state[id(value)] = on_path
                stack.append((path + (str(key),), value, iter(value.items())))
                break
        else:
            state[id(node)] = done
            stack.pop()
    return out


def _dollar_warnings(tree: ConfigFile, overrides: dict[str, Any]) -> list[Diagnostic]:
    """With overrides, confection reads '$' and '$$' literally (spec §9.3)."""
    out = []
    for section in tree.sections:
        for entry in section.entries:
            path = f"{section.name}.{entry.key}"
            if path in overrides or "$" not in entry.raw:
                continue
            for piece in entry.value.pieces:
                if type(piece) is EscapedDollar or (type(piece) is BadDollar and piece.text == "$"):
                    meaning = ("'$$' stays '$$'; without overrides spaCy reads it as '$'" if piece.text == "$$"
                               else "this '$' is accepted as text; without overrides spaCy rejects it")
                    out.append(Diagnostic(
                        "AW252", f"because overrides are given, {meaning}", piece.span,
                        config_path=path, hint="avoid '$' in values that may be overridden"))
    return out


def _too_deep_through_references(result: dict) -> list[Diagnostic]:
    """AW214 when section references nest sections deeper than MAX_NESTING levels (a chain of
    `prev = ${c1}` sections): the written nesting is checked where sections are read. Each
    section is measured once (a longest path in the graph of shared sections, without cycles)."""
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[dict, Iterator]] = [(result, iter(result.values()))]
    on_path.add(id(result))
    while stack:
        node, children = stack[-1]
        for child in children:
            if isinstance(child, dict) and id(child) not in on_path and id(child) not in depth:
                on_path.add(id(child))
                stack.append((child, iter(child.values())))
                break
        else:
            stack.pop()
            on_path.discard(id(node))
            depth[id(node)] = 1 + max((depth.get(id(c), 0) for c in node.values() if isinstance(c, dict)), default=0)
            if depth[id(node)] > MAX_NESTING + 1:
                return [Diagnostic("AW214", f"section references nest sections more than {MAX_NESTING} levels "
                                   "deep (a section that references a section that references ...); spaCy's "
                                   f"config reader fails on deep nesting, and archwright reads at most {MAX_NESTING} "
                                   "levels", hint="reference keys instead of whole sections, or shorten the chain")]
    return []

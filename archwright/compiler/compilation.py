"""Compilation: one config run through the phases lazily, each result computed once."""

from __future__ import annotations

import dataclasses
import os
from functools import cached_property, lru_cache
from typing import Any

from ..diagnostics import Diagnostic, Span, has_errors
from ..grammar.parser import parse
from ..reading import read_limited
from ..grammar.syntax import ConfigFile
from .check import Blueprint, check
from .pipeline import check_pipeline, is_training_config, references_set_aside
from .resolve import ResolvedConfig, resolve

MAX_FILE_BYTES = 32 * 1024 * 1024


def read_config_file(path: str | os.PathLike) -> tuple[str | None, list[Diagnostic]]:
    """A config file's text as spaCy reads it (UTF-8, universal newlines), or a diagnostic."""
    data, problems = read_config_bytes(path)
    return (None, problems) if data is None else decode_config(data)


def read_config_bytes(path: str | os.PathLike) -> tuple[bytes | None, list[Diagnostic]]:
    """A config file's bytes, or a diagnostic: only regular files (never blocking on a FIFO), at
    most MAX_FILE_BYTES of them, counted as they are read (a device reports a size of 0)."""
    try:
        data = read_limited(path, MAX_FILE_BYTES)
        if len(data) > MAX_FILE_BYTES:
            size = max(os.path.getsize(path), len(data))  # a regular file: its size is true
            return None, [Diagnostic("AW109", f"the file has {size:,} bytes; archwright reads at most "
                                     f"{MAX_FILE_BYTES:,}", hint="check that this is a config file")]
    except OSError as e:
        return None, [Diagnostic("AW108", f"cannot read the file: {e.strerror or e}",
                                 hint="check the path and its permissions")]
    return data, []


def decode_config(data: bytes) -> tuple[str | None, list[Diagnostic]]:
    """Config bytes as spaCy's from_disk reads them."""
    if len(data) > MAX_FILE_BYTES:
        return None, [Diagnostic("AW109", f"the input has more than {MAX_FILE_BYTES:,} bytes; archwright "
                                 f"reads at most {MAX_FILE_BYTES:,}", hint="check that this is a config file")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        return None, [Diagnostic("AW108", f"the file is not UTF-8 (byte {data[e.start]:#04x} at "
                                 f"line {line}); spaCy reads configs as UTF-8", Span(line, column, line, column + 1),
                                 hint="save the file as UTF-8")]
    # open(..., encoding="utf8") in text mode, as confection's from_disk does
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def _name_overrides(diagnostics: list[Diagnostic], overrides: dict[str, Any]) -> list[Diagnostic]:
    """A problem with a value an override set says so: the file does not show that value."""
    if not overrides:
        return diagnostics
    import json

    def source(path: str) -> str:
        for key, value in overrides.items():
            if isinstance(key, str) and (path == key or path.startswith(key + ".")):
                try:
                    shown = json.dumps(value) if not isinstance(value, str) else value
                except (ValueError, TypeError, RecursionError):  # an int of thousands of digits, ...
                    shown = "..."
                return f" (set by --{key} {shown[:60]})"
        return ""

    out = []
    for d in diagnostics:
        note = source(d.config_path) if d.config_path else ""
        out.append(dataclasses.replace(d, message=d.message + note) if note else d)
    return out


def _fold_inline_comments(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """An inline comment (AW150) that makes a value the wrong type is one mistake: the type error
    stays (spaCy fails on it) and says what to do; the warning is left out."""
    comments = {d.span: d for d in diagnostics if d.code == "AW150"}
    if not comments:
        return diagnostics
    typed = {d.span for d in diagnostics if d.code == "AW305" and d.span in comments}
    return [dataclasses.replace(d, hint=comments[d.span].hint) if d.span in typed and d.code == "AW305" else d
            for d in diagnostics if not (d.code == "AW150" and d.span in typed)]


def incomplete_sections(tree: ConfigFile | None) -> frozenset[str]:
    """Sections whose entries the parse could not all read (a bad line, a second header of the
    same name) or that are only implied by a child's header: a key missing there may only be
    unreadable or undeclared, which is reported already, so it is not reported as missing."""
    if tree is None:
        return frozenset()
    names = [s.name for s in tree.sections]
    declared = set(names)
    repeated = {n for n in names if names.count(n) > 1} if len(declared) < len(names) else set()
    implied = _ancestors(declared) - declared
    return frozenset({s.name for s in tree.sections if s.bad_lines} | repeated | implied)


def _ancestors(names: set[str]) -> set[str]:
    """Every proper dotted prefix of the names (`a`, `a.b` for `a.b.c`). Each name's parents are
    taken until one is already known, so a chain of n nested sections costs n prefixes, not n²
    (splitting every name at every level made validate cubic in the nesting: 12 s at 899 levels)."""
    found: set[str] = set()
    for name in names:
        parent = name.rpartition(".")[0] if "." in name else None
        while parent is not None and parent not in found:
            found.add(parent)
            parent = parent.rpartition(".")[0] if "." in parent else None
    return found


@lru_cache(maxsize=1)
def spacy_fill_defaults() -> dict[str, dict[str, str]]:
    """spaCy's default training config as raw config text per section, for `resolve(defaults=)`:
    `spacy train` merges it into a config before interpolating (`${paths.vectors}` is null
    even where [paths] lacks `vectors`)."""
    import json

    from .registry import training_defaults

    out: dict[str, dict[str, str]] = {}

    def walk(node: dict, section: str) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, f"{section}.{key}" if section else key)
            elif section:
                text = value if isinstance(value, str) and "${" in value else json.dumps(value)
                out.setdefault(section, {})[key] = text

    walk(training_defaults(), "")
    return out


class Compilation:
    """A config with overrides; `.diagnostics` holds every phase's. The source is config text
    (str), the bytes of a config file, or a path to read (both read as spaCy reads files)."""

    def __init__(self, source: str | bytes | os.PathLike, *, path: str | None = None,
                 overrides: dict[str, Any] | None = None, interpolate: bool = True,
                 labels: dict[str, dict[str, int]] | None = None, spacy_defaults: bool = False) -> None:
        self._read_diagnostics: list[Diagnostic] = []
        if isinstance(source, os.PathLike):
            self.path = path or os.fspath(source)
            self.text, self._read_diagnostics = read_config_file(source)
        elif isinstance(source, bytes):
            self.path = path or "<bytes>"
            self.text, self._read_diagnostics = decode_config(source)
        else:
            self.path = path or "<string>"
            self.text = source
        self.overrides = dict(overrides or {})
        self.interpolate = interpolate
        self.labels = labels or {}  # data-dependent sizes per component: {"tagger": {"n_labels": 17}}
        # spacy_defaults: let references reach spaCy's default settings, as `spacy.load` and
        # `load_model_from_config` do. Off by default, because `spacy train` interpolates the
        # config before it fills the defaults (init_nlp), so there such a reference fails.
        self.spacy_defaults = spacy_defaults
        if not isinstance(self.labels, dict) or not all(isinstance(s, dict) for s in self.labels.values()):
            raise TypeError('labels must be {component: {size: number}}, e.g. {"tagger": {"n_labels": 17}}')

    @cached_property
    def _syntax(self) -> tuple[ConfigFile | None, list[Diagnostic]]:
        if self.text is None:
            return None, []
        return parse(self.text)

    @property
    def syntax(self) -> ConfigFile | None:
        """IR-1, or None if the text could not be read."""
        return self._syntax[0]

    @cached_property
    def _resolved(self) -> tuple[ResolvedConfig | None, list[Diagnostic]]:
        """IR-2 as far as it could be made: after a syntax or reference error it holds every value
        that resolved, and UNKNOWN for those that did not (see `partial` of resolve)."""
        tree, _ = self._syntax
        if tree is None or has_errors(self._read_diagnostics):
            return None, []
        training = is_training_config(s.name.split(".")[0] for s in tree.sections)
        defaults = spacy_fill_defaults() if self.spacy_defaults and training else None
        return resolve(tree, self.overrides, self.interpolate, defaults, partial=True)

    @property
    def resolved(self) -> ResolvedConfig | None:
        """IR-2 (the config as confection gives it, with spans), or None after an error."""
        if has_errors(self.resolution_diagnostics):
            return None
        return self._resolved[0]

    @cached_property
    def _checked(self) -> tuple[Blueprint | None, list[Diagnostic]]:
        resolved, _ = self._resolved
        if resolved is None:
            return None, []
        blueprint, diagnostics = check(resolved, incomplete=incomplete_sections(self.syntax))
        return blueprint, (diagnostics + check_pipeline(blueprint, resolved.spans)
                           + references_set_aside(self.syntax, self.text))

    @property
    def checked(self) -> Blueprint | None:
        """IR-3: every registry reference bound to its card, arguments checked (None after an
        error of an earlier phase)."""
        return self._checked[0] if self.resolved is not None else None

    @cached_property
    def graph(self):
        """IR-4, the LayerGraph (imports networkx), or None when an earlier phase found errors."""
        blueprint, resolved = self.checked, self.resolved
        if blueprint is None or resolved is None or has_errors(self.diagnostics):
            return None
        from .graph import lower

        return lower(blueprint, resolved, self.labels)

    @cached_property
    def costs(self):
        """Each component's compute and memory estimates ({name: cost.ComponentCost}, in
        pipeline order; compiler/cost.py), or None when `graph` is None."""
        if self.graph is None:
            return None
        from .cost import components

        return components(self.graph)

    @cached_property
    def partial_graph(self):
        """IR-4 of every part that resolved and was checked, despite errors elsewhere (the
        explorer draws it with the errors marked); `graph` when there is no error; None when
        nothing resolved."""
        return self._lowered(expand=False)

    @cached_property
    def expanded_graph(self):
        """`partial_graph` with every copy of a repeated block drawn (`lower(..., expand=True)`)."""
        return self._lowered(expand=True)

    def _lowered(self, expand: bool):
        if not expand and (self.graph is not None or not has_errors(self.diagnostics)):
            return self.graph
        (blueprint, _), (resolved, _) = self._checked, self._resolved
        if blueprint is None or resolved is None or (self.ok and self.checked is None):
            return None
        from .graph import lower

        try:
            return lower(blueprint, resolved, self.labels, expand=expand)
        except Exception:  # best effort on what the errors left unknown; `graph` stays the contract
            pass
        # lower again with each component that cannot be lowered alone standing as an unmodelled block
        components = blueprint.data.get("components")
        if not isinstance(components, dict):
            return None
        data = dict(blueprint.data, components=dict(components))
        for name, settings in components.items():
            alone = dict(blueprint.data, components={name: settings}, nlp={"pipeline": [name]})
            try:
                lower(blueprint._replace(data=alone), resolved, self.labels)
            except Exception:
                data["components"][name] = {"factory": settings.get("factory", "") if isinstance(settings, dict)
                                            else "", "model": {"@architectures": "(not lowered: see the errors)"}}
        try:
            return lower(blueprint._replace(data=data), resolved, self.labels, expand=expand)
        except Exception:
            return None

    @property
    def resolution_diagnostics(self) -> list[Diagnostic]:
        """The diagnostics of reading, parsing and resolving (not of the later phases)."""
        return self._read_diagnostics + self._syntax[1] + self._resolved[1]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every diagnostic of every phase (reading this runs them)."""
        return _name_overrides(_fold_inline_comments(self.resolution_diagnostics + self._checked[1]),
                               self.overrides)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

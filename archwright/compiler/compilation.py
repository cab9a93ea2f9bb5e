"""Compilation: one config run through the phases lazily, each result computed once."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic, Span, has_errors
from ..grammar.parser import parse
from ..reading import read_limited
from ..grammar.syntax import ConfigFile
from .check import Blueprint, check
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


class Compilation:
    """A config with overrides; `.diagnostics` holds every phase's. The source is config text
    (str), the bytes of a config file, or a path to read (both read as spaCy reads files)."""

    def __init__(self, source: str | bytes | os.PathLike, *, path: str | None = None,
                 overrides: dict[str, Any] | None = None, interpolate: bool = True,
                 labels: dict[str, dict[str, int]] | None = None) -> None:
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
        tree, diagnostics = self._syntax
        if tree is None or has_errors(diagnostics) or has_errors(self._read_diagnostics):
            return None, []
        return resolve(tree, self.overrides, self.interpolate)

    @property
    def resolved(self) -> ResolvedConfig | None:
        """IR-2 (the config as confection gives it, with spans), or None after an error."""
        return self._resolved[0]

    @cached_property
    def _checked(self) -> tuple[Blueprint | None, list[Diagnostic]]:
        resolved, diagnostics = self._resolved
        if resolved is None or has_errors(diagnostics):
            return None, []
        return check(resolved)

    @property
    def checked(self) -> Blueprint | None:
        """IR-3: every registry reference bound to its card, arguments checked."""
        return self._checked[0]

    @cached_property
    def graph(self):
        """IR-4, the LayerGraph (imports networkx), or None when an earlier phase found errors."""
        blueprint, resolved = self.checked, self.resolved
        if blueprint is None or resolved is None or has_errors(self.diagnostics):
            return None
        from .graph import lower

        return lower(blueprint, resolved, self.labels)

    @property
    def resolution_diagnostics(self) -> list[Diagnostic]:
        """The diagnostics of reading, parsing and resolving (not of the later phases)."""
        return self._read_diagnostics + self._syntax[1] + self._resolved[1]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every diagnostic of every phase (reading this runs them)."""
        return self.resolution_diagnostics + self._checked[1]

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

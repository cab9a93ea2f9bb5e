"""archwright: a declarative compiler and visualizer for spaCy / Thinc model configs.

Public API (validating never imports thinc, numpy, networkx or streamlit):

    parse(text)                      -> (ConfigFile | None, [Diagnostic])   IR-1 syntax tree
    resolve(source, overrides=...)   -> dict, as confection's Config().from_str gives it
    validate(source, overrides=...)  -> [Diagnostic]
    compile(source, overrides=..., labels=...) -> Compilation; its .graph is the LayerGraph
    Compilation(source, ...)         the phases, run lazily; .syntax, .resolved, .checked, .graph
    register(Card(name, registry, (Arg(...), ...), returns))
                                     add a card for your own registered function (what
                                     `archwright validate --code FILE.py` imports does)

`source` is config text (str) or a path (pathlib.Path), read as spaCy reads files.
"""

from __future__ import annotations

import os
from typing import Any

from .compiler.compilation import Compilation
from .compiler.registry import Arg, Card, register
from .compiler.resolve import ResolvedConfig, SpanIndex
from .compiler.serialize import to_str
from .diagnostics import CODES, CompilerBug, Diagnostic, Severity, Span, render_human
from .grammar.parser import parse
from .grammar.syntax import ConfigFile

__version__ = "0.1.0"

__all__ = [
    "CODES", "Arg", "Card", "Compilation", "CompilerBug", "ConfigError", "ConfigFile", "Diagnostic",
    "ResolvedConfig", "Severity", "Span", "SpanIndex", "__version__", "compile", "parse", "register", "resolve",
    "to_str",
    "validate",
]


class ConfigError(ValueError):
    """Raised by `resolve` when the config has errors; `.diagnostics` lists them all."""

    def __init__(self, path: str, text: str | None, diagnostics: list[Diagnostic]) -> None:
        self.path = path
        self.diagnostics = diagnostics
        super().__init__("\n" + render_human([(path, text, diagnostics)]))


def compile(source: str | os.PathLike, overrides: dict[str, Any] | None = None,
            labels: dict[str, dict[str, int]] | None = None) -> Compilation:
    """A Compilation whose `.graph` is the layer graph (shapes, parameters, receptive fields);
    `labels` gives data-dependent sizes per component, e.g. {"tagger": {"n_labels": 17}}."""
    return Compilation(source, overrides=overrides, labels=labels)


def validate(source: str | os.PathLike, overrides: dict[str, Any] | None = None) -> list[Diagnostic]:
    """Every diagnostic for a config: errors and warnings of all phases."""
    return Compilation(source, overrides=overrides).diagnostics


def resolve(source: str | os.PathLike, overrides: dict[str, Any] | None = None,
            interpolate: bool = True) -> dict[str, Any]:
    """The resolved config (nested dicts), equal to confection's `Config().from_str(...)`."""
    compilation = Compilation(source, overrides=overrides, interpolate=interpolate)
    resolved = compilation.resolved
    errors = [d for d in compilation.resolution_diagnostics if d.is_error]
    if resolved is None or errors:
        raise ConfigError(compilation.path, compilation.text, errors or compilation.resolution_diagnostics)
    return resolved.data

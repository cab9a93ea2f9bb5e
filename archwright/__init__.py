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
    fmt(source, write=False)         -> canonical text, comments kept, meaning checked unchanged
    diff(old, new, resolved=False)   -> [Change]: sections and keys added, removed, changed, with lines
    fill(source)                     -> the text with every default added (spaCy's init fill-config)
    build(source, component=None, labels=..., vectors=..., max_params=...)
                                     -> {component: initialized thinc Model} (imports thinc)
    build_architecture(name, **args) -> one architecture's thinc Model, not initialized

`source` is config text (str) or a path (pathlib.Path), read as spaCy reads files.
"""

from __future__ import annotations

import os
from typing import Any

from .gcpause import paused_gc

with paused_gc():  # importing makes long-lived objects only: nothing for the collector to find, much to walk
    from .compiler.compilation import Compilation
    from .compiler.registry import Arg, Card, register
    from .compiler.resolve import ResolvedConfig, SpanIndex
    from .diagnostics import CODES, CompilerBug, Diagnostic, Severity, Span, has_errors, render_human
    from .grammar.parser import parse
    from .grammar.syntax import ConfigFile
    from .limits import with_recursion_room

__version__ = "0.1.0"

__all__ = [
    "CODES", "Arg", "Card", "Compilation", "CompilerBug", "ConfigError", "ConfigFile", "Diagnostic",
    "ResolvedConfig", "Severity", "Span", "SpanIndex", "__version__", "build", "build_architecture", "compile",
    "diff", "fill", "fmt", "parse",
    "register", "resolve", "to_str", "validate",
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


@with_recursion_room
def validate(source: str | os.PathLike, overrides: dict[str, Any] | None = None) -> list[Diagnostic]:
    """Every diagnostic for a config: errors and warnings of all phases."""
    return Compilation(source, overrides=overrides).diagnostics


def _text(source: str | os.PathLike) -> tuple[str, str]:
    """(name, text) of config text or a file, or ConfigError when the file cannot be read."""
    from .compiler.compilation import read_config_file

    if not isinstance(source, os.PathLike):
        return "<string>", source
    text, problems = read_config_file(source)
    if text is None:
        raise ConfigError(os.fspath(source), None, problems)
    return os.fspath(source), text


@with_recursion_room
def fmt(source: str | os.PathLike, write: bool = False) -> str:
    """The config in its canonical layout (comments kept, meaning checked unchanged); with
    `write` and a path, the file is also replaced atomically when it changes. Raises ConfigError
    when the config has syntax errors."""
    from .authoring.fmt import format_file, format_text

    if write and isinstance(source, os.PathLike):
        result = format_file(os.fspath(source), write=True)
        text, formatted, diagnostics = result.original, result.formatted, result.diagnostics
        name = result.path
    else:
        name, text = _text(source)
        formatted, diagnostics = format_text(text)
    errors = [d for d in diagnostics if d.is_error]
    if formatted is None or errors:
        raise ConfigError(name, text, errors)
    return formatted


@with_recursion_room
def diff(old: str | os.PathLike, new: str | os.PathLike, resolved: bool = False) -> list:
    """The semantic differences between two configs (texts or paths): a list of `Change`s
    (change "added"/"removed"/"changed", path, section, old, new, old_line, new_line).
    `resolved` compares after interpolation. Raises ConfigError when a side has errors."""
    from .authoring.diff import diff as compare

    changes, reports = compare(old, new, resolved)
    if changes is None:
        name, text, diagnostics = next(r for r in reports if has_errors(r[2]))
        raise ConfigError(name, text, [d for d in diagnostics if d.is_error])
    return changes


@with_recursion_room
def fill(source: str | os.PathLike) -> str:
    """The config with every missing argument and section added with its default, as spaCy's
    `init fill-config` does, keeping the user's comments, order and layout. Raises ConfigError
    when the config has errors before or after filling."""
    from .authoring.fill import fill_text

    name, text = _text(source)
    result = fill_text(text)
    errors = [d for d in result.diagnostics if d.is_error]
    if result.text is None or errors:
        raise ConfigError(name, result.text or text, errors)
    return result.text


@with_recursion_room
def resolve(source: str | os.PathLike, overrides: dict[str, Any] | None = None,
            interpolate: bool = True) -> dict[str, Any]:
    """The resolved config (nested dicts), equal to confection's `Config().from_str(...)`."""
    compilation = Compilation(source, overrides=overrides, interpolate=interpolate, spacy_defaults=False)
    resolved = compilation.resolved
    errors = [d for d in compilation.resolution_diagnostics if d.is_error]
    if resolved is None or errors:
        raise ConfigError(compilation.path, compilation.text, errors or compilation.resolution_diagnostics)
    return resolved.data


@with_recursion_room
def to_str(data: dict[str, Any]) -> str:
    """Nested dicts written as config text, as confection's `Config.to_str()` writes them.
    Raises ConfigError (AW213) when they cannot be written (a section that contains itself,
    more sections than can be written out, a value JSON cannot hold)."""
    from .compiler.serialize import NotWritable, to_str as write

    try:
        return write(data)
    except NotWritable as e:
        raise ConfigError("<data>", None, [Diagnostic("AW213", f"the config cannot be written as text: {e.reason}",
                                                      config_path=".".join(map(str, e.path)))]) from None


@with_recursion_room
def build(source: str | os.PathLike | Compilation, component: str | None = None, **options: Any):
    """Thinc models, one per component (listeners connected to their upstream tok2vec), initialized
    on sample docs; `.predict(name, texts)` runs one. Options: labels={"tagger": {"n_labels": 17}},
    vectors={word: vector} or a path, max_params=..., initialize=True. Raises BuildError."""
    from .compiler.thinc import build as build_models  # thinc: only when building

    return build_models(source, component, **options)


def build_architecture(name: str, /, **args: Any):
    """One architecture's Thinc model from keyword arguments (sub-models as blocks:
    {"@architectures": ..., ...}), not initialized."""
    from .compiler.thinc import build_architecture as build_one

    return build_one(name, **args)

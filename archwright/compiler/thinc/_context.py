"""What building a block needs besides the block: sizes known only from data, the user's vectors
table, whether files the config names may be read, the builders of the few blocks that are not
models (span getters, knowledge-base loaders), and the diagnostics of what could not be built."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...diagnostics import Diagnostic
from ..registry import registry_keys

# a label count nobody gave: enough to build and run the model, reported as an assumption
ASSUMED = {"n_labels": 3, "n_actions": 13, "entity_vector_length": 64}


class Unbuildable(Exception):
    """A block that cannot be built as configured; carries the diagnostic that says why."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class Context:
    def __init__(self, builders: dict[str, Callable], sizes: dict[str, int] | None = None, vectors: Any = None,
                 path: str = "", read_files: bool = True) -> None:
        self.builders = builders  # of the blocks that are not models: span getters, KB loaders
        self.sizes = dict(sizes or {})  # n_labels, n_actions, entity_vector_length for this component
        self.vectors = vectors  # a VectorsTable, or None
        self.path = path  # config path of the block being built, for diagnostics
        self.read_files = read_files  # may a builder read a file the config names?
        self.assumed: dict[str, int] = {}  # sizes nobody gave, and what they were built with
        self.listeners: list = []  # the listener layers built, to connect to their upstreams

    def block(self, block: Any, key: str = "") -> Any:
        """What a sub-block that is not a model builds (a span getter, a knowledge-base loader)."""
        outer = self.path
        self.path = f"{outer}.{key}" if outer and key else key or outer
        try:
            keys = registry_keys(block) if isinstance(block, dict) else []
            name = block[keys[0]] if keys else None
            builder = self.builders.get(name)
            if builder is None:
                raise Unbuildable(Diagnostic(
                    "AW505", f"archwright has no builder for {name!r}", config_path=self.path,
                    hint="build the architectures of the spec; a function you registered yourself has a card "
                         "for checking but no Thinc builder"))
            return builder(block, self)
        finally:
            self.path = outer

    def need_vectors(self, architecture: str):
        if self.vectors is None:
            raise Unbuildable(Diagnostic(
                "AW502", f"{architecture} reads static word vectors, and no vectors table was given",
                config_path=self.path,
                hint="pass `--vectors FILE` (a text file: one word and its numbers per line) or "
                     "`vectors={word: vector}` in the Python API"))
        return self.vectors


def files_not_read(config_path: str, what: str) -> Diagnostic:
    """A block that needs a file the config names, built where such files are not read."""
    return Diagnostic("AW509", f"{what} is read from a file the config names, and reading such files is "
                      "turned off here", config_path=config_path,
                      hint="build it with the archwright command or build() on your own machine")


def require(module: str, architecture: str, extra: str, ctx: Context) -> None:
    """Unbuildable (AW501) when an optional package a layer needs is not installed."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise Unbuildable(Diagnostic(
            "AW501", f"{architecture} needs the `{module}` package, which is not installed", config_path=ctx.path,
            hint=f"pip install 'archwright[{extra}]'"))

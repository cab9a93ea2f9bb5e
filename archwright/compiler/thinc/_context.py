"""What a builder gets besides its block: sizes known only from data, the user's vectors table,
sub-block building, and the diagnostics of what could not be built."""

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
        self.builders = builders
        self.sizes = dict(sizes or {})  # n_labels, n_actions, entity_vector_length for this component
        self.vectors = vectors  # a VectorsTable, or None
        self.path = path  # config path of the block being built, for diagnostics
        self.read_files = read_files  # may a builder read a file the config names?
        self.assumed: dict[str, int] = {}
        self.listeners: list = []

    def block(self, block: Any, key: str = "") -> Any:
        """The model a sub-block (a dict with an `@registry` key) builds."""
        outer = self.path
        self.path = f"{outer}.{key}" if outer and key else key or outer
        try:
            keys = registry_keys(block) if isinstance(block, dict) else []
            name = block[keys[0]] if keys else None
            builder = self.builders.get(name)
            if builder is None:  # a --code function whose body is a known composition: what it builds
                from ..code_reader import concrete

                inner = concrete(block) if isinstance(block, dict) else None
                if inner is not None:
                    return self.block(inner)
            if builder is None:
                raise Unbuildable(Diagnostic(
                    "AW505", f"archwright has no builder for {name!r}", config_path=self.path,
                    hint="build the architectures of the spec; a function you registered yourself has a card "
                         "for checking but no Thinc builder"))
            return builder(block, self)
        finally:
            self.path = outer

    def size(self, block: dict, symbol: str, key: str = "nO") -> int:
        """An output size: the block's own `nO` when it is a number, else the given size, else an
        assumed one (reported)."""
        value = block.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if symbol in self.sizes:
            return int(self.sizes[symbol])
        self.assumed[symbol] = ASSUMED[symbol]
        return ASSUMED[symbol]

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

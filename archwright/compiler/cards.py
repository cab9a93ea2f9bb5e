"""What a card is: one registered function as archwright knows it (its arguments with their
types, defaults, bounds and docs; its I/O types; its documentation, example and layer
expression), and the record of spaCy's own registries the cards are read from."""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Callable

from .types import Type, parse_type

REQUIRED: Any = type("Required", (), {"__repr__": lambda self: "REQUIRED"})()
# a default that exists but is computed by the code (read statically, or not JSON): optional, unknown
UNREAD: Any = type("Unread", (), {"__repr__": lambda self: "(computed at run time)"})()
# spaCy resolves `spacy.X.vN` to `spacy-legacy.X.vN` when only the legacy package registers it
LEGACY_PREFIX = ("spacy.", "spacy-legacy.")
DATA = Path(__file__).parent / "data"  # the registries' record (package data, always unpacked by pip)


@dataclass(frozen=True)
class Arg:
    """One argument of a registered function."""

    name: str
    annotation: str  # as the spec writes it: "int", "Model[List[Doc], List[Floats2d]]" ...
    default: Any = REQUIRED
    doc: str = ""
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    recommended: tuple[float, float] | None = None  # outside: a warning, not an error
    kind: str = "keyword"  # or "positional" (a *args parameter, fed from a `*` section)

    @cached_property  # read for every value checked (frozen, but its __dict__ still takes it)
    def type(self) -> Type:
        return parse_type(self.annotation)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @cached_property
    def bounds(self) -> tuple[tuple[str, float], ...]:
        """The bounds set, in the order gt, ge, lt, le."""
        return tuple((b, getattr(self, b)) for b in ("gt", "ge", "lt", "le") if getattr(self, b) is not None)


@dataclass(frozen=True)
class Rule:
    """A constraint between arguments: `check(args)` returns a message, or None when it holds."""

    args: tuple[str, ...]
    check: Callable[[dict[str, Any]], str | None]


@dataclass(frozen=True)
class Card:
    name: str
    registry: str
    args: tuple[Arg, ...]
    returns: str  # the type it creates, as the spec writes it
    family: str = ""
    doc: str = ""
    example: str = ""
    in_spec: bool = False
    legacy: bool = False
    rules: tuple[Rule, ...] = ()
    source: str = ""  # where a card not from spaCy comes from: "spacy-llm 0.7.4", "functions.py:12"
    open_keywords: bool = False  # the function takes **kwargs: any further argument is accepted
    # the layer expression (expr.py): a function of the block's arguments (expand.Args) returning
    # the tree of Thinc layers the function builds; None where archwright does not model it
    expression: Callable[[Any], Any] | None = field(default=None, compare=False)
    # filled by later phases (shapes and layers, build): kept on the card, one place per architecture
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @cached_property  # read for every block checked
    def by_name(self) -> dict[str, Arg]:
        return {a.name: a for a in self.args}

    @cached_property
    def required_keywords(self) -> tuple[str, ...]:
        """The arguments a block must give (or spaCy's auto-fill put in)."""
        return tuple(a.name for a in self.args if a.required and a.kind == "keyword")

    @cached_property
    def recommended_args(self) -> tuple[Arg, ...]:
        """The arguments with a recommended range (a value outside it is a warning)."""
        return tuple(a for a in self.args if a.recommended)

    @cached_property
    def positional(self) -> Arg | None:
        return next((a for a in self.args if a.kind == "positional"), None)

    @property
    def returns_type(self) -> Type:
        return parse_type(self.returns)


def registry_keys(block: dict) -> list[str]:
    """The `@registry` keys of a config block: a reference to a registered function has one."""
    if len(block) > 8:  # a long block with no '@' at all (most of spaCy's defaults): one search
        try:
            if "@" not in "".join(block):
                return []
        except TypeError:  # a key that is no string
            pass
    keys = []
    for k in block:  # a loop, not a comprehension: called for every dict a check meets
        if isinstance(k, str) and k[:1] == "@":
            keys.append(k)
    return keys


def clean_name(name: str) -> str:
    """A registered name without the quotes and commas a paste can bring along."""
    return name.strip().strip(",;").strip().strip("\"'").strip()


@lru_cache(maxsize=1)
def _data() -> dict:
    text = (DATA / "spacy_registry.json").read_text("utf-8")
    return json.loads(text)


_HOLDS = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}


def violated_bound(arg: Arg, value: float) -> str | None:
    """The first of the argument's bounds ("gt", "ge", "lt", "le") that `value` breaks, or None."""
    for bound, limit in arg.bounds:
        if not _HOLDS[bound](value, limit):
            return bound
    return None

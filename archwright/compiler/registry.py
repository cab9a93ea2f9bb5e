"""The closed registry: every registered function archwright knows, as an architecture card.

A card is declared once and holds everything about a registered function: its name, its
arguments (types as the spec writes them, defaults, bounds, enumerations), its input and output
types, its documentation and example config. Cards come from two places:

- `architectures/` declares the spec's architectures by hand, with the bounds and docs the spec
  gives (and places for the rules later phases add: shape, receptive field, layers, builder);
- every other name spaCy 3.8 registers (readers, batchers, optimizers, ...) is read from
  `data/spacy_registry.json`, a compact record of spaCy's own signatures.

A config can only name what is here. Users add cards from Python with `register`, or with
`archwright validate --code FILE.py`: an explicit opt-in; a config itself never causes an import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any, Callable

from ..diagnostics import nearest
from .types import Type, parse_type

REQUIRED: Any = type("Required", (), {"__repr__": lambda self: "REQUIRED"})()
# spaCy resolves `spacy.X.vN` to `spacy-legacy.X.vN` when only the legacy package registers it
LEGACY_PREFIX = ("spacy.", "spacy-legacy.")


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

    @property
    def type(self) -> Type:
        return parse_type(self.annotation)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


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
    # filled by later phases (shapes and layers, build): kept on the card, one place per architecture
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def by_name(self) -> dict[str, Arg]:
        return {a.name: a for a in self.args}

    @property
    def positional(self) -> Arg | None:
        return next((a for a in self.args if a.kind == "positional"), None)

    @property
    def returns_type(self) -> Type:
        return parse_type(self.returns)

    @cached_property
    def schema(self):
        """The card's arguments as a pydantic model (built on first use: pydantic is slow to import)."""
        from .schema import build_schema

        return build_schema(self)


class Registry:
    """Cards by (registry, name)."""

    def __init__(self) -> None:
        self._cards: dict[tuple[str, str], Card] = {}

    def add(self, card: Card) -> Card:
        self._cards[(card.registry, card.name)] = card
        return card

    def get(self, registry: str, name: str) -> Card | None:
        card = self._cards.get((registry, name))
        if card is None and name.startswith(LEGACY_PREFIX[0]):
            card = self._cards.get((registry, LEGACY_PREFIX[1] + name[len(LEGACY_PREFIX[0]):]))
        return card

    def registries(self) -> set[str]:
        return {registry for registry, _ in self._cards} | set(_data()["registries"])

    def names(self, registry: str) -> list[str]:
        return sorted(name for reg, name in self._cards if reg == registry)

    def cards(self) -> list[Card]:
        return list(self._cards.values())

    def suggest(self, registry: str, name: str) -> str:
        """The nearest known name in `registry`, also for pasted quotes and commas
        (`"spacy.Tok2Vec.v2",`), or ""."""
        cleaned = clean_name(name)
        if cleaned != name and self.get(registry, cleaned):
            return cleaned
        return nearest(cleaned, self.names(registry), cutoff=0.75)

    def elsewhere(self, registry: str, name: str) -> str:
        """Another registry that has this very name (`@layers = "spacy.Tok2Vec.v2"`), or ""."""
        cleaned = clean_name(name)
        return next((other for other in sorted(self.registries())
                     if other != registry and self.get(other, cleaned)), "")


def registry_keys(block: dict) -> list[str]:
    """The `@registry` keys of a config block: a reference to a registered function has one."""
    return [k for k in block if isinstance(k, str) and k.startswith("@")]


def read_numbers(block: dict) -> dict:
    """The block with each `"96"` its card types `int` (or `float`) read as the number: the
    checker lets such strings through as confection does, and the layer graph and the builders
    compute with numbers. Other values are kept as they are."""
    keys = registry_keys(block)
    card = default_registry().get(keys[0][1:], block[keys[0]]) if keys and isinstance(block[keys[0]], str) else None
    if card is None:
        return block
    numbers = {arg.name: number for arg in card.args if (number := quoted_number(arg, block.get(arg.name))) is not None}
    return {**block, **numbers} if numbers else block


def quoted_number(arg: Arg, value: Any) -> int | float | None:
    """The number a string such as `"96"` stands for where `arg` wants an int or a float, else None."""
    t = arg.type
    if t.name == "Optional" and t.args:
        t = t.args[0]
    if not isinstance(value, str) or t.name not in ("int", "float"):
        return None
    try:
        return int(value) if t.name == "int" else float(value)
    except ValueError:  # too many digits, or not a number (the checker reports that)
        return None


def clean_name(name: str) -> str:
    """A registered name without the quotes and commas a paste can bring along."""
    return name.strip().strip(",;").strip().strip("\"'").strip()


@lru_cache(maxsize=1)
def _data() -> dict:
    text = resources.files("archwright.compiler.data").joinpath("spacy_registry.json").read_text("utf-8")
    return json.loads(text)


def factories() -> dict[str, dict]:
    """spaCy 3.8's pipeline factories and their default configs."""
    return _data()["factories"]


def factory_settings(factory: str) -> dict[str, str]:
    """A factory's settings and their annotations, as spaCy 3.8 declares them."""
    return _data()["factory_params"].get(factory, {})


def factory_score_weights(factory: str) -> dict[str, float | None]:
    """A factory's default score weights (what it adds to [training.score_weights])."""
    return _data()["factory_score_weights"].get(factory, {})


def training_defaults() -> dict[str, Any]:
    """spaCy 3.8's default training config (and pretraining section), uninterpolated."""
    return _data()["training_defaults"]


def _generated_cards() -> list[Card]:
    cards = []
    for registry, functions in _data()["registries"].items():
        for name, function in functions.items():
            args = []
            for p in function["params"]:
                kind = "positional" if p.get("kind") == "VAR_POSITIONAL" else "keyword"
                default = p["default"] if "default" in p else (() if kind == "positional" else REQUIRED)
                args.append(Arg(p["name"], p.get("annotation") or "Any", default, kind=kind))
            cards.append(Card(name, registry, tuple(args), function.get("returns") or "Any",
                              doc=function.get("doc", ""), legacy=name.startswith(LEGACY_PREFIX[1])))
    return cards


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """spaCy's registered names, with the spec's cards in place of the generated ones."""
    from .architectures import SPEC_CARDS, plugins

    registry = Registry()
    for card in _generated_cards() + plugins.CARDS:
        registry.add(_bounded_like_siblings(card, SPEC_CARDS))
    for card in SPEC_CARDS:
        registry.add(card)
        # a spec name that spaCy only registers through spacy-legacy: the legacy name too
        spacy, legacy = LEGACY_PREFIX
        alias = legacy + card.name[len(spacy):]
        if card.name.startswith(spacy) and (card.registry, alias) in registry._cards:
            registry._cards[(card.registry, alias)] = card
    return registry


def _family_name(name: str) -> str:
    """`spacy.HashEmbedCNN` for spacy.HashEmbedCNN.v1, v2 and spacy-legacy.HashEmbedCNN.v1."""
    spacy, legacy = LEGACY_PREFIX
    if name.startswith(legacy):
        name = spacy + name[len(legacy):]
    return name.rsplit(".v", 1)[0]


def _bounded_like_siblings(card: Card, spec_cards: list[Card]) -> Card:
    """A generated card (`spacy.HashEmbedCNN.v1`) with the bounds its spec sibling of another
    version (`.v2`) gives an argument of the same name: a negative width is no better in v1."""
    bounds: dict[str, Arg] = {}
    for spec in spec_cards:
        if spec.registry == card.registry and _family_name(spec.name) == _family_name(card.name):
            for arg in spec.args:
                bounds.setdefault(arg.name, arg)
    if not bounds:
        return card
    args = tuple(replace(a, doc=a.doc or b.doc, gt=b.gt, ge=b.ge, lt=b.lt, le=b.le)
                 if (b := bounds.get(a.name)) else a for a in card.args)
    return replace(card, args=args)


def register(card: Card) -> Card:
    """Add a user's card to the registry (from Python; a config can never do this)."""
    return default_registry().add(card)

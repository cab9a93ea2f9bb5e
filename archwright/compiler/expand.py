"""Config blocks to layer expressions: a block's card gives the expression, applied to the block's
arguments, its sub-blocks expanded in place (each subtree marked with the block it comes from),
and then read by the static interpreter.

A data-dependent size (a label count left `null`) stays a symbol unless the caller gives it.
"""

from __future__ import annotations

from typing import Any, Iterator

from .dims import Count, Dim
from .expr import Node
from .registry import default_registry, registry_keys
from .static import Expansion, Field, Unsized, interpret

MODEL_REGISTRIES = ("architectures", "layers")
INPUT_WIDTH = Count.symbol("tok2vec_width")  # what a block that reads vectors is given, standing alone


class Unexpandable(Exception):
    """A block (or a sub-block) without an expression: its layers are unknown."""


class Args:
    """What a card's expression reads: the block's values (`args["width"]`), its sub-blocks as
    expressions (`args.sub("tok2vec")`), sizes known only from data (`args.size("n_labels")`),
    and the component a listener listens to."""

    def __init__(self, block: dict[str, Any], expander: "Expander", path: tuple[str, ...]) -> None:
        self.block, self.expander, self.path = block, expander, path

    def __getitem__(self, key: str) -> Any:
        return self.block[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.block.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self.block

    def sub(self, key: str) -> Node:
        return self.expander.expression(self.block[key], self.path + (key,))

    def subs(self) -> list[Node]:
        """The `*` blocks of a chain or concatenate, in order."""
        parts = self.block.get("*")
        if not isinstance(parts, dict) or not parts:
            raise Unexpandable("no `*` blocks")
        return [self.expander.expression(part, self.path + ("*", str(key))) for key, part in parts.items()]

    def symbol(self, name: str) -> Dim:
        value = self.expander.labels.get(name)
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else Count.symbol(name)

    def size(self, name: str, key: str = "nO") -> Dim:
        """An output size: the block's own `key` when it is a number, else the size `name`."""
        value = self.block.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return self.symbol(name)

    def upstream(self, kind: str) -> "tuple[str, Expansion] | None":
        return self.expander.upstream(self.block.get("upstream", "*"), kind)

    def width_of(self, sub: Node) -> Any:
        """The output width of a sub-block's expression (where the card must pass it on)."""
        return interpret(sub).width


class Expander:
    """Expands blocks (resolved dicts) through their cards' expressions."""

    def __init__(self, labels: dict[str, int] | None = None,
                 upstreams: dict[str, tuple[str, Expansion]] | None = None) -> None:
        self.labels = labels or {}
        self.upstreams = upstreams or {}  # name -> (factory, expansion) of tok2vec and transformer components

    def upstream(self, wanted: Any, kind: str) -> "tuple[str, Expansion] | None":
        """A listener's upstream, (name, expansion): the component named `wanted`, or with "*"
        the first one of `kind` ("tok2vec" or "transformer")."""
        if isinstance(wanted, str) and wanted in self.upstreams:
            return wanted, self.upstreams[wanted][1]
        found = (name for name, (factory, _) in self.upstreams.items() if factory == kind)
        name = next(found, None) if wanted == "*" else None
        return (name, self.upstreams[name][1]) if name is not None else None

    def expression(self, block: Any, path: tuple[str, ...] = ()) -> Node:
        card = _card(block)
        if card is None or card.expression is None:
            from .code_reader import concrete  # a --code function whose body is a known composition

            inner = concrete(block) if isinstance(block, dict) else None
            if inner is None:
                raise Unexpandable(f"no layer expression for {_name(block)!r}")
            return self.expression(inner, path)
        try:
            root = card.expression(Args(block, self, path))
        except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError) as e:
            # an argument missing or of the wrong type: the checker reports it; the layers are unknown
            raise Unexpandable(f"{card.name}: {e}") from None
        return Node(root.op, root.dims, root.children, root.settings, path, card.name)

    def block(self, block: Any, width: Any = INPUT_WIDTH, field: Field = 0) -> Expansion | None:
        """The block's expansion, or None where some part of it has no expression (a plugin's).
        What flows in is docs, or for a block that reads vectors, `tok2vec_width` of them."""
        try:
            layer = interpret(self.expression(block), width, field)
        except (Unexpandable, Unsized):
            return None
        except (TypeError, ValueError):  # a value of the wrong type reached the arithmetic
            return None
        return Expansion(layer, layer.width, layer.field)


def _card(block: Any):
    if not isinstance(block, dict):
        return None
    keys = registry_keys(block)
    if not keys or not isinstance(block[keys[0]], str):
        return None
    return default_registry().get(keys[0][1:], block[keys[0]])


def _name(block: Any) -> str:
    keys = registry_keys(block) if isinstance(block, dict) else []
    return str(block[keys[0]]) if keys else "a value that is not a block"


def has_expression(name: str) -> bool:
    registry = default_registry()
    return any((card := registry.get(r, name)) is not None and card.expression is not None
               for r in MODEL_REGISTRIES)


def blocks_of(expansion: Expansion) -> Iterator[tuple[tuple[str, ...], "Any"]]:
    """(path below the model, layer) of each block root in an expansion."""
    for layer in expansion.layer.walk():
        if layer.block is not None:
            yield layer.block, layer


def filled(block: dict, default: Any) -> dict:
    """`block` with what spaCy's auto-fill takes from a default config: the default's missing
    keys, when both name the same registered function (recursively for sub-blocks)."""
    if not isinstance(default, dict):
        return block
    keys = registry_keys(block)
    if keys and default.get(keys[0]) != block[keys[0]]:
        return block
    merged = dict(block)
    for key, value in default.items():
        if key not in merged:
            merged[key] = value
        elif isinstance(merged[key], dict):
            merged[key] = filled(merged[key], value)
    return merged

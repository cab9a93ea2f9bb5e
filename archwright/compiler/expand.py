"""Config blocks to layer expressions: a block's card gives the expression, applied to the block's
arguments, its sub-blocks expanded in place (each subtree marked with the block it comes from),
and then read by the static interpreter.

A data-dependent size (a label count left `null`) stays a symbol unless the caller gives it.
"""

from __future__ import annotations

from typing import Any, Iterator

from .dims import Count
from .expr import Args, Node, Unexpandable
from .registry import default_registry, registry_keys
from .static import Expansion, Field, interpret
from .topology import resolve_upstream

INPUT_WIDTH = Count.symbol("tok2vec_width")  # what a block that reads vectors is given, standing alone


class Expander:
    """Expands blocks (resolved dicts) through their cards' expressions."""

    def __init__(self, labels: dict[str, int] | None = None,
                 upstreams: dict[str, tuple[str, Expansion]] | None = None,
                 listeners: dict[tuple[str, ...], str | None] | None = None) -> None:
        self.labels = labels or {}
        self.upstreams = upstreams or {}  # name -> (factory, expansion) of tok2vec and transformer components
        self.listeners = listeners  # the topology's upstream of each listener, by its path below the model

    def width_of(self, sub: Node) -> Any:
        return interpret(sub).width

    def upstream(self, path: tuple[str, ...], wanted: Any, kind: str) -> "tuple[str, Expansion] | None":
        """A listener's upstream, (name, expansion): as the pipeline's topology found it, or
        (a model on its own) the component named `wanted`, or with "*" the first of `kind`."""
        if self.listeners is not None and path in self.listeners:
            name = self.listeners[path]
        else:
            name = resolve_upstream(wanted, tuple(n for n, (factory, _) in self.upstreams.items() if factory == kind))
        return (name, self.upstreams[name][1]) if name in self.upstreams else None

    def expression(self, block: Any, path: tuple[str, ...] = ()) -> Node:
        card = _card(block)
        if card is None or card.expression is None:
            from .code_reader import concrete  # a --code function whose body is a known composition

            inner = concrete(block, default_registry()) if isinstance(block, dict) else None
            if inner is None:
                raise Unexpandable(f"no layer expression for {_name(block)!r}", path, block)
            return self.expression(inner, path)
        try:
            root = card.expression(Args(block, self, path))
        except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError) as e:
            # an argument missing or of the wrong type: the checker reports it; the layers are unknown
            raise Unexpandable(f"{card.name}: {e}", path, block, e) from None
        return Node(root.op, root.dims, root.children, root.settings, path, card.name)

    def block(self, block: Any, width: Any = INPUT_WIDTH, field: Field = 0) -> Expansion | None:
        """The block's expansion, or None where some part of it has no expression (a plugin's).
        What flows in is docs, or for a block that reads vectors, `tok2vec_width` of them."""
        try:
            layer = interpret(self.expression(block), width, field)
        except (Unexpandable, TypeError, ValueError):  # Unsized is a ValueError; so is a value of the
            return None                                # wrong type reaching the arithmetic
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


def blocks_of(expansion: Expansion) -> Iterator[tuple[tuple[str, ...], "Any"]]:
    """(path below the model, layer) of each block root in an expansion."""
    for layer in expansion.layer.walk():
        if layer.block is not None:
            yield layer.block, layer

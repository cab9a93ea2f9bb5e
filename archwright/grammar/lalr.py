"""A table-driven LALR(1) parser over the tables Lark computed from config.lark (`_tables.py`).

It does what Lark's LALR parser does with a transformer: at each reduction of a named rule it
calls the builder's method of that name with the rule's children, so IR-1 nodes are built during
the parse; the children of a rule whose name starts with '_' (Lark's `x*` helpers) are spliced
into the parent's children instead.
"""

from __future__ import annotations

from itertools import chain
from typing import Any, Iterable

from ._tables import ACTIONS, END, RULES, START


class ParseError(Exception):
    """The token stream does not fit the grammar (a bug of the lexer: it fits every text)."""


class _Spliced(list):
    """The children of a rule whose children go to its parent's."""

    __slots__ = ()


def _rules(builder: object) -> list[tuple[str, int, Any, tuple[int, ...], bool]]:
    """Per rule: its name, its number of children, the builder's method (None when its children
    go to its parent's, as Lark does for a name starting with '_'), which children are spliced,
    and whether it is `x: x item` for a spliced x (the commonest reduction: one more item).
    Listed last rule first, so that a reduce action (-1 - rule number) indexes it directly."""
    out = []
    for name, children in RULES:
        callback = None if name.startswith("_") else getattr(builder, name)
        spliced = tuple(i for i, child in enumerate(children) if child.startswith("_"))
        grows = callback is None and spliced == (0,) and len(children) == 2
        out.append((name, len(children), callback, spliced, grows))
    out.reverse()
    return out


class _End:
    type = "$END"


class Parser:
    """The tables bound to a builder (whose methods are looked up once)."""

    def __init__(self, builder: object) -> None:
        self.rules = _rules(builder)

    def parse(self, tokens: Iterable[Any]) -> Any:
        return _parse(tokens, self.rules)


def _parse(tokens: Iterable[Any], rules: list) -> Any:
    """The builder's result for the start rule. Tokens need a `type`."""
    actions = ACTIONS
    state = START  # the top of `states`
    states = [state]
    values: list = []
    for token in chain(tokens, (_End,)):
        kind = token.type
        action = actions[state].get(kind)
        while action is not None and action < 0:  # reduce until the token can be shifted
            name, size, callback, spliced, grows = rules[action]
            if grows:  # `x: x item`: the item joins x's list, which stays on the stack
                item = values.pop()
                values[-1].append(item)
                del states[-2:]
                state = actions[states[-1]][name]
                states.append(state)
            elif size == 1 and callback is None and not spliced:  # `x: item`: x's list starts
                values[-1] = _Spliced((values[-1],))
                state = states[-1] = actions[states[-2]][name]
            else:
                if size == 2 and spliced == (1,):  # `rule: a x*` (a section: its header, then its items)
                    items = values.pop()
                    flat = [values.pop()]
                    flat.extend(items)
                    del states[-2:]
                    value = _Spliced(flat) if callback is None else callback(flat)
                else:
                    if size:
                        children = values[-size:]
                        del values[-size:]
                        del states[-size:]
                    else:
                        children = []
                    if spliced:
                        flat = []
                        for i, child in enumerate(children):
                            flat.extend(child) if i in spliced else flat.append(child)
                        value = _Spliced(flat) if callback is None else callback(flat)
                    else:
                        value = _Spliced(children) if callback is None else callback(children)
                state = actions[states[-1]][name]
                states.append(state)
                values.append(value)
                if token is _End and state == END:
                    return value
            action = actions[state].get(kind)
        if action is None:
            raise ParseError(f"unexpected {kind} at state {state}")
        if token is _End:
            raise ParseError(f"unexpected end of input at state {state}")
        states.append(action)
        values.append(token)
        state = action

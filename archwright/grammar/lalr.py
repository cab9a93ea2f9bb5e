"""A table-driven LALR(1) parser over the tables Lark computed from config.lark (`_tables.py`).

It does what Lark's LALR parser does with a transformer: at each reduction of a named rule it
calls the builder's method of that name with the rule's children, so IR-1 nodes are built during
the parse; the children of a rule whose name starts with '_' (Lark's `x*` helpers) are spliced
into the parent's children instead.
"""

from __future__ import annotations

from typing import Any, Iterable

from ._tables import ACTIONS, END, RULES, START


class ParseError(Exception):
    """The token stream does not fit the grammar (a bug of the lexer: it fits every text)."""


class _Spliced(list):
    """The children of a rule whose children go to its parent's."""

    __slots__ = ()


def _flatten(children: list) -> list:
    out: list = []
    for child in children:
        if type(child) is _Spliced:
            out.extend(child)
        else:
            out.append(child)
    return out


def parse(tokens: Iterable[Any], builder: object) -> Any:
    """The builder's result for the start rule. Tokens need a `type`."""
    callbacks = [None if spliced else getattr(builder, name) for name, _, spliced in RULES]
    states = [START]
    values: list = []

    def reduce(rule: int) -> None:
        name, size, spliced = RULES[rule]
        if size:
            children = values[-size:]
            del values[-size:]
            del states[-size:]
        else:
            children = []
        if spliced:
            # a left-recursive `x*` grows its list in place (no copy per item)
            if children and type(children[0]) is _Spliced:
                value = children[0]
                for child in children[1:]:
                    value.extend(child) if type(child) is _Spliced else value.append(child)
            else:
                value = _Spliced(_flatten(children))
        else:
            value = callbacks[rule](_flatten(children))
        states.append(ACTIONS[states[-1]][name])
        values.append(value)

    for token in tokens:
        kind = token.type
        while True:
            action = ACTIONS[states[-1]].get(kind)
            if action is None:
                raise ParseError(f"unexpected {kind} token at state {states[-1]}")
            if action >= 0:
                states.append(action)
                values.append(token)
                break
            reduce(-1 - action)
    while True:
        action = ACTIONS[states[-1]].get("$END")
        if action is None or action >= 0:
            raise ParseError(f"unexpected end of input at state {states[-1]}")
        reduce(-1 - action)
        if states[-1] == END:
            return values[-1]

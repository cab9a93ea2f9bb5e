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
    rules = [(name, size, None if spliced else getattr(builder, name)) for name, size, spliced in RULES]
    actions = ACTIONS
    states = [START]
    values: list = []
    end = False
    tokens = iter(tokens)
    while True:
        token = next(tokens, None)
        if token is None:
            kind, end = "$END", True
        else:
            kind = token.type
        while True:  # reduce until the token can be shifted
            action = actions[states[-1]].get(kind)
            if action is None or (end and action >= 0):
                raise ParseError(f"unexpected {kind} at state {states[-1]}")
            if action >= 0:
                states.append(action)
                values.append(token)
                break
            name, size, callback = rules[-1 - action]
            if size:
                children = values[-size:]
                del values[-size:]
                del states[-size:]
            else:
                children = []
            if callback is None:  # spliced into the parent's children
                first = children[0] if children else None
                if type(first) is _Spliced:  # a left-recursive `x*` grows its list in place
                    value = first
                    for child in children[1:]:
                        value.extend(child) if type(child) is _Spliced else value.append(child)
                else:
                    value = _Spliced(_flatten(children))
            else:
                value = callback(_flatten(children))
            states.append(actions[states[-1]][name])
            values.append(value)
            if end and states[-1] == END:
                return value

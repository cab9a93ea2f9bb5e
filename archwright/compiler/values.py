"""How value text becomes a Python value, and back (spec §5, §6.4, §10), as confection 1.3.4 does it."""

from __future__ import annotations

import json
import re
from typing import Any

from ..limits import MAX_JSON_NESTING, json_loads

# A value that "looks like a variable" keeps its raw text (quotes included) when it decodes to
# a string, and is written back unquoted.
VARIABLE = re.compile(r"\$\{[\w\.:]+\}")
# Placeholder left where a whole section is referenced; replaced by the section dict at the end.
SECTION_PREFIX = "__SECTION__:"
_PYTHON_LITERALS = {"True": True, "False": False, "None": None}
_DOLLAR_NOT_REFERENCE = re.compile(r"\$(?!\{)")


# Fast paths for the commonest values; anything else goes through the JSON reader.
_PLAIN_STRING = re.compile(r'"[^"\\\x00-\x1f]*"')
_SMALL_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")


class Unknown:
    """A value an earlier phase could not produce (a broken reference, ...): the checks that need
    it are skipped, so that one mistake is reported once and not again as its consequences."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = Unknown()


def descend(node: Any, parts) -> Any:
    """What nested dicts hold at a path of keys, or None where the path leaves them."""
    for part in parts:
        if not isinstance(node, dict):  # left them: stop (a walk asks this of every deep path)
            return None
        node = node.get(part)
    return node


def is_number(value: Any) -> bool:
    """An int or a float, not a bool (which JSON and Python both let pass as an int)."""
    kind = type(value)
    return kind is int or kind is float or isinstance(value, (int, float)) and kind is not bool


_JSON_CONSTANTS = {"true": True, "false": False, "null": None}
_NOT_A_CONSTANT = object()
# JSON's number syntax with a fraction or an exponent; json reads those with float() too
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?|[eE][-+]?[0-9]+)")
# what a JSON text can start with (json.loads also reads NaN, Infinity and -Infinity)
_JSON_START = frozenset('"{[-0123456789tfnNI \t\n\r')  # and JSON's whitespace
_JSON_CONSTANTS_FIRST = frozenset("tfn")
_NUMBER_START = frozenset("-0123456789")
_JSON_SPACE = frozenset(" \t\n\r")
_scan_json = json.JSONDecoder().scan_once  # what json.loads runs (the C scanner), at an index


def load(text: str) -> Any:
    """Strict JSON, else the Python spellings True/False/None, else the text itself."""
    first = text[:1]
    if first == '"':
        if _PLAIN_STRING.fullmatch(text):
            return text[1:-1]
    elif first in _JSON_CONSTANTS_FIRST:
        constant = _JSON_CONSTANTS.get(text, _NOT_A_CONSTANT)
        if constant is not _NOT_A_CONSTANT:
            return constant
    elif first in _NUMBER_START:
        if _SMALL_INT.fullmatch(text):
            return int(text)
        if len(text) < 40 and _FLOAT.fullmatch(text):
            return float(text)
    elif text == "[]":  # the commonest lists and tables: new ones, each a value of its own
        return []
    elif text == "{}":
        return {}
    elif first not in _JSON_START:  # not JSON at all (the empty text included)
        return _PYTHON_LITERALS.get(text, text)
    try:
        if first not in _JSON_SPACE and text.count("[") + text.count("{") < MAX_JSON_NESTING:
            # json.loads' own scanner, without its Python-level wrappers; a text it does not read
            # to its end goes to json.loads (trailing whitespace, or extra data: an error)
            value, end = _scan_json(text, 0)
            if end == len(text):
                return value
        return json_loads(text)
    except Exception:  # any failure of the reader (bad JSON, too deep, too many digits) means text
        return _PYTHON_LITERALS.get(text, text)


def interpret(text: str) -> Any:
    """The value of a (substituted) raw value."""
    result = load(text)
    if type(result) is str and "${" in text and VARIABLE.search(text):
        return text
    return result


class NotEmbeddable(Exception):
    """A piece that confection's reader fails on in a string context (it crashes there)."""


def coerce_piece(piece: str) -> str:
    """A piece of a compound value, normalised as confection does before joining."""
    if SECTION_PREFIX in piece:
        return piece
    first = piece[:1]
    if first not in _JSON_START:  # the JSON reader would fail on its first character
        return piece
    if first == '"' and _PLAIN_STRING.fullmatch(piece):
        return piece[1:-1]
    try:
        parsed = json_loads(piece)
    except json.JSONDecodeError:
        return piece
    except (ValueError, RecursionError) as e:
        raise NotEmbeddable(str(e)) from None
    if isinstance(parsed, str):
        return parsed
    return json.dumps(parsed).replace('"', '\\"')


def dump(value: Any) -> str:
    """A value as `to_str` writes it. Raises TypeError/ValueError when JSON cannot hold it."""
    if isinstance(value, str) and VARIABLE.search(value):
        return value
    return _DOLLAR_NOT_REFERENCE.sub("$$", json.dumps(value))


def section_placeholder(name: str) -> str:
    return f'"{SECTION_PREFIX}{name}"'

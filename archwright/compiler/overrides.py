"""Overrides as spaCy's command line reads them: `--section.key value` (spec §9.4)."""

from __future__ import annotations

import os
import re
import shlex
from typing import Any

from ..diagnostics import Diagnostic
from ..limits import json_loads

ENV_VARIABLE = "SPACY_CONFIG_OVERRIDES"
# srsly's reader (ujson) accepts numbers that strict JSON does not: leading zeros, `1.`, `-.5`
# and an exponent without digits. Strings are matched first, so nothing inside them is touched.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|(?P<number>-?(?:\d+(?:\.\d*)?|(?<=-)\.\d+)(?:[eE][-+]?\d*)?)')
_UINT64_MAX = 2**64 - 1
_INT64_MIN = -(2**63)


class _NotJSON(Exception):
    pass


def _strict_number(match: re.Match) -> str:
    number = match.group("number")
    if number is None:
        return match.group()
    mantissa, has_exponent, exponent = number.lower().partition("e")
    sign = "-" if mantissa.startswith("-") else ""
    whole, _, fraction = mantissa.lstrip("-").partition(".")
    whole = whole.lstrip("0") or "0"
    if not _INT64_MIN <= int(sign + whole) <= _UINT64_MAX:
        raise _NotJSON("value is out of the 64-bit range")
    if "." not in mantissa and not has_exponent:
        return sign + whole
    text = f"{sign}{whole}.{fraction or '0'}"
    return f"{text}e{exponent}" if exponent.lstrip("+-") else text


def _reject_constant(name: str):
    raise _NotJSON(f"{name} is not a value")


def decode_value(text: str) -> Any:
    """A command-line value as srsly reads it (lenient JSON), or else the text itself.
    Floats are decoded exactly, where srsly's fast path can differ in the last bits."""
    try:
        strict = _TOKEN.sub(_strict_number, text)
        return json_loads(strict, parse_constant=_reject_constant, strict=False)
    except (_NotJSON, ValueError, RecursionError):
        return text


def split_words(text: str) -> list[str]:
    """Shell-like words, keeping an unterminated last word as it is (as click does for spaCy)."""
    lex = shlex.shlex(text, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    words: list[str] = []
    try:
        words.extend(lex)
    except ValueError:
        words.append(lex.token)
    return words


def parse_cli_overrides(args: list[str], environ: dict[str, str] | None = None
                        ) -> tuple[dict[str, Any], list[Diagnostic]]:
    """`--a.b value`, `--a.b=value` and bare flags, as `spacy train` reads them; the
    SPACY_CONFIG_OVERRIDES environment variable is merged in and wins, as in spaCy."""
    environ = os.environ if environ is None else environ
    diagnostics: list[Diagnostic] = []
    cli = _parse(list(args), diagnostics, "the command line")
    env = _parse(split_words(environ.get(ENV_VARIABLE, "")), diagnostics, ENV_VARIABLE)
    return {**cli, **env}, diagnostics


def _parse(args: list[str], diagnostics: list[Diagnostic], source: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    while args:
        word = args.pop(0)
        if not word.startswith("--"):
            diagnostics.append(Diagnostic(
                "AW110", f"`{word}` in {source} is not an override: overrides start with --",
                hint="write --section.key value"))
            continue
        name = word.replace("--", "")
        if "." not in name:
            diagnostics.append(Diagnostic(
                "AW110", f"`{word}` in {source} names no section: overrides are --section.key value",
                hint="top-level sections cannot be replaced; override one of their keys"))
            if args and not args[0].startswith("--"):
                args.pop(0)
            continue
        if "=" in name:
            name, value = name.split("=", 1)
            name = name.replace("-", "_")
        elif not args or args[0].startswith("--"):
            value = "true"
        else:
            value = args.pop(0)
        result[name] = decode_value(value)
    return result

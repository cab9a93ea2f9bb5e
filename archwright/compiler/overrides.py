"""Overrides as spaCy's command line reads them: `--section.key value` (spec §9.4)."""

from __future__ import annotations

import json
import os
import re
import shlex
from typing import Any

from ..diagnostics import Diagnostic

ENV_VARIABLE = "SPACY_CONFIG_OVERRIDES"
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|-(?:\d+(?:\.\d*)?|\.\d+))(?:[eE][-+]?\d*)?")
_WHITESPACE = " \t\n\r"
_UINT64_MAX = 2**64 - 1
_INT64_MIN = -(2**63)
_MAX_NESTING = 500


class _NotJSON(Exception):
    pass


class _LenientReader:
    """The JSON dialect of srsly's reader (ujson): leading zeros, `1.`, `-.5` and a bare `e` are
    numbers; integers must fit 64 bits; NaN, Infinity and Python spellings are not values.
    Floats are decoded exactly (ujson's fast path can differ in the last bits)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def read(self) -> Any:
        value = self.value(0)
        self.skip()
        if self.at != len(self.text):
            raise _NotJSON("trailing data")
        return value

    def skip(self) -> None:
        text, at = self.text, self.at
        while at < len(text) and text[at] in _WHITESPACE:
            at += 1
        self.at = at

    def value(self, depth: int) -> Any:
        if depth > _MAX_NESTING:
            raise _NotJSON("too deep")
        self.skip()
        text, at = self.text, self.at
        char = text[at:at + 1]
        if char == '"':
            try:
                result, self.at = json.decoder.scanstring(text, at + 1, strict=False)
            except ValueError as e:
                raise _NotJSON(str(e)) from None
            return result
        if char == "[":
            return self.sequence(depth)
        if char == "{":
            return self.mapping(depth)
        for word, result in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, at):
                self.at = at + len(word)
                return result
        match = _NUMBER.match(text, at)
        if match is None:
            raise _NotJSON("expected a value")
        self.at = match.end()
        return _number(match.group())

    def sequence(self, depth: int) -> list:
        self.at += 1
        items: list = []
        self.skip()
        if self.text[self.at:self.at + 1] == "]":
            self.at += 1
            return items
        while True:
            items.append(self.value(depth + 1))
            self.skip()
            char = self.text[self.at:self.at + 1]
            self.at += 1
            if char == "]":
                return items
            if char != ",":
                raise _NotJSON("expected ',' or ']'")

    def mapping(self, depth: int) -> dict:
        self.at += 1
        result: dict = {}
        self.skip()
        if self.text[self.at:self.at + 1] == "}":
            self.at += 1
            return result
        while True:
            self.skip()
            if self.text[self.at:self.at + 1] != '"':
                raise _NotJSON("expected a key")
            key = self.value(depth + 1)
            self.skip()
            if self.text[self.at:self.at + 1] != ":":
                raise _NotJSON("expected ':'")
            self.at += 1
            result[key] = self.value(depth + 1)
            self.skip()
            char = self.text[self.at:self.at + 1]
            self.at += 1
            if char == "}":
                return result
            if char != ",":
                raise _NotJSON("expected ',' or '}'")


def _number(text: str) -> int | float:
    mantissa = re.split(r"[eE]", text, maxsplit=1)
    whole = mantissa[0].split(".")[0]
    if whole not in ("", "-") and not (_INT64_MIN <= int(whole) <= _UINT64_MAX):
        raise _NotJSON("value is too big")
    if text == mantissa[0] and "." not in text:
        return int(text)
    base = mantissa[0].rstrip(".") if not mantissa[0].endswith(".") else mantissa[0] + "0"
    base = base.replace("-.", "-0.")
    exponent = mantissa[1] if len(mantissa) > 1 else ""
    if exponent in ("", "+", "-"):
        return float(base)
    return float(f"{base}e{exponent}")


def decode_value(text: str) -> Any:
    """A command-line value: lenient JSON, or else the text itself."""
    try:
        return _LenientReader(text).read()
    except _NotJSON:
        return text


def parse_cli_overrides(args: list[str], environ: dict[str, str] | None = None
                        ) -> tuple[dict[str, Any], list[Diagnostic]]:
    """`--a.b value`, `--a.b=value` and bare flags, as `spacy train` reads them; the
    SPACY_CONFIG_OVERRIDES environment variable is merged in and wins, as in spaCy."""
    environ = os.environ if environ is None else environ
    diagnostics: list[Diagnostic] = []
    cli = _parse(list(args), diagnostics, "the command line")
    try:
        env_args = shlex.split(environ.get(ENV_VARIABLE, ""))
    except ValueError as e:
        diagnostics.append(Diagnostic("AW110", f"{ENV_VARIABLE} cannot be split into words: {e}",
                                      hint="check its quotes"))
        env_args = []
    env = _parse(env_args, diagnostics, ENV_VARIABLE)
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

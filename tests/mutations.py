"""One-edit mutations of a config text, for comparing archwright's verdict with spaCy's.

Each mutation is one of the edits a person makes by mistake: a value turned into another JSON
type, a key renamed by a typo, deleted or added, an architecture's version changed or the
architecture replaced, a factory changed, a reference's path changed, a number set to 0 or made
negative, a width changed so that two places disagree. It records the line it edited and the
section that line belongs to, so that a test can ask whether a diagnostic points there.
"""

from __future__ import annotations

import json
import random
import re
from typing import NamedTuple

HEADER = re.compile(r"^\[([^\]]+)\]\s*$")
ENTRY = re.compile(r"^([^=\s#;\[][^=]*?)\s*=\s*(.*)$")
REFERENCE = re.compile(r"\$\{([^}]+)\}")
VERSION = re.compile(r"\.v(\d+)\"$")
KINDS = ("retype", "typo", "delete", "add", "version", "architecture", "factory", "reference",
         "zero", "width")
WIDTH_KEYS = ("width", "hidden_width", "nO", "nI")


class Line(NamedTuple):
    number: int  # 1-based
    section: str
    key: str
    value: str


class Mutation(NamedTuple):
    kind: str
    text: str
    line: int  # the edited line (for a deletion, the line that was removed)
    section: str  # the section the edit is in
    key: str  # the key edited (its old name, for a typo), or added
    description: str


def _entries(text: str) -> list[Line]:
    out, section = [], ""
    lines = text.split("\n")
    for i, raw in enumerate(lines):
        header = HEADER.match(raw)
        if header:
            section = header.group(1)
            continue
        entry = ENTRY.match(raw)
        if entry and section and not raw.startswith((" ", "\t")):
            following = lines[i + 1] if i + 1 < len(lines) else ""
            if following.startswith((" ", "\t")) and following.strip():
                continue  # a value continued on the next lines: leave it whole
            out.append(Line(i + 1, section, entry.group(1), entry.group(2)))
    return out


def _replace_line(text: str, number: int, new: str | None) -> str:
    lines = text.split("\n")
    if new is None:
        del lines[number - 1]
    else:
        lines[number - 1] = new
    return "\n".join(lines)


def _decoded(value: str):
    try:
        return json.loads(value)
    except ValueError:
        return value


def _other_type(value, rng: random.Random) -> str | None:
    v = _decoded(value)
    if isinstance(v, bool):
        options = ['"true"', "1", "null", "[true]"]
    elif isinstance(v, (int, float)):
        options = [json.dumps(str(v)), "true", "null", f"[{value}]"]
    elif v is None:
        options = ['"none"', "0", "true", "[]"]
    elif isinstance(v, str):
        if "${" in v or value.startswith("${"):
            return None
        options = ["5", "true", "null", json.dumps([v])]
    elif isinstance(v, list):
        options = ['"list"', "1", "null", '{"a": 1}']
    else:
        options = ['"dict"', "1", "[]"]
    return rng.choice(options)


def _typo(word: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(word) if c.isalpha()]
    if not letters:
        return word + "x"
    i = rng.choice(letters)
    edit = rng.choice(("drop", "double", "swap", "change"))
    if edit == "drop" and len(letters) > 2:
        return word[:i] + word[i + 1:]
    if edit == "swap" and i + 1 < len(word) and word[i + 1].isalpha() and word[i + 1] != word[i]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if edit == "change":
        c = rng.choice([c for c in "aeioustrnl" if c != word[i].lower()])
        return word[:i] + c + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def mutate(text: str, rng: random.Random, architectures: list[str], factories: list[str],
           kind: str | None = None) -> Mutation | None:
    """One mutation of `text` of the given kind (or a random one), or None if none applies."""
    kind = kind or rng.choice(KINDS)
    entries = _entries(text)
    if not entries:
        return None

    def edited(line: Line, new_value: str, description: str) -> Mutation:
        return Mutation(kind, _replace_line(text, line.number, f"{line.key} = {new_value}"), line.number,
                        line.section, line.key, description)

    if kind == "retype":
        candidates = [e for e in entries if _other_type(e.value, random.Random(0)) is not None]
        if not candidates:
            return None
        line = rng.choice(candidates)
        new = _other_type(line.value, rng)
        return edited(line, new, f"[{line.section}] {line.key}: {line.value} -> {new}")
    if kind == "typo":
        line = rng.choice(entries)
        new_key = _typo(line.key, rng)
        if new_key == line.key:
            return None
        return Mutation(kind, _replace_line(text, line.number, f"{new_key} = {line.value}"), line.number,
                        line.section, line.key, f"[{line.section}] key {line.key} -> {new_key}")
    if kind == "delete":
        line = rng.choice(entries)
        return Mutation(kind, _replace_line(text, line.number, None), line.number, line.section, line.key,
                        f"[{line.section}] {line.key} deleted")
    if kind == "add":
        line = rng.choice(entries)
        other = rng.choice(entries)
        key = rng.choice((other.key, _typo(line.key, rng) + "_extra", "extra_setting"))
        value = rng.choice(("1", '"x"', "true", other.value))
        lines = text.split("\n")
        lines.insert(line.number, f"{key} = {value}")
        return Mutation(kind, "\n".join(lines), line.number + 1, line.section, key,
                        f"[{line.section}] {key} = {value} added")
    if kind in ("version", "architecture"):
        named = [e for e in entries if e.key.startswith("@")]
        if not named:
            return None
        line = rng.choice(named)
        name = _decoded(line.value)
        if not isinstance(name, str):
            return None
        if kind == "version":
            match = VERSION.search(line.value)
            if not match:
                return None
            version = int(match.group(1))
            new = rng.choice([v for v in (1, 2, 3, 4) if v != version])
            new_name = name[: name.rfind(".v")] + f".v{new}"
        else:
            if line.key != "@architectures":
                return None
            new_name = rng.choice([a for a in architectures if a != name])
        return edited(line, json.dumps(new_name), f"[{line.section}] {name} -> {new_name}")
    if kind == "factory":
        named = [e for e in entries if e.key == "factory"]
        if not named:
            return None
        line = rng.choice(named)
        new = rng.choice([f for f in factories if json.dumps(f) != line.value])
        return edited(line, json.dumps(new), f"[{line.section}] factory {line.value} -> {new}")
    if kind == "reference":
        refs = [e for e in entries if REFERENCE.search(e.value)]
        if not refs:
            return None
        line = rng.choice(refs)
        old = REFERENCE.search(line.value).group(1)
        section, _, key = old.rpartition(".")
        choice = rng.choice(("key", "section", "elsewhere"))
        if choice == "key" or not section:
            new = f"{section}.{_typo(key, rng)}" if section else _typo(key, rng)
        elif choice == "section":
            new = f"{_typo(section, rng)}.{key}"
        else:
            target = rng.choice(entries)
            new = f"{target.section}.{target.key}"
        value = line.value.replace("${" + old + "}", "${" + new + "}", 1)
        return edited(line, value, f"[{line.section}] {line.key}: ${{{old}}} -> ${{{new}}}")
    if kind == "zero":
        numbers = [e for e in entries if isinstance(_decoded(e.value), (int, float))
                   and not isinstance(_decoded(e.value), bool)]
        if not numbers:
            return None
        line = rng.choice(numbers)
        v = _decoded(line.value)
        new = rng.choice(("0", str(-abs(v) or -1)))
        return edited(line, new, f"[{line.section}] {line.key}: {line.value} -> {new}")
    if kind == "width":
        widths = [e for e in entries if e.key in WIDTH_KEYS and (REFERENCE.search(e.value) or
                                                                  isinstance(_decoded(e.value), int))]
        if not widths:
            return None
        line = rng.choice(widths)
        v = _decoded(line.value)
        new = str(v + 32) if isinstance(v, int) and not isinstance(v, bool) else str(rng.choice((64, 128, 300)))
        return edited(line, new, f"[{line.section}] {line.key}: {line.value} -> {new}")
    return None


def mutations(text: str, seed: int, count: int, architectures: list[str],
              factories: list[str]) -> list[Mutation]:
    """`count` distinct mutations of `text`, drawn with `seed`."""
    rng = random.Random(seed)
    out: list[Mutation] = []
    seen = {text}
    tries = 0
    while len(out) < count and tries < count * 20:
        tries += 1
        m = mutate(text, rng, architectures, factories)
        if m is not None and m.text not in seen:
            seen.add(m.text)
            out.append(m)
    return out

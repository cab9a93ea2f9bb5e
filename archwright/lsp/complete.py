"""Completion, from the text before the cursor: registry names after `@registry = "` (filtered by
the type the parent argument expects), the card's missing argument keys (defaults as
snippets), section paths and keys inside `${`, factory names, and component names where a
list or `upstream` names components."""

from __future__ import annotations

import json
import re
from typing import Any

from lsprotocol import types

from ..compiler.registry import REQUIRED, default_registry, factories, factory_settings, training_defaults
from ..compiler.types import Type, parse_type, plugs_into
from .document import Document

_KEY_LINE = re.compile(r"\s*(?P<key>[^=:\s][^=:]*?)\s*[=:]\s*(?P<value>.*)$")
_PARTIAL_KEY = re.compile(r"(?P<indent>\s*)(?P<word>[^\s=:\[]*)$")
_WORD_AFTER = re.compile(r'[^"\s,\]}]*')
COMPONENT_LISTS = {("nlp", "pipeline"), ("nlp", "disabled"), ("training", "frozen_components"),
                   ("training", "annotating_components")}


def complete(document: Document, position: types.Position) -> types.CompletionList | None:
    line, column = document.lines.point(position)
    text = document.lines.line(line)
    before, after = text[:column - 1], text[column - 1:]
    section = document.section_at(line)
    if section is None or section.header_span.line == line:
        return None
    opened = before.rfind("${")
    if opened >= 0 and "}" not in before[opened:]:
        return _references(document, section.name, before[opened + 2:], line, column, after)
    entry_line = _KEY_LINE.match(before)
    if entry_line is None:
        partial = _PARTIAL_KEY.match(before)
        return _keys(document, section.name, partial.group("word"), line, column) if partial else None
    key, value = entry_line.group("key"), entry_line.group("value")
    quote = value.rfind('"')
    bare = not value.strip() and not after.strip()  # `key = ` and nothing yet: the quotes come too
    if not bare and (quote < 0 or value.count('"') % 2 == 0):
        return None  # not inside a string
    typed = "" if bare else value[quote + 1:]
    names = _names_for(document, section.name, key)
    if names is None or bare and (section.name, key) in COMPONENT_LISTS:
        return None  # a bare value there is a list, not a string
    word = _WORD_AFTER.match(after).group()  # the rest of the name under the cursor is replaced too
    closing = "" if after[len(word):].startswith('"') else '"'
    end = column + len(word)
    opening = '"' if bare else ""
    edit_range = types.Range(document.lines.position(line, column - len(typed)), document.lines.position(line, end))
    items = [types.CompletionItem(label=name, kind=kind, detail=detail,
                                  text_edit=types.TextEdit(edit_range, opening + name + closing), filter_text=name,
                                  sort_text=f"{rank:02d}{name}")
             for name, kind, detail, rank in names]
    return types.CompletionList(is_incomplete=False, items=items)


def _names_for(document: Document, section: str, key: str) -> list[tuple[str, Any, str, int]] | None:
    """(name, kind, detail, rank) for a string value of `key` in `section`, or None."""
    if key.startswith("@"):
        registry = key[1:]
        expected = expected_type(document, section)
        found = []
        for name in default_registry().names(registry):
            card = default_registry().get(registry, name)
            if expected is not None and not plugs_into(expected, card.returns_type):
                continue
            rank = 0 if card.in_spec and not card.legacy else 2 if card.legacy else 1
            found.append((name, types.CompletionItemKind.Function, card.returns, rank))
        return found
    parts = tuple(section.split("."))
    if key == "factory" and len(parts) == 2 and parts[0] == "components":
        return [(name, types.CompletionItemKind.Class, "factory", 0) for name in sorted(factories())]
    if (parts[0], key) in COMPONENT_LISTS and len(parts) == 1 or key == "upstream":
        names = document.components()
        return [(name, types.CompletionItemKind.Module, "component", 0) for name in names] + (
            [("*", types.CompletionItemKind.Module, "the first upstream component", 1)] if key == "upstream" else [])
    return None


def expected_type(document: Document, section: str) -> Type | None:
    """The type the parent block's argument expects of the block in `section`, if known."""
    parent, _, argument = section.rpartition(".")
    if not parent:
        return None
    card = document.card(parent)
    if card is not None:
        arg = card.by_name.get(argument)
        return arg.type if arg is not None else None
    parts = parent.split(".")
    if len(parts) == 2 and parts[0] == "components":
        entry = document.entries.get(parent, {}).get("factory")
        annotation = factory_settings(document.string(entry)).get(argument) if entry else None
        return parse_type(annotation) if annotation else None
    return None


def _references(document: Document, section: str, typed: str, line: int, column: int,
                after: str) -> types.CompletionList:
    """Inside `${`: top-level sections and this section's keys; after `a.b.`: what [a.b] holds."""
    prefix, dot, partial = typed.replace(":", ".").rpartition(".")
    start = column - len(partial)
    edit_range = types.Range(document.lines.position(line, start), document.lines.position(line, column))
    close = "" if after.startswith("}") else "}"
    items = []
    if dot:
        children = {name[len(prefix) + 1:].split(".")[0] for name in document.sections
                    if name.startswith(prefix + ".")}
        keys = document.entries.get(prefix, {})
    else:
        children = {name.split(".")[0] for name in document.sections}
        keys = document.entries.get(section, {})
    for child in sorted(children):
        items.append(types.CompletionItem(label=child, kind=types.CompletionItemKind.Module,
                                          detail=f"[{prefix + dot + child}]",
                                          text_edit=types.TextEdit(edit_range, child)))
    for key, entry in keys.items():
        items.append(types.CompletionItem(label=key, kind=types.CompletionItemKind.Variable,
                                          detail=f"= {entry.value.raw[:60]}",
                                          text_edit=types.TextEdit(edit_range, key + close)))
    return types.CompletionList(is_incomplete=False, items=items)


def _keys(document: Document, section: str, word: str, line: int, column: int) -> types.CompletionList | None:
    """The keys a section may still set: its card's arguments (defaults as snippets), a
    component's factory settings, or a training section's settings."""
    present = document.entries.get(section, {})
    edit_range = types.Range(document.lines.position(line, column - len(word)), document.lines.position(line, column))
    candidates: list[tuple[str, str, Any, str]] = []  # (key, detail, default or REQUIRED, doc)
    card = document.card(section)
    parts = section.split(".")
    if card is not None:
        candidates = [(a.name, a.annotation, a.default, a.doc) for a in card.args if a.kind == "keyword"]
    elif len(parts) == 2 and parts[0] == "components":
        factory = document.string(present["factory"]) if "factory" in present else None
        if factory is None:
            candidates = [("factory", "str", REQUIRED, "the pipeline factory"), ("source", "str", REQUIRED, "")]
        else:
            defaults = factories().get(factory, {})
            candidates = [(k, a, defaults.get(k, REQUIRED), "") for k, a in factory_settings(factory).items()]
    elif len(parts) == 1 and isinstance(training_defaults().get(section), dict):
        candidates = [(k, "", v, "") for k, v in training_defaults()[section].items()]
    if card is None and not any(k.startswith("@") for k in present) and len(parts) > 1:
        registries = sorted(default_registry().registries()) if word.startswith("@") else ["architectures", "layers"]
        for registry in registries:
            candidates.append((f"@{registry}", "registry", REQUIRED, f"a function of @{registry}"))
    items = []
    for key, detail, default, doc in candidates:
        if key in present or isinstance(default, dict) and default:
            continue
        value = "$1" if default is REQUIRED else "${1:" + _snippet(default) + "}"
        if key.startswith("@"):
            value = '"$1"'
        items.append(types.CompletionItem(
            label=key, kind=types.CompletionItemKind.Property, detail=detail or None,
            documentation=doc or None, insert_text_format=types.InsertTextFormat.Snippet,
            text_edit=types.TextEdit(edit_range, f"{key} = {value}"),
            sort_text=("0" if default is REQUIRED else "1") + key))
    return types.CompletionList(is_incomplete=False, items=items) if items else None


def _snippet(value: Any) -> str:
    """A default as config text, escaped for a snippet placeholder."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = str(value)
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


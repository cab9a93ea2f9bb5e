"""Go to definition, find references and rename, for `${...}` keys and sections, a listener's
`upstream` and the component names of the pipeline lists."""

from __future__ import annotations

import re

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from ..diagnostics import Span
from ..grammar.syntax import Entry, Reference
from .complete import COMPONENT_LISTS
from .document import Document, Spot, Target

# a key a rename may write: no delimiter, no separator of reference paths, no `$`, brackets or comment start
_NAME = re.compile(r"[^\s=:.\[\]${}#;\"']+")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _spot(document: Document, position: types.Position) -> Spot:
    return document.spot(*document.lines.point(position))


def target_at(document: Document, spot: Spot) -> Target | None:
    if spot.kind == "reference":
        return document.target(spot.reference, spot.section.name)
    # a duplicate section or key is not what configparser keeps: nothing refers to it
    if spot.kind == "key" and not spot.entry.key.startswith("@") \
            and document.entries.get(spot.section.name, {}).get(spot.entry.key) is spot.entry:
        return Target(spot.section.name, spot.entry.key)
    if spot.kind == "header" and document.sections.get(spot.section.name) is spot.section:
        return Target(spot.section.name)
    return None


def _location(document: Document, span: Span) -> types.Location:
    return types.Location(document.uri, document.lines.range(span))


def definition(document: Document, position: types.Position) -> types.Location | None:
    line, column = document.lines.point(position)
    spot = document.spot(line, column)
    if spot.kind == "reference":
        target = document.target(spot.reference, spot.section.name)
        span = document.definition(target) if target else None
        return _location(document, span) if span else None
    if spot.kind == "value" and names_components(spot):
        for span, name in strings(document, spot.entry):
            if span.line == line and span.column <= column <= span.end_column:
                if spot.entry.key == "upstream":  # in a listener block (or a block naming no function yet)
                    listener = document.registry_entry(spot.section.name)
                    name = document.upstream(name, document.string(listener) if listener is not None else "")
                section = document.sections.get(f"components.{name}")
                return _location(document, section.name_span) if section else None
    return None


def names_components(spot: Spot) -> bool:
    """Whether a value names components: a pipeline list, or a listener's `upstream`."""
    parts = spot.section.name.split(".")
    return spot.entry.key == "upstream" or (len(parts) == 1 and (parts[0], spot.entry.key) in COMPONENT_LISTS)


def strings(document: Document, entry: Entry) -> list[tuple[Span, str]]:
    """Each JSON string of a value (with its quotes), as (span, text) on the source lines."""
    found = []
    span = entry.value.span
    for number in range(span.line, span.end_line + 1):
        text = document.lines.line(number)
        start = span.column - 1 if number == span.line else 0
        end = span.end_column - 1 if number == span.end_line else len(text)
        for match in _STRING.finditer(text, start, end):
            found.append((Span(number, match.start() + 1, number, match.end() + 1), match.group(1)))
    return found


def _referring(document: Document, target: Target) -> list[tuple[str, Reference]]:
    """(section name, reference) of every `${...}` that names `target`."""
    return [(section.name, ref) for section, _, ref in document.references()
            if document.target(ref, section.name) == target]


def references(document: Document, position: types.Position, include_declaration: bool) -> list[types.Location] | None:
    target = target_at(document, _spot(document, position))
    if target is None:
        return None
    found = [_location(document, ref.span) for _, ref in _referring(document, target)]
    declared = document.definition(target)
    if include_declaration and declared is not None:
        found.insert(0, _location(document, declared))
    return found


# -- rename ------------------------------------------------------------------------------------

def prepare_rename(document: Document, position: types.Position):
    """The name's last part, where it is written under the cursor: what the user types anew."""
    spot = _spot(document, position)
    target = target_at(document, spot)
    if target is None:
        return None
    name = target.key if target.key is not None else target.section.rpartition(".")[2]
    if spot.kind == "reference":
        span = spot.reference.span
        start = span.end_column - 1 - len(name)  # the last part is just before the closing brace
        span = Span(span.end_line, start, span.end_line, span.end_column - 1) if span.line == span.end_line else span
    elif spot.kind == "key":
        span = spot.entry.key_span
    else:
        span = spot.section.name_span
        span = Span(span.line, span.end_column - len(name), span.end_line, span.end_column)
    return types.PrepareRenamePlaceholder(document.lines.range(span), name)


def rename(document: Document, position: types.Position, new_name: str) -> types.WorkspaceEdit | None:
    target = target_at(document, _spot(document, position))
    if target is None:
        return None
    edits = rename_key(document, target, new_name) if target.key is not None else rename_section(document, target, new_name)
    text_edits = [types.TextEdit(document.lines.range(span), text) for span, text in edits]
    return types.WorkspaceEdit(changes={document.uri: text_edits})


def _check_free(document: Document, section: str, name: str) -> None:
    if name in document.entries.get(section, {}) or (f"{section}.{name}" if section else name) in document.sections:
        where = f"[{section}]" if section else "the config"
        raise JsonRpcInvalidParams(f"{where} already has `{name}`; pick another name")


def rename_key(document: Document, target: Target, new_name: str) -> list[tuple[Span, str]]:
    if not _NAME.fullmatch(new_name):
        raise JsonRpcInvalidParams(f"`{new_name}` cannot be a key that a reference can name: use letters, digits, _ or -")
    if new_name == target.key:
        return []
    _check_free(document, target.section, new_name)
    edits = [(document.entries[target.section][target.key].key_span, new_name)]
    for _, ref in _referring(document, target):
        path = ref.path
        cut = max(path.rfind("."), path.rfind(":"))
        edits.append((ref.span, ref.text[:2] + path[:cut + 1] + new_name + ref.text[-1]))
    return edits


def rename_section(document: Document, target: Target, new_name: str) -> list[tuple[Span, str]]:
    old = target.section
    parent = old.rpartition(".")[0]
    new = f"{parent}.{new_name}" if parent and "." not in new_name else new_name
    if new.rpartition(".")[0] != parent or not _NAME.fullmatch(new.rpartition(".")[2]):
        raise JsonRpcInvalidParams(f"rename [{old}] within [{parent or 'the top level'}]: give a new last part "
                                   "(letters, digits, _ or -)")
    if new == old:
        return []
    _check_free(document, parent, new.rpartition(".")[2])
    edits: list[tuple[Span, str]] = []
    tree = document.compilation.syntax
    for section in tree.sections:
        if section.name == old or section.name.startswith(old + "."):
            edits.append((section.name_span, new + section.name[len(old):]))
    for section, _, ref in document.references():
        named = document.target(ref, section.name)
        if named is None or not (named.section == old or named.section.startswith(old + ".")):
            continue
        path = ref.path
        if path.replace(":", ".").startswith(old) and path[len(old):len(old) + 1] in ("", ".", ":"):
            edits.append((ref.span, ref.text[:2] + new + path[len(old):] + ref.text[-1]))
    if parent == "components":  # the pipeline lists and listeners name components
        edits += _component_names(document, old.split(".")[1], new.split(".")[1])
    return edits


def _component_names(document: Document, old: str, new: str) -> list[tuple[Span, str]]:
    edits = []
    for section in document.sections.values():
        for entry in section.entries:
            spot = Spot("value", section, entry)
            if names_components(spot):
                edits += [(span, f'"{new}"') for span, text in strings(document, entry) if text == old]
    return edits

"""Hover: a registry name's card, an argument's doc and bounds, what a `${...}` resolves to and
where it is defined, a model block's width, parameters and receptive field, a component's
factory and listeners."""

from __future__ import annotations

import json
import reprlib
from typing import Any

from lsprotocol import types

from ..compiler.registry import (Arg, Card, default_registry, factories, factory_settings, registry_keys,
                                 training_defaults)
from .document import Document, Spot

MAX_VALUE_CHARS = 600  # a resolved value shown in a hover: a whole section can be long


def hover(document: Document, position: types.Position) -> types.Hover | None:
    line, column = document.lines.point(position)
    spot = document.spot(line, column)
    text = None
    span = None
    if spot.kind == "reference":
        text, span = _reference(document, spot), spot.reference.span
    elif spot.kind in ("key", "value") and spot.entry.key.startswith("@"):
        card = default_registry().get(spot.entry.key[1:], document.string(spot.entry))
        text = card_markdown(card) if card else None
        span = spot.entry.value.span if spot.kind == "value" else spot.entry.key_span
    elif spot.kind == "value" and spot.entry.key == "factory" and _factory(document, spot.section.name):
        text, span = _factory_settings(document.string(spot.entry)), spot.entry.value.span
    elif spot.kind == "key":
        text, span = _argument(document, spot), spot.entry.key_span
    elif spot.kind == "header":
        text, span = _header(document, spot), spot.section.name_span
    hints = _hints(document, line, column)
    if hints:
        text = "\n\n".join(filter(None, [text, hints]))
    if not text:
        return None
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text),
                       document.lines.range(span) if span else None)


def _hints(document: Document, line: int, column: int) -> str:
    """The hints of the diagnostics under the cursor (LSP diagnostics carry no hint of their own)."""
    from .document import contains

    try:
        diagnostics = document.diagnostics
    except Exception:  # the diagnostics failed: publishing them said so already
        return ""
    return "\n\n".join(f"`{d.code}` hint: {d.hint}" for d in diagnostics
                         if d.hint and d.span is not None and contains(d.span, line, column))


def card_markdown(card: Card) -> str:
    """The card as `archwright explain` prints it."""
    from ..present.cards import aliases
    from ..present.cards import card_text

    aliases = aliases(default_registry()).get((card.registry, card.name), [])
    return f"```text\n{card_text(card, aliases).rstrip()}\n```"


def argument_markdown(card_name: str, arg: Arg) -> str:
    from ..present.cards import bounds_text, default_text, recommended_text

    default, bounds, recommended = default_text(arg), bounds_text(arg), recommended_text(arg)
    facts = [f"`{arg.annotation}`", default if arg.required else f"default `{default}`"]
    if bounds:
        facts.append(f"bounds {bounds}")
    if recommended:
        facts.append(f"recommended {recommended}")
    doc = f"\n\n{arg.doc}" if arg.doc else ""
    return f"**{arg.name}** of {card_name}: {', '.join(facts)}{doc}"


def _argument(document: Document, spot: Spot) -> str | None:
    name, key = spot.section.name, spot.entry.key
    card = document.card(name)
    if card is not None:
        arg = card.by_name.get(key)
        return argument_markdown(card.name, arg) if arg else None
    factory = _factory(document, name)
    if factory is not None:
        annotation = factory_settings(factory).get(key)
        default = factories().get(factory, {}).get(key)
        if annotation is None and default is None:
            return None
        shown = f", default `{_json(default)}`" if key in factories().get(factory, {}) and not isinstance(default, dict) else ""
        return f"**{key}**: setting of the `{factory}` factory: `{annotation or 'Any'}`{shown}"
    defaults = training_defaults().get(name)
    if isinstance(defaults, dict) and key in defaults:
        default = defaults[key]
        shown = "a registered function block" if isinstance(default, dict) else f"`{_json(default)}`"
        return f"**{key}**: setting of [{name}]; spaCy's default: {shown}"
    return None


def _factory_settings(factory: str) -> str | None:
    """A factory's settings: annotation and spaCy's default, a block default as its function."""
    defaults = factories().get(factory)
    if defaults is None:
        return None
    rows = []
    for key, annotation in factory_settings(factory).items():
        default = defaults.get(key)
        keys = registry_keys(default) if isinstance(default, dict) else []
        shown = f'{{"{keys[0]}": "{default[keys[0]]}"}}' if keys else _json(default) if key in defaults else "required"
        rows.append(f"- `{key}`: `{annotation}` = `{shown}`")
    return f"**factory `{factory}`** (spaCy 3.8), settings:\n\n" + "\n".join(rows)


def _factory(document: Document, section: str) -> str | None:
    """The factory of a component section [components.NAME]."""
    parts = section.split(".")
    if len(parts) != 2 or parts[0] != "components":
        return None
    entry = document.entries.get(section, {}).get("factory")
    return document.string(entry) if entry else None


def _reference(document: Document, spot: Spot) -> str:
    ref = spot.reference
    target = document.target(ref, spot.section.name)
    if target is None:
        return f"`{ref.text}` names nothing in this config"
    where = document.definition(target)
    path = (*target.section.split("."), *([target.key] if target.key else []))
    found, value = document.value_at(path)
    named = f"`[{target.section}] {target.key}`" if target.key else f"the section `[{target.section}]`"
    lines = [f"`{ref.text}` → {named}, defined on line {where.line}" if where else f"`{ref.text}` → {named}"]
    if found:
        lines.append(f"```json\n{_json(value)}\n```")
    elif target.key:
        raw = document.entries[target.section][target.key].value.raw
        lines.append(f"written as `{raw}` (the config does not resolve yet)")
    return "\n\n".join(lines)


def _json(value: Any) -> str:
    """The value as JSON, cut at MAX_VALUE_CHARS. Written piece by piece and only as far as it is
    shown: sections shared at every level make a value whose text is exponentially long."""
    pieces: list[str] = []
    size = 0
    try:
        for piece in json.JSONEncoder(indent=2, ensure_ascii=False, default=repr).iterencode(value):
            pieces.append(piece)
            size += len(piece)
            if size > MAX_VALUE_CHARS:
                break
        text = "".join(pieces)
    except (ValueError, RecursionError):  # a section that contains itself
        text = reprlib.repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + " …"


def _header(document: Document, spot: Spot) -> str | None:
    name = spot.section.name
    factory = _factory(document, name)
    if factory is not None:
        return _component(document, name.split(".")[1], factory)
    card = document.card(name)
    if card is None:
        return None
    text = f"**[{name}]**: `{card.name}` (@{card.registry}), returns `{card.returns}`"
    if card.registry in ("architectures", "layers"):
        facts = model_facts(document, tuple(name.split(".")))
        if facts:
            text += "\n\n" + facts
    return text


def model_facts(document: Document, path: tuple[str, ...]) -> str | None:
    """Output width, parameters and receptive field of the model block at `path`, from the layer
    graph (computed here only: it imports networkx), or None when the config has errors."""
    if not document.compilation.ok:
        return None
    graph = document.compilation.graph
    if graph is None:
        return None
    from ..compiler.dims import dim_value
    from ..compiler.static import receptive_field_tokens
    from ..present.figures import field_text

    for model in graph.components.values():
        root = model.model_path
        if path[:len(root)] != root:
            continue
        expansion = model.blocks.get(path[len(root):])
        if expansion is None:
            return None
        count = expansion.layer.count
        params = f"{count.constant:,}" if count.exact else f"{count} (depends on the data)"
        field = field_text(receptive_field_tokens(expansion))
        return (f"output width {dim_value(expansion.width)}, {params} parameters, "
                f"receptive field {field}")
    return None


def _component(document: Document, name: str, factory: str) -> str:
    text = f"**component `{name}`**: factory `{factory}`"
    listens = [(path, upstream) for path, upstream in listeners(document) if path[1] == name]
    for path, upstream in listens:
        text += f"\n\nlistens to `{upstream}` (at [{'.'.join(path)}])"
    heard = [path for path, upstream in listeners(document) if upstream == name and path[1] != name]
    if heard:
        text += "\n\nlistened to by " + ", ".join(f"`{p[1]}`" for p in heard)
    facts = model_facts(document, ("components", name, "model"))
    if facts:
        text += f"\n\nmodel: {facts}"
    return text


def listeners(document: Document) -> list[tuple[tuple[str, ...], str]]:
    """(section path, upstream component) of every listener block (a block with an `upstream`
    key), "*" resolved to the component it means."""
    found = []
    for name, entries in document.entries.items():
        if name.startswith("components.") and "upstream" in entries and registry_keys(entries):
            wanted = document.string(entries["upstream"])
            upstream = document.upstream(wanted, document.string(document.registry_entry(name)))
            found.append((tuple(name.split(".")), upstream or wanted))
    return found


"""A card's text as `archwright explain` prints it and the explorer's browser shows it: the
argument table (type, default, bounds, recommended range) and the whole card."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from ..compiler.architectures import TITLES
from ..compiler.registry import Arg, Card, Registry

ARG_COLUMNS = ("argument", "type", "default", "bounds", "recommended", "description")


def value_text(value: Any) -> str:
    """A default as a config writes it."""
    if isinstance(value, (str, bool, int, float, list, dict)) or value is None:
        try:
            return json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):
            pass
    return repr(value)


def bounds_text(arg: Arg) -> str:
    return ", ".join(f"{op} {bound:g}" for op, bound in ((">", arg.gt), (">=", arg.ge), ("<", arg.lt), ("<=", arg.le))
                     if bound is not None)


def recommended_text(arg: Arg) -> str:
    return f"{arg.recommended[0]:g} to {arg.recommended[1]:g}" if arg.recommended else ""


def default_text(arg: Arg) -> str:
    if arg.kind == "positional":
        return "(positional: the `*` section)"
    return "required" if arg.required else value_text(arg.default)


def arg_row(arg: Arg) -> dict[str, str]:
    """One argument as a row of ARG_COLUMNS."""
    return dict(zip(ARG_COLUMNS, (("*" if arg.kind == "positional" else "") + arg.name, arg.annotation,
                                  default_text(arg), bounds_text(arg), recommended_text(arg), arg.doc)))


def card_text(card: Card, aliases: list[str]) -> str:
    """The whole card as plain text: what it is, its documentation, arguments, returns, example."""
    about = [f"@{card.registry}"]
    if card.family:
        about.append(TITLES.get(card.family, card.family))
    about += ["spec card"] * card.in_spec + ["legacy"] * card.legacy
    about += [f"from {card.source}"] * bool(card.source)
    out = [f"{card.name} ({'; '.join(about)})"]
    if aliases:
        out.append(f"also registered as {', '.join(aliases)}")
    out.append("")
    out.extend(textwrap.wrap(card.doc, 96) if card.doc else ["(no documentation on this card)"])
    out.append("")
    if card.args:
        header = list(ARG_COLUMNS)
        rows = [list(arg_row(a).values()) for a in card.args]
        keep = [i for i in range(len(header)) if i < 3 or i == 5 or any(row[i] for row in rows)]
        header = [header[i] for i in keep]
        rows = [[row[i] for i in keep] for row in rows]
        widths = [max(len(row[i]) for row in rows + [header]) for i in range(len(header))]
        out.append("Arguments:")
        for row in [header] + rows:
            out.append(("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths))).rstrip())
    else:
        out.append("Arguments: none")
    for rule in card.rules:
        out.append(f"  checked together: {', '.join(f'`{a}`' for a in rule.args)}")
    out.append("")
    out.append(f"Returns: {card.returns}")
    template = card.extra.get("template")
    if template:  # a --code function whose body is a known composition
        built = next(v for k, v in template.items() if k.startswith("@"))
        out.append(f"Builds: {built} (read from the function's body: its layers and shapes are that block's)")
    out.append("")
    if card.example:
        out.append("Example:")
        out.extend(("  " + line).rstrip() for line in card.example.rstrip("\n").split("\n"))
    else:
        out.append("Example: none on this card")
    return "\n".join(out) + "\n"


def aliases(registry: Registry) -> dict[tuple[str, str], list[str]]:
    """Other names a card answers to (`spacy-legacy.Tagger.v1` for the spec's spacy.Tagger.v1)."""
    aliases: dict[tuple[str, str], list[str]] = {}
    for reg in sorted(registry.registries()):
        for name in registry.names(reg):
            card = registry.get(reg, name)
            if card is not None and card.name != name:
                aliases.setdefault((card.registry, card.name), []).append(name)
    return aliases

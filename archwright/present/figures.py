"""How a figure is written wherever people read it (the CLI's tables, the explorer, hovers):
parameter counts, receptive fields, dims. Plain Python: `validate` may import it."""

from __future__ import annotations

from typing import Any


def count_text(value: int | str | None, unknown: str = "unknown") -> str:
    """A parameter count: `1,500,768`, or its formula (`97·n_labels`) when it depends on data."""
    if value is None:
        return unknown
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def field_text(tokens: int | str | None, unknown: str = "") -> str:
    """A receptive field in tokens (`9 tokens`), or its description (`the whole document`)."""
    if tokens is None:
        return unknown
    return f"{tokens} token{'s' * (tokens != 1)}" if isinstance(tokens, int) else str(tokens)


def dims_text(dims: dict[str, Any]) -> str:
    """A layer's dims as `nO=96, nI=288`."""
    return ", ".join(f"{name}={value}" for name, value in dims.items())


ROW_NAMES = {"tokens": "token", "docs": "doc", "spans": "span", "entities": "entity", "states": "parse state",
             "n-grams": "n-gram", "span tokens": "token of a span", "entity tokens": "token of an entity"}


def per_rows_text(values: dict[str, int | str], unit: str = "", short: bool = False) -> str:
    """Figures per row of each kind: `811,008 FLOPs per token + 768 per parse state`, or in a
    table cell (`short`) `811,008/token + 768/parse state`; formulas as they are."""
    parts = []
    for i, (rows, value) in enumerate(values.items()):
        row = ROW_NAMES.get(rows, rows)
        if short:
            parts.append(f"{count_text(value)}/{row}")
        else:
            parts.append(f"{count_text(value)}{' ' + unit if unit and i == 0 else ''} per {row}")
    return " + ".join(parts)


def bytes_text(value: int | str | None, unknown: str = "unknown") -> str:
    """A size in bytes for people: `384 B`, `12.8 kB`, `6.0 MB` (powers of 1000), or its formula."""
    if value is None:
        return unknown
    if not isinstance(value, int):
        return f"{value} bytes"
    for limit, unit in ((10**9, "GB"), (10**6, "MB"), (10**3, "kB")):
        if value >= limit:
            return f"{value / limit:.1f} {unit}"
    return f"{value} B"


def peak_text(peak: int | str) -> str:
    """A peak of activations per token (`cost.peak_value`): bytes, a formula, or `max(a, b)`."""
    return bytes_text(peak) if isinstance(peak, int) else f"{peak} bytes"


def unknown_text(entry: str) -> str:
    """A cost archwright cannot know (`transformer: from the Hugging Face model`) for a sentence:
    `the transformer's, from the Hugging Face model`."""
    layer, _, where = entry.partition(": ")
    return f"the {layer}'s, {where}" if where else entry

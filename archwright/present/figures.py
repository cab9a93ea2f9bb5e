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

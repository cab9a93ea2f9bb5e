"""The explorer's caches: one Compilation per (text, overrides, label counts), shared by every
session and rerun, so a page rerun after an edit elsewhere costs no recompilation."""

from __future__ import annotations

from typing import Any

import streamlit as st

from . import views

Overrides = tuple[tuple[str, Any], ...]
Labels = tuple[tuple[str, tuple[tuple[str, int], ...]], ...]


@st.cache_resource(max_entries=64, show_spinner=False)
def explored(text: str, overrides: Overrides = (), labels: Labels = (), path: str = "<pasted>") -> views.Explored:
    """The compiled config (streamlit hashes the text for the key); shared, never mutated."""
    return views.explore(text, dict(overrides), {name: dict(sizes) for name, sizes in labels}, path)


@st.cache_data(max_entries=64, show_spinner=False)
def override_fields(text: str) -> list[tuple[str, int]]:
    return views.override_fields(text)


@st.cache_data(max_entries=64, show_spinner=False)
def formatted(text: str) -> str | None:
    return views.formatted(text)


@st.cache_data(max_entries=64, show_spinner=False)
def svg(dot: str) -> tuple[bytes | None, str]:
    return views.svg(dot)


@st.cache_data(max_entries=16, show_spinner=False)
def _ran(text: str, overrides: str, labels: str, sentence: str, _explored: views.Explored):
    from . import run

    return run.run_models(_explored, sentence)


def ran(explored: views.Explored, sentence: str):
    """The models' outputs on `sentence`, built once per config, overrides, label counts and sentence."""
    compilation = explored.compilation
    return _ran(compilation.text or "", repr(sorted(compilation.overrides.items())),
                repr(sorted(compilation.labels.items())), sentence, explored)


@st.cache_data(max_entries=32, show_spinner=False)
def changes(old: str, new: str):
    """The semantic diff of two texts, interpolated (None when a side has errors)."""
    from ..authoring.diff import diff

    found, _ = diff(old, new, resolved=True)
    return found

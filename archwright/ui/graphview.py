"""A graph the user can pan, zoom and click: the SVG Graphviz draws from the DOT, in a small
component of our own (frontend/graph.js, run by Streamlit in the page itself: no iframe, no
build step) that sends back the name of the node clicked. Without Graphviz's `dot` program the
page draws the DOT with Streamlit's own chart (no pan, zoom or click; the node selector beside
the graph still works)."""

from __future__ import annotations

import shutil
from pathlib import Path

import streamlit as st

from . import cached

_FRONTEND = Path(__file__).with_name("frontend")
_VIEW = st.components.v2.component(
    "archwright_graph", js=(_FRONTEND / "graph.js").read_text(encoding="utf-8"),
    css=(_FRONTEND / "graph.css").read_text(encoding="utf-8"), isolate_styles=False)
SELECTOR = ".aw-graph"  # each view's frame in the page


def interactive() -> bool:
    """Whether graphs are drawn by this view (Graphviz's `dot` is there), not by Streamlit's chart."""
    return shutil.which("dot") is not None


def graph(dot: str, key: str, height: int = 420) -> None:
    """Draw `dot`; a click on a node puts its DOT name in `st.session_state[key]` (before the
    run it starts)."""
    svg, _ = cached.svg(dot)
    if svg is None:
        st.graphviz_chart(dot)
        return
    _VIEW(data={"svg": svg.decode("utf-8"), "dot": dot, "height": height}, key=f"{key}:view",
          on_clicked_change=lambda: _take_click(key))


def _take_click(key: str) -> None:
    clicked = (st.session_state.get(f"{key}:view") or {}).get("clicked")
    if clicked is not None:
        st.session_state[key] = clicked

"""A graph the user can pan, zoom and click: the SVG Graphviz draws from the DOT, in a small
component of our own (frontend/index.html: plain JS, no build step) that sends back the name of
the node clicked. Without Graphviz's `dot` program the page draws the DOT with Streamlit's own
chart (no pan, zoom or click; the node selector beside the graph still works)."""

from __future__ import annotations

import shutil
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from . import cached

_VIEW = components.declare_component("archwright_graph", path=str(Path(__file__).with_name("frontend")))


def interactive() -> bool:
    """Whether graphs are drawn by this view (Graphviz's `dot` is there), not by Streamlit's chart."""
    return shutil.which("dot") is not None


def graph(dot: str, key: str, height: int = 420) -> str | None:
    """Draw `dot`; returns the node last clicked (its DOT name), or None."""
    svg, _ = cached.svg(dot)
    if svg is None:
        st.graphviz_chart(dot)
        return None
    return _VIEW(svg=svg.decode("utf-8"), dot=dot, height=height, key=key, default=None)

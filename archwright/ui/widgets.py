"""Pieces both pages draw: diagnostics against the source, graphs, tables, a model's figures."""

from __future__ import annotations

import html

import streamlit as st

from ..diagnostics import render_human
from ..present.render import to_dot
from . import views


def diagnostics(explored: views.Explored, text: str) -> None:
    """Each diagnostic with its line, then all of them drawn under the source lines they point at."""
    if explored.problem:
        st.warning(explored.problem)
    found = explored.diagnostics
    if not found:
        return
    for row in views.diagnostic_rows(found):
        where = f"Line {row['line']}, column {row['column']}" if row["line"] else "Whole config"
        message = f"{where} · {row['code']}: {row['message']}"
        if row["path"]:
            message += f" (at `{row['path']}`)"
        if row["hint"]:
            message += f" Hint: {row['hint']}"
        (st.error if row["severity"] == "error" else st.warning)(message)
    with st.expander("Diagnostics against the source", expanded=False):
        st.code(render_human([(explored.compilation.path, text, found)]), language=None)


def table(rows: list[dict], key: str) -> None:
    """A table with every value whole (wrapped, never cut off)."""
    import pandas as pd  # only once a table is drawn

    st.table(pd.DataFrame(rows), hide_index=True)


def legend(kinds: list[tuple[str, str, str, str]]) -> None:
    """What each kind of edge means: a short sample of the line, its name and meaning."""
    parts = []
    for name, colour, style, meaning in kinds:
        if style == "cluster":
            sample = f'<span style="display:inline-block;width:26px;height:12px;border:1px solid {colour};border-radius:3px"></span>'
        else:
            dash = ' stroke-dasharray="5,3"' if style == "dashed" else ""
            width = 3 if style == "bold" else 1.5
            sample = (f'<svg width="30" height="10"><line x1="0" y1="5" x2="30" y2="5" stroke="{colour}" '
                      f'stroke-width="{width}"{dash}/></svg>')
        parts.append(f'<span title="{html.escape(meaning)}" style="margin-right:14px;white-space:nowrap">{sample} '
                     f'<b>{html.escape(name)}</b>: {html.escape(meaning)}</span>')
    st.markdown('<div style="font-size:0.8em;line-height:1.8">Legend: ' + " ".join(parts) + "</div>",
                unsafe_allow_html=True)


def draw(dot: str, nodes: int, what: str) -> None:
    """A graph drawn in the browser, unless it is too big to lay out there."""
    if nodes > views.MAX_DRAWN_LAYERS:
        st.info(f"{what} has {nodes:,} layers: more than the {views.MAX_DRAWN_LAYERS} the page draws. "
                "Download the DOT or SVG below to see it.")
        return
    st.graphviz_chart(dot)


def model_figures(explored: views.Explored) -> None:
    """Each top-level block's (or component's) parameters, output width and receptive field."""
    for row in views.component_rows(explored.graph):
        st.markdown(f"**{row['component']}** · `{row['architecture']}`")
        params, width, field = st.columns(3)
        params.metric("Parameters", row["parameters"])
        width.metric("Output width", row["output width"])
        field.metric("Receptive field", row["receptive field"] or "-")


def layer_dag(explored: views.Explored, component: str | None, what: str) -> None:
    graph = explored.graph
    models = [graph.components[component]] if component else list(graph.components.values())
    missing = [m.architecture for m in models if m.expansion is None]
    if missing:
        st.info(f"The layer expansion of {', '.join(f'`{name}`' for name in missing)} is not available yet: "
                "its blocks are checked, but archwright cannot list its layers, shapes or parameters.")
    if len(missing) < len(models):
        st.caption("Layers, with the width of each output on the edges")
        draw(to_dot(graph, "layers", component), views.layer_count(graph, component), what)


def sentence_view(tokens: list[str], flags: list[bool], index: int) -> str:
    """The sentence as HTML: the chosen token bold, the tokens it sees highlighted (text escaped)."""
    parts = []
    for i, (token, visible) in enumerate(zip(tokens, flags)):
        style = "background-color:#ffd966;" if visible else "color:#999;"
        if i == index:
            style += "font-weight:bold;text-decoration:underline;"
        parts.append(f'<span style="{style}padding:2px 3px;border-radius:3px">{html.escape(token)}</span>')
    return " ".join(parts)

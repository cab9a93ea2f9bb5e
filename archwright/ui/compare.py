"""Compare two configs: what changes in the architecture. The semantic diff (`archwright diff`,
interpolated: a changed variable shows at every key it reaches), each component's parameters,
output width and receptive field on both sides, the layers that differ, and both graphs side by
side with the changed components and layers in orange."""

from __future__ import annotations

import streamlit as st

from ..present.drawing import Marks, contract, layers_dot, pipeline_dot
from . import cached, editor, examples, graphview, views, widgets

EXPLORER = "The config in the explorer"


def page() -> None:
    st.title("Compare configs")
    bundled = examples.bundled()
    left, right = st.columns(2)
    with left:
        a_name, a_text = _pick("A", bundled, "a", default="pipeline_cnn.cfg")
    with right:
        b_name, b_text = _pick("B", bundled, "b", default="textcat_ensemble.cfg")
    if a_text is None or b_text is None:
        return
    a, b = cached.explored(a_text, path=a_name), cached.explored(b_text, path=b_name)
    changes = cached.changes(a_text, b_text)
    if changes is None:
        st.error("A side has syntax or reference errors: open it in the explorer to fix them.")
    elif not changes:
        st.success("The two configs mean the same.")
    else:
        with st.expander(f"Every change in the config ({len(changes):,}: the semantic diff, interpolated)",
                         expanded=len(changes) <= 12):
            widgets.table(views.change_rows(changes), key="changes")
    if a.graph is None or b.graph is None:
        st.info("A side has nothing drawn (see its errors in the explorer).")
        return
    rows = views.compare_rows(a.graph, b.graph)
    st.subheader("Components")
    widgets.table(rows, key="compared")
    changed_paths = [".".join(c.path) for c in changes or []]
    changed = {row["component"] for row in rows if row["status"] != "same"}
    columns = st.columns(2)
    for column, side, name in ((columns[0], a, a_name), (columns[1], b, b_name)):
        with column:
            st.markdown(f"**{name}**")
            marks = Marks(changed={c: "changed" for c in changed if c in side.graph.pipeline})
            graphview.graph(pipeline_dot(side.graph.pipeline, marks), key=f"graph:compare:{name}:{id(side)}",
                            height=220)
    shared = [c for c in a.graph.components if c in b.graph.components]
    if not shared:
        return
    component = st.selectbox("Layers of", shared, key="compare_component")
    views_ab = [contract(side.graph.layers, component) for side in (a, b)]
    differing = views.differing_layers(*views_ab, changed_paths)
    st.subheader(f"Layers of {component}")
    layer_rows = views.layer_compare_rows(*views_ab)
    if layer_rows:
        widgets.table(layer_rows, key="compared_layers")
    else:
        st.caption("Every layer is the same on both sides.")
    columns = st.columns(2)
    for column, view, side, nodes in ((columns[0], views_ab[0], "A", differing[0]),
                                      (columns[1], views_ab[1], "B", differing[1])):
        with column:
            if view.number_of_nodes() <= views.MAX_DRAWN_LAYERS:
                graphview.graph(layers_dot(view, Marks(changed={n: "changed" for n in nodes})),
                                key=f"graph:compare:{side}:{component}", height=520)


def _pick(side: str, bundled: dict[str, str], key: str, default: str) -> tuple[str, str | None]:
    sources = [EXPLORER, "Bundled example", "Paste text"] if editor.TEXT in st.session_state else \
        ["Bundled example", "Paste text"]
    source = st.radio(f"Config {side}", sources, key=f"compare_source_{key}", horizontal=True,
                      index=sources.index("Bundled example"))
    if source == EXPLORER:
        return "explorer", st.session_state.get(editor.TEXT, "")
    if source == "Bundled example":
        names = list(bundled)
        name = st.selectbox(f"Example {side}", names, index=names.index(default) if default in names else 0,
                            key=f"compare_example_{key}")
        return name, bundled[name]
    text = st.text_area(f"Config {side} (Ctrl+Enter)", height=200, key=f"compare_paste_{key}")
    problem = views.too_large(text)
    if problem:
        st.error(problem)
        return side, None
    return (f"pasted {side}", text) if text.strip() else (side, None)

"""The config explorer: open a bundled example, upload a file or paste text; see its diagnostics,
pipeline graph, and per component its layers, shapes, parameters and receptive field; change the
common sizes and see everything recomputed; download the graph and the formatted config."""

from __future__ import annotations

import hashlib

import streamlit as st

from ..present.render import to_dot, to_json
from . import cached, examples, run, views, widgets

SOURCES = ("Bundled example", "Upload a file", "Paste text")
STARTUP = "File from the command line"
SAMPLE = "The quick brown fox jumps over the lazy dog near the river bank ."
# widgets that belong to one config: cleared when another config is opened
PER_CONFIG = ("ov:", "size:", "component", "token")


def page() -> None:
    st.title("Config explorer")
    path, text = _source()
    if text is None:
        return
    _forget_other_configs(text)
    overrides = _overrides(text)
    base = cached.explored(text, overrides, (), path)  # before label counts: which sizes are symbolic
    labels = _label_counts(base)
    explored = cached.explored(text, overrides, labels, path) if labels else base
    widgets.diagnostics(explored, text)
    if explored.graph is None:
        return
    graph = explored.graph

    st.subheader("Pipeline")
    total = graph.total_params()
    st.markdown(f"**Parameters in all:** {total if total is not None else 'not available'}")
    st.graphviz_chart(to_dot(graph, "pipeline"))
    st.caption("Dashed edges: listeners, labelled with the width they receive from their upstream component")
    widgets.table(views.component_rows(graph), key="components")
    if not graph.components:
        st.info("This config has no component or model block to expand.")
        _downloads(explored, text)
        return

    component = st.selectbox("Component", list(graph.components), key="component")
    st.subheader(f"Layers of {component}")
    widgets.layer_dag(explored, component, f"`{component}`")
    rows = views.shapes_rows(graph, component)
    if rows:
        st.subheader("Shapes")
        widgets.table(rows, key="shapes")
        _parameters(graph, component)
        _receptive_field(graph, component)
    _downloads(explored, text)
    run.panel(explored)


def _source() -> tuple[str, str | None]:
    startup = examples.startup_config()
    sources = ((STARTUP,) if startup else ()) + SOURCES
    source = st.sidebar.radio("Open a config", sources, key="source")
    if source == STARTUP:
        path, text, problem = startup
        if problem:
            st.error(problem)
            return path, None
        st.caption(f"`{path}`")
        return path, text
    if source == "Bundled example":
        bundled = examples.bundled()
        names = list(bundled)
        name = st.sidebar.selectbox("Example", names, index=examples.default_example(names), key="example")
        st.caption(f"Bundled example `{name}`")
        return name, bundled[name]
    if source == "Upload a file":
        upload = st.sidebar.file_uploader("Config file (.cfg)", type=["cfg", "ini", "txt"], key="upload")
        if upload is None:
            st.info("Upload a spaCy config to explore it.")
            return "<upload>", None
        if upload.size > views.MAX_INPUT_BYTES:  # checked before reading the bytes
            st.error(views.size_message(upload.size))
            return upload.name, None
        text, problem = views.decode_upload(upload.getvalue())
        if problem:
            st.error(problem)
        return upload.name, text
    text = st.sidebar.text_area("Config text (Ctrl+Enter to apply)", height=300, key="paste")
    if not text.strip():
        st.info("Paste a spaCy config in the sidebar to explore it.")
        return "<pasted>", None
    problem = views.too_large(text)
    if problem:
        st.error(problem)
        return "<pasted>", None
    return "<pasted>", text


def _forget_other_configs(text: str) -> None:
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if st.session_state.get("_config_digest") != digest:
        for key in list(st.session_state):
            if isinstance(key, str) and key.startswith(PER_CONFIG):
                del st.session_state[key]
        st.session_state["_config_digest"] = digest


def _overrides(text: str) -> cached.Overrides:
    fields = cached.override_fields(text)
    if not fields:
        return ()
    changed = []
    with st.expander("Overrides: widths, depths, window sizes", expanded=False):
        columns = st.columns(3)
        for i, (path, value) in enumerate(fields):
            new = columns[i % 3].number_input(path, value=value, step=1, key=f"ov:{path}")
            if new != value:
                changed.append((path, int(new)))
    return tuple(changed)


def _label_counts(base: views.Explored) -> cached.Labels:
    """Fields for the sizes only data tells (label counts, action counts): 0 keeps them symbolic."""
    if base.graph is None:
        return ()
    symbols = views.label_symbols(base.graph)
    if not symbols:
        return ()
    labels = []
    with st.expander("Label counts and other data-dependent sizes (0: unknown)", expanded=False):
        columns = st.columns(3)
        i = 0
        for component, names in symbols.items():
            sizes = []
            for symbol in names:
                count = columns[i % 3].number_input(f"{component}: {symbol}", min_value=0, value=0, step=1,
                                                    key=f"size:{component}:{symbol}")
                i += 1
                if count:
                    sizes.append((symbol, int(count)))
            if sizes:
                labels.append((component, tuple(sizes)))
    return tuple(labels)


def _parameters(graph, component: str) -> None:
    rows = views.params_rows(graph, component)
    if not rows:
        return
    import pandas as pd

    st.subheader("Parameters by layer")
    symbolic = [row for row in rows if row["formula"] != f"{row['parameters']:,}"]
    if symbolic:
        st.caption("Bars show the part that does not depend on data-dependent sizes: "
                   + "; ".join(f"{row['layer']} has {row['formula']}" for row in symbolic))
    st.bar_chart(pd.DataFrame(rows), x="layer", y="parameters", horizontal=True)


def _receptive_field(graph, component: str) -> None:
    from ..compiler.static import Window, receptive_field_tokens

    expansion = graph.components[component].expansion
    field = receptive_field_tokens(expansion)
    st.subheader("Receptive field")
    sentence = st.text_input("Sample sentence", SAMPLE, key="sentence")
    tokens = views.tokenize(sentence)
    if not tokens:
        st.info("Type a sentence to see which tokens each vector sees.")
        return
    index = st.selectbox("Token", range(len(tokens)), format_func=lambda i: f"{i}: {tokens[i]}",
                         index=min(len(tokens) // 2, len(tokens) - 1), key="token")
    windows = expansion.receptive_field  # a transformer's windows: which ones hold the token
    flags = views.seen(len(tokens), index, windows if isinstance(windows, Window) else field)
    st.markdown(widgets.sentence_view(tokens, flags, index), unsafe_allow_html=True)
    st.caption(f"The output of `{component}` for “{tokens[index]}” sees {sum(flags)} of {len(tokens)} tokens "
               f"(receptive field: {views.field_text(field)}).")


def _downloads(explored: views.Explored, text: str) -> None:
    graph = explored.graph
    st.subheader("Downloads")
    dot = to_dot(graph, "layers")
    columns = st.columns(4)
    columns[0].download_button("Layer graph (DOT)", dot, "archwright.dot", "text/vnd.graphviz", key="download_dot")
    image, problem = cached.svg(dot) if views.layer_count(graph, None) <= 5 * views.MAX_DRAWN_LAYERS else (
        None, "The graph is too large to draw as SVG here; download the DOT.")
    if image is None:
        columns[1].caption(problem)
    else:
        columns[1].download_button("Layer graph (SVG)", image, "archwright.svg", "image/svg+xml", key="download_svg")
    columns[2].download_button("Layer graph (JSON)", to_json(graph, "layers"), "archwright.json",
                               "application/json", key="download_json")
    config = cached.formatted(text)
    if config is None:
        columns[3].caption("This config cannot be written out in canonical form.")
    else:
        columns[3].download_button("Formatted config", config, "config.cfg", "text/plain", key="download_cfg")

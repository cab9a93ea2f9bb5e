"""The config explorer: open a bundled example, upload a file, paste text or give one to
`archwright ui CONFIG`; it opens in the editor, which marks each diagnostic at its line and
re-checks as you type. Beside it: the pipeline graph and the chosen component's layers, drawn for
every part that compiles even when another part has errors (what an error touches in red); click
a node for its card (config lines, dims, shape, parameters, receptive field). Below: the tables,
the parameter chart, the receptive field on a sentence, downloads and a run of the models."""

from __future__ import annotations

import streamlit as st

from ..present.drawing import LEGEND, Marks, contract, layers_dot, pipeline_dot
from ..present.render import to_dot, to_json
from . import cached, costs, editor, examples, graphview, inpage, run_panel, views, widgets

SOURCES = ("Bundled example", "Upload a file", "Paste text")
STARTUP = "File from the command line"
SAMPLE = "The quick brown fox jumps over the lazy dog near the river bank ."
# widgets that belong to one config: cleared when another config is opened
PER_CONFIG = ("ov:", "size:", "component", "token", "layer:", "focus", "graph:")


def page() -> None:
    st.title("Config explorer")
    path, loaded = _source()
    if loaded is None:
        return
    editor.open_config(f"{st.session_state.get('source')}:{path}", loaded)
    editor.take_edit()
    text = st.session_state.get(editor.TEXT, loaded)
    problem = views.too_large(text)
    if problem:
        st.error(problem)
        return
    _forget_other_configs()
    with st.container():  # the fields the config has (or none): the rest keeps its place in the page
        overrides = _overrides(text)  # (moved, the editor would be a new one, scrolled to its top)
        base = cached.explored(text, overrides, (), path)  # before label counts: which sizes are symbolic
        labels = _label_counts(base)
    explored = cached.explored(text, overrides, labels, path) if labels else base
    marks, blocks = views.marks(explored)
    top = st.container()
    if explored.graph is not None and graphview.interactive() and not inpage.first_graph_drawn():
        with top:  # a session's first run: the pipeline graph alone; the browser asks for the rest
            _pipeline(explored, marks, legend=False)  # (its HTML needs code of its own: next run)
        return
    left, right = st.columns([5, 6], gap="medium")
    with left:
        st.subheader("Config")
        with st.container():  # the problem picker, or nothing: the editor below keeps its place in
            picked = _pick_problem(explored)  # the page either way (an editor moved is a new one)
            line = picked.span.line if picked is not None else None
            inpage.scroll_editor(line, f"{st.session_state.get(editor.LOADED)}:{st.session_state.get('focus')}:{line}")
    with top:
        _pipeline(explored, marks)
    with right:
        selected = _graphs(explored, marks, blocks)
    with left:
        focus = (picked.span.line, picked.span.end_line) if picked is not None else \
            views.block_lines(explored.compilation, selected[1].get("block", "")) if selected else None
        editor.editor(explored.diagnostics, focus)
        widgets.diagnostics(explored, text)
    graph = explored.graph
    if graph is None:
        return
    st.divider()
    st.subheader("Components")
    widgets.table(views.component_rows(graph), key="components")
    _component_parameters(graph)
    if not graph.components:
        st.info("This config has no component or model block to expand.")
        _downloads(explored, text)
        return
    component = st.session_state.get("component") or next(iter(graph.components))
    rows = views.shapes_rows(graph, component)
    if rows:
        st.subheader(f"Shapes of {component}")
        widgets.table(rows, key="shapes")
        _parameters(graph, component)
        costs.charts(graph, component)
        _receptive_field(graph, component)
    _downloads(explored, text)
    run_panel.panel(explored)


def _pipeline(explored: views.Explored, marks: Marks, legend: bool = True) -> None:
    """The pipeline graph across the page; a click on a component chooses it below."""
    graph = explored.graph
    if graph is None:
        if explored.compilation.diagnostics:
            st.info("Nothing could be resolved far enough to draw: fix the errors marked in the editor.")
        return
    st.subheader("Pipeline")
    total = graph.total_params()
    caption = f"**Parameters in all:** {total if total is not None else 'not available'}"
    if not explored.compilation.ok:
        caption += " · drawn from every part that compiles; what an error touches is red"
    st.markdown(caption)
    clicked = _clicked("graph:pipeline")
    if clicked in graph.components:
        st.session_state["component"] = clicked
    graphview.graph(pipeline_dot(graph.pipeline, marks), key="graph:pipeline", height=220)
    if legend:
        widgets.legend(LEGEND["pipeline"])


def _graphs(explored: views.Explored, marks: Marks, blocks: dict[str, str]) -> tuple | None:
    """The chosen component's layers and the selected node's card; returns (component, node
    data) of the selected node, or None."""
    graph = explored.graph
    names = list(graph.components) if graph is not None else []
    if not names:
        return None
    if st.session_state.get("component") not in names:
        st.session_state["component"] = names[0]
    component = st.selectbox("Component", names, key="component")
    model = graph.components[component]
    st.subheader(f"Layers of {component}")
    if model.expansion is None:
        st.info(f"The layer expansion of `{model.architecture}` is not available: its blocks are checked, but "
                "archwright cannot list its layers, shapes or parameters.")
        return None
    expand = st.toggle("Expand repeated blocks", key=f"expand:{component}",
                       help="Runs of more than two identical blocks are drawn once, as “clone ×4”.")
    drawn = explored.compilation.expanded_graph if expand else graph  # every copy of a repeat, or each once
    view = contract((drawn or graph).layers, component)
    layer_marks = Marks(nodes={n: blocks[d.get("block")] for n, d in view.nodes(data=True) if d.get("block") in blocks})
    nodes = list(view)
    key = f"layer:{component}"
    clicked = _clicked(f"graph:layers:{component}")
    if clicked in nodes:
        st.session_state[key] = clicked
    wanted = st.session_state.pop("_want_path", None)  # a problem picked: its block's first layer
    if wanted:
        near = [n for n, d in view.nodes(data=True) if d.get("block") and
                (wanted == d["block"] or wanted.startswith(d["block"] + "."))]
        if near:
            st.session_state[key] = max(near, key=lambda n: len(view.nodes[n]["block"]))
    if st.session_state.get(key) not in nodes:
        st.session_state[key] = nodes[0]
    layer_marks.selected = st.session_state[key]
    if len(nodes) > views.MAX_DRAWN_LAYERS:
        st.info(f"{len(nodes):,} layers: more than the {views.MAX_DRAWN_LAYERS} the page draws. Download the DOT.")
    else:
        repeats = sum(1 for _, d in view.nodes(data=True) if d.get("repeat"))
        graphview.graph(layers_dot(view, layer_marks), key=f"graph:layers:{component}", height=560)
        widgets.legend(LEGEND["layers"])
        if repeats or expand:
            st.caption("Repeated blocks are drawn once (×N); the toggle above draws every copy."
                       if not expand else "Every repeated block is drawn.")
    st.selectbox("Layer (or click a node)", nodes, key=key,
                 format_func=lambda n: f"{view.nodes[n].get('name', n)} · {n}")
    data = view.nodes[st.session_state[key]]
    _card(explored, data)
    return component, data


def _clicked(key: str) -> str | None:
    """The node a graph's last click named, once (a click is taken on the run it arrives)."""
    value = st.session_state.get(key)
    seen = st.session_state.get(f"_seen:{key}")
    st.session_state[f"_seen:{key}"] = value
    return value if value is not None and value != seen else None


def _card(explored: views.Explored, data: dict) -> None:
    with st.container(border=True):
        st.markdown(f"**{data.get('name', '')}** · `{data.get('block') or data.get('component', '')}`")
        widgets.table([{"": label, "value": value} for label, value in views.node_card(data)], key="card")
        lines = views.block_lines(explored.compilation, data.get("block", ""))
        if lines:
            st.caption(f"Config lines {lines[0]}–{lines[1]}")
            st.code(views.source_lines(explored.compilation.text or "", lines), language="ini")


def _pick_problem(explored: views.Explored):
    """A selector of the diagnostics: the one picked is tinted in the editor, and its component
    and block are selected in the graphs."""
    found = [d for d in explored.diagnostics if d.span]
    if not found:
        return None
    pick = st.selectbox("Go to a problem", [None] + list(range(len(found))), key="focus",
                        format_func=lambda i: "-" if i is None else
                        f"line {found[i].span.line} · {found[i].code}: {found[i].message[:90]}")
    if pick is None or pick >= len(found):
        return None
    d = found[pick]
    parts = (d.config_path or "").split(".")
    graph = explored.graph
    if graph is not None and parts[0] == "components" and len(parts) > 1 and parts[1] in graph.components:
        if st.session_state.get("_picked") != pick:  # once per pick: a click on the graph may follow
            st.session_state["_picked"] = pick
            st.session_state["component"] = parts[1]
            st.session_state["_want_path"] = d.config_path
    return d


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
    text = st.sidebar.text_area("Config text: opens in the editor (Ctrl+Enter)", height=200, key="paste")
    if not text.strip():
        st.info("Paste a spaCy config in the sidebar, or type one into the editor.")
        return "<pasted>", text
    problem = views.too_large(text)
    if problem:
        st.error(problem)
        return "<pasted>", None
    return "<pasted>", text


def _forget_other_configs() -> None:
    """Another config opened (not an edit of this one): its fields and choices start afresh."""
    loaded = st.session_state.get(editor.LOADED)
    if st.session_state.get("_config_digest") != loaded:
        for key in list(st.session_state):
            if isinstance(key, str) and key.startswith(PER_CONFIG):
                del st.session_state[key]
        st.session_state["_config_digest"] = loaded


def _overrides(text: str) -> cached.Overrides:
    fields = cached.override_fields(text)
    if not fields:
        return ()
    changed = []
    with st.expander("Overrides: widths, depths, window sizes", expanded=False):
        columns = st.columns(3)
        for i, (path, value) in enumerate(fields):
            if st.session_state.get(f"_written:{path}", value) != value:  # the text changed it: follow
                st.session_state.pop(f"ov:{path}", None)
            st.session_state[f"_written:{path}"] = value
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


def _component_parameters(graph) -> None:
    """Where the parameters are: a bar per component (its part that does not depend on data)."""
    rows = views.component_params_rows(graph)
    if len(rows) < 2:
        return
    import pandas as pd

    st.caption("Parameters by component" + ("; the bars leave out what depends on data-dependent sizes ("
                                             + ", ".join(f"{r['component']}: {r['formula']}" for r in rows
                                                         if r["formula"] != f"{r['parameters']:,}") + ")"
                                             if any(r["formula"] != f"{r['parameters']:,}" for r in rows) else ""))
    st.bar_chart(pd.DataFrame(rows), x="component", y="parameters", horizontal=True, height=60 + 30 * len(rows))


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
    problem = "" if views.layer_count(graph, None) <= 5 * views.MAX_DRAWN_LAYERS else \
        "The graph is too large to draw as SVG here; download the DOT."
    if not problem and not graphview.interactive():
        problem = views.svg(dot)[1]  # no `dot` program: says how to install it
    if problem:
        columns[1].caption(problem)
    else:  # drawn when clicked: a `dot` run less on every edit
        columns[1].download_button("Layer graph (SVG)", lambda: _svg_file(dot), "archwright.svg", "image/svg+xml",
                                   key="download_svg")
    columns[2].download_button("Layer graph (JSON)", to_json(graph, "layers"), "archwright.json",
                               "application/json", key="download_json")
    config = cached.formatted(text)
    if config is None:
        columns[3].caption("This config cannot be written out in canonical form.")
    else:
        columns[3].download_button("Formatted config", config, "config.cfg", "text/plain", key="download_cfg")


def _svg_file(dot: str) -> bytes:
    """The whole layer graph as SVG, for the download; a picture of the message if `dot` fails."""
    image, problem = cached.svg(dot)
    if image is not None:
        return image
    from html import escape

    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="800" height="40"><text x="8" y="24">'
            f"{escape(problem)}</text></svg>").encode("utf-8")

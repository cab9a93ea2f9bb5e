"""The layer graph as DOT (always: the graphviz package writes it), SVG and PNG (when Graphviz's
`dot` program is installed), or JSON (networkx's node-link form)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import graphviz
import networkx as nx

from ..compiler.graph import LayerGraph

LEVELS = ("pipeline", "blocks", "layers")
FORMATS = ("dot", "svg", "png", "json")
# what Graphviz is given to draw: beyond a few thousand nodes `dot` takes minutes and gigabytes
# (a depth-10,000 encoder made it crash after 40 s), so it is refused; DOT and JSON have no limit
MAX_DRAWN_NODES = 2_000
DOT_SECONDS = 60
DOT_MEMORY = 2 * 1024 ** 3  # address space of the `dot` process


class RenderError(Exception):
    """A graph that cannot be written as asked (no `dot` program, an unknown format, too large)."""

    code = ""


class TooLargeToDraw(RenderError):
    code = "AW116"


def _label(*lines: str) -> str:
    """A multi-line node label: DOT's own line-break escape between the lines."""
    return "\\n".join(line.replace("\\", "\\\\") for line in lines)


def _dims(dims: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in dims.items())


def _field(tokens: int | str) -> str:
    return (f"{tokens} token" + "s" * (tokens != 1)) if isinstance(tokens, int) else tokens


def _selected(graph: nx.DiGraph, component: str | None, level: str, model_path: tuple[str, ...]) -> nx.DiGraph:
    if component is None:
        return graph
    if level == "pipeline":
        return graph.subgraph([component]).copy()
    # blocks: the component's section and everything under it; layers: the component's layer tree
    prefix, separator = (".".join(model_path[:2]), ".") if level == "blocks" else (component, "/")
    nodes = [n for n in graph if n == prefix or n.startswith(prefix + separator)]
    return graph.subgraph(nodes).copy()


def level_graph(graph: LayerGraph, level: str, component: str | None = None) -> nx.DiGraph:
    if level not in LEVELS:
        raise RenderError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    if component is not None and component not in graph.components:
        raise RenderError(f"no component `{component}` (components: {', '.join(graph.components)})")
    model_path = graph.components[component].model_path if component is not None else ()
    return _selected(getattr(graph, level), component, level, model_path)


def to_dot(graph: LayerGraph, level: str = "layers", component: str | None = None) -> str:
    selected = level_graph(graph, level, component)
    dot = graphviz.Digraph("archwright", graph_attr={"rankdir": "TB", "fontname": "Helvetica"},
                           node_attr={"shape": "box", "style": "rounded", "fontname": "Helvetica"},
                           edge_attr={"fontname": "Helvetica", "fontsize": "10"})
    if level == "pipeline":
        for name, data in selected.nodes(data=True):
            marks = [m for m in ("frozen", "annotating") if data.get(m)]
            dot.node(name, _label(name, f"{data['factory']} ({data['architecture']})",
                                  f"{data['params'] or 'unknown'} parameters", *([f"[{', '.join(marks)}]"] if marks else [])))
        for a, b, data in selected.edges(data=True):
            if data["kind"] == "listener":
                dot.edge(a, b, label=f"width {data.get('width')}", style="dashed")
            else:
                dot.edge(a, b)
    elif level == "blocks":
        for name, data in selected.nodes(data=True):
            modelled = [f"{data['params']} parameters, width {data['width']}"] if data["params"] else []
            dot.node(name, _label(name, data["architecture"], data["returns"], *modelled))
        for a, b, data in selected.edges(data=True):
            width = f" ({data['width']})" if data["width"] is not None else ""
            dot.edge(b, a, label=data["argument"] + width)  # data flows from the sub-model into its parent
    else:
        _layers(dot, selected)
    return dot.source


EDGE_STYLES = {"data": {}, "listener": {"style": "dashed", "color": "#1f6feb"}}


def _layers(dot: graphviz.Digraph, graph: nx.DiGraph) -> None:
    """The dataflow, top to bottom: a box per layer, a small node where branches join, a cluster
    per combinator (labelled, "×n" for a collapsed repeat) and per component; data edges carry
    the width that flows."""
    contains = nx.DiGraph((a, b) for a, b, d in graph.edges(data=True) if d["kind"] == "contains")
    contains.add_nodes_from(graph)
    roots = [n for n in contains if contains.in_degree(n) == 0]

    def add(container: graphviz.Digraph, node: str) -> None:
        data = graph.nodes[node]
        if data["kind"] != "combinator":
            container.node(node, _layer_label(data), **_shape(data))
            for child in contains.successors(node):  # an attention's keys, a per-token pooling
                add(container, child)
            return
        with container.subgraph(name=f"cluster_{node}") as cluster:
            title = data["label"] + (f"  [{data['block']}]" if data.get("architecture") else "")
            cluster.attr(label=title, style="rounded,dashed" if data.get("collapsed") else "rounded",
                         fontsize="10", labeljust="l")
            for child in contains.successors(node):
                add(cluster, child)

    for root in roots:
        add(dot, root)
    for a, b, data in graph.edges(data=True):
        if data["kind"] == "data":
            width = data.get("width")
            style = EDGE_STYLES["listener" if data.get("listener") else "data"]
            dot.edge(a, b, label=str(width) if width is not None else "", **style)


def _layer_label(data: dict) -> str:
    if data["kind"] in ("input", "output", "join"):
        return _label(data["label"])
    lines = [data["label"]]
    if data["dims"]:
        lines.append(_dims(data["dims"]))
    params = data["params"]
    lines.append(f"{params:,} parameters" if isinstance(params, int) else f"{params} parameters")
    if data.get("receptive_field") is not None and data["name"] in ("expand_window", "tok2vec-listener",
                                                                   "transformer-listener", "transformer"):
        lines.append(f"sees {_field(data['receptive_field'])}")
    return _label(*lines)


def _shape(data: dict) -> dict[str, str]:
    if data["kind"] == "join":
        return {"shape": "circle", "width": "0.3", "fontsize": "9"}
    if data["kind"] in ("input", "output"):
        return {"shape": "box", "style": "rounded,filled", "fillcolor": "#eeeeee"}
    return {}


def to_json(graph: LayerGraph, level: str = "layers", component: str | None = None) -> str:
    data = nx.node_link_data(level_graph(graph, level, component), edges="edges")
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def write(graph: LayerGraph, path: Path, level: str = "layers", component: str | None = None) -> None:
    """Write the graph in the format named by `path`'s suffix."""
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise RenderError(f"unknown output format {path.suffix!r}: use .dot, .svg, .png or .json")
    if fmt == "json":
        path.write_text(to_json(graph, level, component) + "\n", encoding="utf-8")
        return
    if fmt != "dot":
        nodes = level_graph(graph, level, component).number_of_nodes()
        if nodes > MAX_DRAWN_NODES:
            raise TooLargeToDraw(f"the {level} graph has {nodes:,} nodes; archwright gives Graphviz at most "
                                 f"{MAX_DRAWN_NODES:,} to draw (more take it minutes and gigabytes): write .dot or "
                                 ".json, or draw one --component, or --level blocks")
    source = to_dot(graph, level, component)
    if fmt == "dot":
        path.write_text(source + "\n", encoding="utf-8")
        return
    path.write_bytes(draw(source, fmt))


def draw(source: str, fmt: str) -> bytes:
    """DOT source drawn by Graphviz's `dot`, run with a time limit and an address-space limit."""
    import subprocess

    if shutil.which("dot") is None:
        raise RenderError(f"writing {fmt.upper()} needs Graphviz's `dot` program, which is not installed "
                          "(e.g. `apt-get install graphviz`); write .dot or .json instead")

    def limits() -> None:  # in the child, before it runs `dot`
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (DOT_MEMORY, DOT_MEMORY))
        seconds = max(1, int(DOT_SECONDS))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))

    try:
        result = subprocess.run(["dot", f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
                                timeout=DOT_SECONDS, preexec_fn=limits)
    except subprocess.TimeoutExpired:
        raise TooLargeToDraw(f"Graphviz did not draw the graph within {DOT_SECONDS} s: write .dot or .json "
                             "instead") from None
    except (OSError, subprocess.SubprocessError) as e:
        raise RenderError(f"cannot run Graphviz's `dot`: {getattr(e, 'strerror', None) or e}") from None
    if result.returncode != 0:
        reason = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {result.returncode}"]
        raise RenderError(f"Graphviz could not draw the graph ({reason[0][:200]}); write .dot or .json instead")
    return result.stdout
